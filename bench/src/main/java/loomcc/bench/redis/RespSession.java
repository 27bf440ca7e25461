package loomcc.bench.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

import loomcc.bench.redis.Keyspace.Key;
import loomcc.bench.redis.Keyspace.Value;

/**
 * One client connection's protocol state: the RESP2 parser, the commands, the reply writer. No
 * I/O: a style reads bytes into {@link #readBuffer()}, calls {@link #process()}, writes
 * {@link #writeBuffer()} out, and does what {@code process} returns. Every style shares this, so
 * the three styles differ only in how they wait for a socket.
 *
 * <h2>Reading guide</h2>
 * <ol>
 * <li><b>Input.</b> One byte array; the bytes not yet parsed are {@code in[start, end)}. A command
 * is parsed in place: its arguments are offsets into the array ({@code argOff}, {@code argLen}),
 * never copied, and a lookup key is a view on them ({@link Key#view}).</li>
 * <li><b>Pipelining.</b> {@link #process} answers every complete command in the buffer before it
 * asks for more input ({@link #READ}); it stops early ({@link #CONTINUE}) only when 64 KiB of
 * replies are waiting, so the output stays bounded too.</li>
 * <li><b>Partial commands.</b> A multibulk command cut off by the end of the buffer is resumed
 * where it stopped ({@code mb*} fields), not re-parsed, so a big command costs linear time.</li>
 * <li><b>Bounded memory.</b> The input array grows only when a partial command fills it, and only
 * as bytes arrive (doubling, never past what the command needs); limits as redis-server's: a bulk
 * longer than 512 MB ({@code proto-max-bulk-len}), an inline command longer than 64 KiB
 * ({@code PROTO_INLINE_MAX_SIZE}), more than 1 048 576 arguments, a command over 1 GiB
 * ({@code client-query-buffer-limit}). Past one: a {@code -ERR Protocol error} and
 * {@link #CLOSE}.</li>
 * <li><b>Commands</b>: PING, ECHO, GET, SET, INCR, DEL, EXISTS, MGET, MSET, CONFIG GET (what
 * redis-benchmark asks at start), CLIENT SETINFO/SETNAME (what Jedis sends at connect), SELECT 0,
 * DBSIZE, FLUSHDB, FLUSHALL, COMMAND (an empty array), QUIT; anything else is
 * {@code -ERR unknown command}. Values are bytes (binary-safe).</li>
 * </ol>
 *
 * <p>Threading: one session belongs to one connection and is used by one thread at a time. The
 * keyspace is shared: with a lock (the vthread style) each command runs under it.
 */
public final class RespSession {
    /** {@link #process} result: write the output (if any), then read more input. */
    public static final int READ = 0;
    /** {@link #process} result: write the output, then call {@code process} again without reading. */
    public static final int CONTINUE = 1;
    /** {@link #process} result: write the output (an error or QUIT's OK), then close. */
    public static final int CLOSE = 2;

    static final int MAX_BULK = 512 * 1024 * 1024;
    static final int MAX_INLINE = 64 * 1024;
    static final int MAX_ARGS = 1024 * 1024;
    static final int MAX_QUERY = 1 << 30;
    static final int INITIAL = 4 * 1024;
    static final int FLUSH_AT = 64 * 1024;

    private final Keyspace keyspace;
    private final ReentrantLock lock;          // null: the keyspace is confined to this thread
    private final Key probe = new Key();

    private byte[] in = new byte[INITIAL];
    private ByteBuffer inBuf = ByteBuffer.wrap(in);
    private int start;                         // first byte not yet parsed
    private int end;                           // one past the last byte read
    private int need;                          // bytes from start the pending command needs; 0 = not known

    private byte[] out = new byte[INITIAL];
    private ByteBuffer outBuf = ByteBuffer.wrap(out);
    private int outLen;

    private int argc;
    private int[] argOff = new int[16];
    private int[] argLen = new int[16];

    private boolean mbPending;                 // a multibulk command is partly parsed
    private int mbCount;                       // its argument count
    private int mbPos;                         // where its next "$len" starts
    private boolean closing;

    /**
     * @param keyspace the data
     * @param locked   true when several threads share the keyspace: each command then runs under
     *                 {@link Keyspace#lock()}
     */
    public RespSession(Keyspace keyspace, boolean locked) {
        this.keyspace = keyspace;
        this.lock = locked ? keyspace.lock() : null;
    }

    // ------------------------------------------------------------------ the style's side

    /** Where to read into: position at the end of the unparsed bytes, limit at the array's end (never full). */
    public ByteBuffer readBuffer() {
        inBuf.limit(in.length).position(end);
        return inBuf;
    }

    /** {@code n} bytes were read into {@link #readBuffer()}. */
    public void received(int n) {
        end += n;
    }

    /** Reads once from a blocking stream; returns what {@link InputStream#read(byte[], int, int)} did. */
    public int readFrom(InputStream s) throws IOException {
        int n = s.read(in, end, in.length - end);
        if (n > 0) {
            end += n;
        }
        return n;
    }

    /** True when replies wait to be written. */
    public boolean hasOutput() {
        return outLen > 0;
    }

    /** The replies to write: position 0, limit at their end. Call {@link #written()} once all are out. */
    public ByteBuffer writeBuffer() {
        outBuf.limit(outLen).position(0);
        return outBuf;
    }

    /** The output was written. */
    public void written() {
        outLen = 0;
        if (out.length > 16 * INITIAL) {
            out = new byte[INITIAL];          // a big reply does not pin its buffer
            outBuf = ByteBuffer.wrap(out);
        }
    }

    /** Writes the output to a blocking stream. */
    public void writeTo(OutputStream s) throws IOException {
        s.write(out, 0, outLen);
        written();
    }

    /** Answers every complete command in the input; returns {@link #READ}, {@link #CONTINUE} or {@link #CLOSE}. */
    public int process() {
        while (!closing) {
            int r = parse();
            if (r == 0) {
                return prepareRead();
            }
            if (r < 0) {
                closing = true;
                break;
            }
            if (argc > 0) {
                if (lock == null) {
                    execute();
                } else {
                    lock.lock();
                    try {
                        execute();
                    } finally {
                        lock.unlock();
                    }
                }
            }
            if (outLen >= FLUSH_AT && !closing) {
                return CONTINUE;
            }
        }
        return CLOSE;
    }

    /** Makes room for the next read: drops parsed bytes, grows for a partial command. READ, or CLOSE past the limit. */
    private int prepareRead() {
        if (start == end && !mbPending) {
            start = end = 0;
            if (in.length > 4 * INITIAL) {
                in = new byte[INITIAL];
                inBuf = ByteBuffer.wrap(in);
            }
            return READ;
        }
        if (start > 0 && (end == in.length || start >= in.length / 2)) {
            int shift = start;
            System.arraycopy(in, start, in, 0, end - start);
            end -= shift;
            start = 0;
            if (mbPending) {
                mbPos -= shift;
                for (int i = 0; i < argc; i++) {
                    argOff[i] -= shift;
                }
            }
        }
        if (end == in.length) {
            long cap = 2L * in.length;
            if (need > in.length) {
                cap = Math.min(cap, need);
            }
            if (cap > MAX_QUERY) {
                protocolError("query buffer limit (1 GiB) exceeded");
                closing = true;
                return CLOSE;
            }
            in = Arrays.copyOf(in, (int) cap);
            inBuf = ByteBuffer.wrap(in);
        }
        return READ;
    }

    // ------------------------------------------------------------------ the parser

    private static final long INCOMPLETE = Long.MIN_VALUE;
    private static final long BAD = Long.MIN_VALUE + 1;
    private int next;                          // set by number(): the index after its "\r\n"

    /** 1: a command is in argc/argOff/argLen (argc may be 0: nothing to do); 0: incomplete; -1: error written. */
    private int parse() {
        if (mbPending) {
            return multibulk();
        }
        if (start >= end) {
            return 0;
        }
        need = 0;
        if (in[start] != '*') {
            return inline();
        }
        long n = number(start + 1);
        if (n == INCOMPLETE) {
            return 0;
        }
        if (n == BAD || n > MAX_ARGS) {
            return protocolError("invalid multibulk length");
        }
        argc = 0;
        if (n <= 0) {                          // "*0" and "*-1": nothing, as redis-server does
            start = next;
            return 1;
        }
        mbPending = true;
        mbCount = (int) n;
        mbPos = next;
        return multibulk();
    }

    /** Resumes the pending multibulk command at mbPos. */
    private int multibulk() {
        int q = mbPos;
        while (argc < mbCount) {
            if (q >= end) {
                mbPos = q;
                return 0;
            }
            if (in[q] != '$') {
                mbPending = false;
                return protocolError("expected '$', got '" + printable(in[q]) + "'");
            }
            long len = number(q + 1);
            if (len == INCOMPLETE) {
                mbPos = q;
                return 0;
            }
            if (len == BAD || len < 0 || len > MAX_BULK) {
                mbPending = false;
                return protocolError("invalid bulk length");
            }
            long dataEnd = next + len;
            if (dataEnd + 2 > end) {
                mbPos = q;
                need = (int) Math.min(Integer.MAX_VALUE, dataEnd + 2 - start);
                return 0;
            }
            int d = (int) dataEnd;
            if (in[d] != '\r' || in[d + 1] != '\n') {
                mbPending = false;
                return protocolError("expected CRLF after a bulk string");
            }
            addArg(next, (int) len);
            q = d + 2;
        }
        mbPending = false;
        need = 0;
        start = q;
        return 1;
    }

    /**
     * An inline command (what a person types into {@code nc} or telnet), ended by "\n" (a "\r"
     * before it dropped). Words are separated by blanks and may be quoted as redis-server reads
     * them (its {@code sdssplitargs}, see <a href="https://redis.io/docs/latest/develop/reference/protocol-spec/#inline-commands">inline
     * commands</a>): in "double quotes" the escapes {@code \n \r \t \b \a \xHH} and a backslash
     * before any other byte (that byte) work; in 'single quotes' only {@code \'} does. A quote
     * may start mid-word ({@code a"b c"} is one word, {@code ab c}); a closing quote must end the
     * word. An unclosed quote, or a closing one followed by more of the word, is a protocol
     * error that closes the connection, as with redis-server.
     */
    private int inline() {
        int limit = Math.min(end, start + MAX_INLINE + 2);
        int nl = -1;
        for (int i = start; i < limit; i++) {
            if (in[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            return end - start > MAX_INLINE ? protocolError("too big inline request") : 0;
        }
        int lineEnd = nl > start && in[nl - 1] == '\r' ? nl - 1 : nl;
        argc = 0;
        int i = start;
        for (;;) {
            while (i < lineEnd && blank(in[i])) {
                i++;
            }
            if (i >= lineEnd) {
                break;
            }
            // The word is unquoted into its own bytes, in place: w never passes i, since every
            // byte written consumes at least one byte read (the line is used once, then dropped).
            int s = i;
            int w = i;
            while (i < lineEnd && !blank(in[i])) {
                byte q = in[i];
                if (q != '"' && q != '\'') {
                    in[w++] = in[i++];
                    continue;
                }
                i = unquote(q, i + 1, lineEnd, w);
                if (i < 0) {
                    return protocolError("unbalanced quotes in request");
                }
                w = unquotedEnd;
            }
            addArg(s, w - s);
        }
        start = nl + 1;
        return 1;
    }

    private int unquotedEnd;                   // set by unquote(): where the quoted bytes written end

    /**
     * Copies the quoted part of a word that starts at i (just past the opening quote {@code q})
     * to w, its escapes undone; returns the index past the closing quote (and sets
     * {@link #unquotedEnd}), or -1 if the quote is not closed or the word goes on after it.
     */
    private int unquote(byte q, int i, int lineEnd, int w) {
        while (i < lineEnd) {
            byte c = in[i];
            if (c == q) {
                i++;
                if (i < lineEnd && !blank(in[i])) {
                    return -1;                 // "a"b: redis-server refuses it too
                }
                unquotedEnd = w;
                return i;
            }
            if (c == '\\' && i + 1 < lineEnd) {
                byte e = in[i + 1];
                if (q == '\'') {
                    if (e == '\'') {
                        in[w++] = '\'';
                        i += 2;
                        continue;
                    }
                } else if (e == 'x' && i + 3 < lineEnd && hex(in[i + 2]) >= 0 && hex(in[i + 3]) >= 0) {
                    in[w++] = (byte) (hex(in[i + 2]) << 4 | hex(in[i + 3]));
                    i += 4;
                    continue;
                } else {
                    in[w++] = switch (e) {
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case 't' -> '\t';
                        case 'b' -> '\b';
                        case 'a' -> 7;
                        default -> e;
                    };
                    i += 2;
                    continue;
                }
            }
            in[w++] = c;
            i++;
        }
        return -1;                             // no closing quote before the end of the line
    }

    /** The blanks C's isspace() knows, as redis-server's inline parser uses them. */
    private static boolean blank(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == 0x0b || c == 0x0c;
    }

    /** A hex digit's value, or -1. */
    private static int hex(byte c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** The decimal integer at i, ended by "\r\n" (sets {@link #next}); INCOMPLETE; or BAD. */
    private long number(int i) {
        int j = i;
        boolean neg = false;
        if (j < end && in[j] == '-') {
            neg = true;
            j++;
        }
        long v = 0;
        int digits = 0;
        while (j < end) {
            byte c = in[j];
            if (c < '0' || c > '9') {
                break;
            }
            if (++digits > 18) {
                return BAD;
            }
            v = v * 10 + (c - '0');
            j++;
        }
        if (j >= end || j + 1 >= end && in[j] == '\r') {
            return INCOMPLETE;
        }
        if (digits == 0 || in[j] != '\r' || in[j + 1] != '\n') {
            return BAD;
        }
        next = j + 2;
        return neg ? -v : v;
    }

    private void addArg(int off, int len) {
        if (argc == argOff.length) {
            argOff = Arrays.copyOf(argOff, argc * 2);
            argLen = Arrays.copyOf(argLen, argc * 2);
        }
        argOff[argc] = off;
        argLen[argc] = len;
        argc++;
    }

    /** Writes "-ERR Protocol error: why" and returns -1 (the connection closes after it). */
    private int protocolError(String why) {
        error("ERR Protocol error: " + why);
        return -1;
    }

    // ------------------------------------------------------------------ the commands

    private static final byte[] OK = bytes("+OK\r\n");
    private static final byte[] PONG = bytes("+PONG\r\n");
    private static final byte[] NULL = bytes("$-1\r\n");
    private static final byte[] EMPTY_ARRAY = bytes("*0\r\n");

    private void execute() {
        int len = argLen[0];
        switch (len) {
            case 3 -> {
                if (is(0, "GET")) {
                    get();
                } else if (is(0, "SET")) {
                    set();
                } else if (is(0, "DEL")) {
                    delOrExists(true);
                } else {
                    unknown();
                }
            }
            case 4 -> {
                if (is(0, "PING")) {
                    ping();
                } else if (is(0, "INCR")) {
                    incr();
                } else if (is(0, "MSET")) {
                    mset();
                } else if (is(0, "MGET")) {
                    mget();
                } else if (is(0, "ECHO")) {
                    if (arity(2, 2)) {
                        bulk(in, argOff[1], argLen[1]);
                    }
                } else if (is(0, "QUIT")) {
                    raw(OK);
                    closing = true;
                } else {
                    unknown();
                }
            }
            case 6 -> {
                if (is(0, "EXISTS")) {
                    delOrExists(false);
                } else if (is(0, "CONFIG")) {
                    config();
                } else if (is(0, "CLIENT")) {
                    client();
                } else if (is(0, "SELECT")) {
                    if (arity(2, 2)) {
                        if (argLen[1] == 1 && in[argOff[1]] == '0') {
                            raw(OK);
                        } else {
                            error("ERR DB index is out of range");
                        }
                    }
                } else if (is(0, "DBSIZE")) {
                    if (arity(1, 1)) {
                        integer(keyspace.size());
                    }
                } else {
                    unknown();
                }
            }
            case 7 -> {
                if (is(0, "FLUSHDB")) {
                    flush();
                } else if (is(0, "COMMAND")) {
                    raw(EMPTY_ARRAY);          // redis-cli asks for COMMAND DOCS: none here
                } else {
                    unknown();
                }
            }
            case 8 -> {
                if (is(0, "FLUSHALL")) {
                    flush();
                } else {
                    unknown();
                }
            }
            default -> unknown();
        }
    }

    private void ping() {
        if (argc == 1) {
            raw(PONG);
        } else if (arity(1, 2)) {
            bulk(in, argOff[1], argLen[1]);
        }
    }

    private void get() {
        if (!arity(2, 2)) {
            return;
        }
        Value v = keyspace.get(key(1));
        if (v == null) {
            raw(NULL);
        } else {
            bulk(v.bytes, 0, v.bytes.length);
        }
    }

    private void set() {
        if (argc > 3 && argc <= 6) {
            error("ERR syntax error (this server's SET takes no options)");
            return;
        }
        if (!arity(3, 3)) {
            return;
        }
        keyspace.set(key(1), Arrays.copyOfRange(in, argOff[2], argOff[2] + argLen[2]));
        raw(OK);
    }

    private void mset() {
        if (argc < 3 || argc % 2 == 0) {
            wrongArity();
            return;
        }
        for (int i = 1; i < argc; i += 2) {
            keyspace.set(key(i), Arrays.copyOfRange(in, argOff[i + 1], argOff[i + 1] + argLen[i + 1]));
        }
        raw(OK);
    }

    private void mget() {
        if (!arity(2, Integer.MAX_VALUE)) {
            return;
        }
        arrayHeader(argc - 1);
        for (int i = 1; i < argc; i++) {
            Value v = keyspace.get(key(i));
            if (v == null) {
                raw(NULL);
            } else {
                bulk(v.bytes, 0, v.bytes.length);
            }
        }
    }

    private void delOrExists(boolean del) {
        if (!arity(2, Integer.MAX_VALUE)) {
            return;
        }
        long n = 0;
        for (int i = 1; i < argc; i++) {
            if (del ? keyspace.remove(key(i)) : keyspace.get(key(i)) != null) {
                n++;
            }
        }
        integer(n);
    }

    private void incr() {
        if (!arity(2, 2)) {
            return;
        }
        Key k = key(1);
        Value v = keyspace.get(k);
        long n = 0;
        if (v != null) {
            n = parseLong(v.bytes);
            if (n == BAD) {
                error("ERR value is not an integer or out of range");
                return;
            }
            if (n == Long.MAX_VALUE) {
                error("ERR increment or decrement would overflow");
                return;
            }
        }
        n++;
        int at = outLen;
        integer(n);                                   // ":<digits>\r\n": the new value is those digits
        byte[] digits = Arrays.copyOfRange(out, at + 1, outLen - 2);
        if (v == null) {
            keyspace.set(k, digits);
        } else {
            v.bytes = digits;
        }
    }

    /** A value as redis-server reads an integer: canonical decimal, no spaces or '+'; BAD otherwise. */
    static long parseLong(byte[] b) {
        int len = b.length;
        if (len == 0 || len > 20) {
            return BAD;
        }
        boolean neg = b[0] == '-';
        int i = neg ? 1 : 0;
        if (i == len || (b[i] == '0' && (len - i > 1 || neg))) {
            return BAD;                               // "-", a leading zero, "-0"
        }
        long n = 0;                                   // negative while it accumulates: MIN_VALUE fits
        for (; i < len; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9 || n < (Long.MIN_VALUE + d) / 10) {
                return BAD;                           // not a digit, or n * 10 - d would overflow
            }
            n = n * 10 - d;
        }
        if (!neg) {
            if (n == Long.MIN_VALUE) {
                return BAD;                           // 9223372036854775808
            }
            n = -n;
        }
        return n;
    }

    private void flush() {
        if (arity(1, 2)) {
            keyspace.clear();
            raw(OK);
        }
    }

    /** CONFIG GET pattern: the few parameters a client asks about; CONFIG anything else: an error. */
    private void config() {
        if (argc < 2) {
            wrongArity();
            return;
        }
        if (!is(1, "GET")) {
            error("ERR CONFIG " + text(1) + " is not supported by this server (only CONFIG GET)");
            return;
        }
        if (!arity(3, Integer.MAX_VALUE)) {
            return;
        }
        String[][] params = {{"save", ""}, {"appendonly", "no"}, {"databases", "1"}, {"maxmemory", "0"}};
        int matches = 0;
        boolean[] hit = new boolean[params.length];
        for (int a = 2; a < argc; a++) {
            String pattern = text(a).toLowerCase(java.util.Locale.ROOT);
            for (int p = 0; p < params.length; p++) {
                if (!hit[p] && glob(pattern, 0, params[p][0], 0)) {
                    hit[p] = true;
                    matches++;
                }
            }
        }
        arrayHeader(2 * matches);
        for (int p = 0; p < params.length; p++) {
            if (hit[p]) {
                byte[] k = bytes(params[p][0]);
                byte[] v = bytes(params[p][1]);
                bulk(k, 0, k.length);
                bulk(v, 0, v.length);
            }
        }
    }

    /** Glob match with '*' and '?', as CONFIG GET takes. */
    static boolean glob(String p, int i, String s, int j) {
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '*') {
                for (int k = j; k <= s.length(); k++) {
                    if (glob(p, i + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (j >= s.length() || c != '?' && c != s.charAt(j)) {
                return false;
            }
            i++;
            j++;
        }
        return j == s.length();
    }

    /** CLIENT SETINFO / SETNAME (sent by clients at connect): OK; anything else: an error. */
    private void client() {
        if (argc >= 2 && (is(1, "SETINFO") || is(1, "SETNAME"))) {
            raw(OK);
        } else {
            error("ERR CLIENT " + (argc >= 2 ? text(1) : "") + " is not supported by this server");
        }
    }

    private void unknown() {
        StringBuilder b = new StringBuilder("ERR unknown command '").append(text(0)).append("', with args beginning with: ");
        for (int i = 1; i < argc && b.length() < 256; i++) {
            b.append('\'').append(text(i)).append("' ");
        }
        error(b.toString());
    }

    /** True when argc is in [min, max]; otherwise writes the wrong-arity error. */
    private boolean arity(int min, int max) {
        if (argc >= min && argc <= max) {
            return true;
        }
        wrongArity();
        return false;
    }

    private void wrongArity() {
        error("ERR wrong number of arguments for '" + text(0).toLowerCase(java.util.Locale.ROOT) + "' command");
    }

    private Key key(int i) {
        return probe.view(in, argOff[i], argLen[i]);
    }

    /** Argument i is {@code upper}, ignoring ASCII case. */
    private boolean is(int i, String upper) {
        int len = argLen[i];
        if (len != upper.length()) {
            return false;
        }
        int off = argOff[i];
        for (int k = 0; k < len; k++) {
            if ((in[off + k] & 0xDF) != upper.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Argument i as text for an error message: at most 128 characters, no CR or LF. */
    private String text(int i) {
        int len = Math.min(argLen[i], 128);
        String s = new String(in, argOff[i], len, StandardCharsets.UTF_8);
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private static String printable(byte b) {
        return b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xFF);
    }

    // ------------------------------------------------------------------ the reply writer

    private void ensureOut(int n) {
        if (outLen + n > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, outLen + n));
            outBuf = ByteBuffer.wrap(out);
        }
    }

    private void raw(byte[] b) {
        ensureOut(b.length);
        System.arraycopy(b, 0, out, outLen, b.length);
        outLen += b.length;
    }

    private void bulk(byte[] a, int off, int len) {
        ensureOut(len + 24);
        out[outLen++] = '$';
        digits(len);
        System.arraycopy(a, off, out, outLen, len);
        outLen += len;
        out[outLen++] = '\r';
        out[outLen++] = '\n';
    }

    private void integer(long v) {
        ensureOut(24);
        out[outLen++] = ':';
        digits(v);
    }

    private void arrayHeader(int n) {
        ensureOut(24);
        out[outLen++] = '*';
        digits(n);
    }

    private void error(String msg) {
        byte[] b = msg.replace('\r', ' ').replace('\n', ' ').getBytes(StandardCharsets.UTF_8);
        ensureOut(b.length + 3);
        out[outLen++] = '-';
        System.arraycopy(b, 0, out, outLen, b.length);
        outLen += b.length;
        out[outLen++] = '\r';
        out[outLen++] = '\n';
    }

    /** Writes v in decimal and "\r\n" (room for 22 bytes already ensured). */
    private void digits(long v) {
        if (v == Long.MIN_VALUE) {
            byte[] b = bytes(Long.MIN_VALUE + "\r\n");
            System.arraycopy(b, 0, out, outLen, b.length);
            outLen += b.length;
            return;
        }
        if (v < 0) {
            out[outLen++] = '-';
            v = -v;
        }
        int n = 1;
        for (long x = v; x >= 10; x /= 10) {
            n++;
        }
        int p = outLen + n;
        for (int k = p - 1; k >= outLen; k--) {
            out[k] = (byte) ('0' + v % 10);
            v /= 10;
        }
        outLen = p;
        out[outLen++] = '\r';
        out[outLen++] = '\n';
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
