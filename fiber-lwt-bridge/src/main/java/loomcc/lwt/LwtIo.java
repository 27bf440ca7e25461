package loomcc.lwt;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

import loomcc.fiber.Awaiter;
import loomcc.fiber.Fiber;
import loomcc.internal.fiber.FiberAccess;
import loomcc.internal.fiber.ParkingAwaiter;
import loomcc.internal.lwt.EventLoop;
import loomcc.internal.lwt.IoBuffers;

/**
 * Buffered channels, servers and clients on the running loop ({@code Lwt_io}).
 *
 * <pre>{@code
 * LwtIo.Server server = LwtIo.serve(new InetSocketAddress("127.0.0.1", 7000), c -> {
 *     String line;
 *     while ((line = LwtFiber.await(c.in().readLine())) != null) {   // this fiber waits, not the loop
 *         LwtFiber.await(c.out().writeUtf8(line + "\n"));
 *         LwtFiber.await(c.out().flush());
 *     }
 * });
 * }</pre>
 *
 * <h2>Reading guide</h2>
 * <ol>
 *   <li>{@link Input}: a byte buffer in front of a socket. Every read takes buffered bytes first;
 *       when it needs more it reads once, and only when the channel is ready: after a read that
 *       returned fewer bytes than there was room for, the socket is known to be drained, so the
 *       next read waits for the selector instead of trying a read that would return nothing
 *       (Lwt_unix's {@code wait_read} before a read). A read that can be answered from the buffer
 *       returns a resolved promise, so a fiber's {@code await} on it costs no suspension. A fiber
 *       that reads through {@link Input#stream()} waits with no promise at all (the input itself is
 *       what it awaits): the cheapest read a fiber has.
 *   <li>{@link Output}: a byte buffer behind a socket. A write that fits is copied and resolved
 *       at once; one that does not goes straight to the socket with the buffered bytes in front of
 *       it (one gathering write), and only what the socket did not take is kept. Every write takes
 *       all of its bytes before it returns; its promise is pending only while more than a buffer's
 *       worth is waiting for the socket (back-pressure), and then resolves once all is written.
 *   <li>{@link #serve}: an accept loop with no promise per accept; a fiber per connection, which
 *       owns the connection: flushed and closed when the handler ends, however it ends.
 *   <li>{@link #connect}: a client connection with the same {@link Input} and {@link Output}.
 * </ol>
 * Waits for readiness go through the loop's selector with one reusable wait object per
 * {@code Input}, {@code Output} and server (no allocation per wait).
 *
 * <h2>Memory</h2>
 * The socket is read into one direct scratch buffer per loop, and the bytes are copied at once to
 * the reader's destination (a {@link Input#read(ByteBuffer) read}'s buffer, a {@link Input#stream()}
 * read's array) or, when they must wait, into the input's heap buffer, which grows with what
 * arrives up to 64 KiB (more only for a long line or a {@code readExactly}) and is dropped once
 * emptied if it grew past 4 KiB. An output takes a 64 KiB direct buffer from a small per-loop free
 * list when bytes start to wait and gives it back when they are all sent. So an idle connection
 * holds no buffer, a busy one at most 64 KiB each way (plus what back-pressure keeps), and reads
 * and writes reach the system call with no copy into a JDK temporary buffer. Direct memory has its
 * own limit ({@code -XX:MaxDirectMemorySize}, by default the maximum heap size): a loop needs 64 KiB,
 * plus 64 KiB per connection whose reply is still being sent. Past the limit, the read or write
 * that needed a buffer throws an {@link OutOfMemoryError} that says so (in {@link #serve}: that
 * connection is closed and logged, the server goes on).
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>. An {@code Input}, {@code Output}, {@code Connection} or {@code Server}
 * belongs to the loop running on the thread that made it, and is used from that loop's thread
 * (fibers and callbacks of the loop). At most one read may be pending on an {@code Input} at a
 * time (a second is an {@link IllegalStateException}: await the first); writes may be issued while
 * others are pending and go out in order.
 *
 * <h2>Failures</h2>
 * An I/O failure (a reset, a closed channel) rejects the operation's promise with the
 * {@link IOException} itself; after one, the {@code Input} or {@code Output} rejects every later
 * operation with the same exception. {@link LineTooLongException} does the same to an {@code Input}.
 */
public final class LwtIo {
    private LwtIo() {
    }

    /** Buffer size of inputs and outputs, and the default {@link Input#maxLineLength}. */
    static final int DEFAULT_BUFFER = 64 * 1024;

    private static final System.Logger LOG = System.getLogger(LwtIo.class.getName());

    /**
     * A buffered input on {@code channel}, which is switched to non-blocking mode. It belongs to
     * the running loop.
     *
     * @param channel a connected socket channel
     * @return the input, with a 64 KiB buffer and a 64 KiB line length bound
     * @throws NullPointerException  if {@code channel} is null
     * @throws IllegalStateException if no loop runs on this thread
     */
    public static Input input(SocketChannel channel) {
        Objects.requireNonNull(channel, "LwtIo.input: channel");
        return new Input(EventLoop.require("LwtIo.input"), channel);
    }

    /**
     * A buffered output on {@code channel}, which is switched to non-blocking mode. It belongs to
     * the running loop. Nothing is sent until the buffer fills or {@link Output#flush} is called.
     *
     * @param channel a connected socket channel
     * @return the output, with a 64 KiB buffer
     * @throws NullPointerException  if {@code channel} is null
     * @throws IllegalStateException if no loop runs on this thread
     */
    public static Output output(SocketChannel channel) {
        Objects.requireNonNull(channel, "LwtIo.output: channel");
        return new Output(EventLoop.require("LwtIo.output"), channel);
    }

    /**
     * Listens on {@code address} and runs {@code handler} for every connection, in a fiber of its
     * own named after the peer, on the running loop, until {@link Server#close}.
     *
     * <p>The handler is direct-style code (it awaits) and may throw checked exceptions. When it
     * returns or throws, the connection's output is flushed (when it can be: not after a failure
     * of the connection itself, nor when the server is closing) and the connection is closed. A
     * failure ends that connection only: an {@link IOException} (a reset, an end of input in the
     * middle of a message, a {@link LineTooLongException}) is logged at DEBUG, anything else once
     * at WARNING with its stack ({@code System.Logger} {@code loomcc.lwt.LwtIo}); both are counted
     * in {@link Server#failed()}, and the server goes on. Connections get {@code TCP_NODELAY}: an
     * {@code Output} already batches what it sends.
     *
     * <p>If the loop ends while the server is open, its socket and its connections' channels are
     * closed as the loop stops (their fibers cannot run any more).
     *
     * @param address where to listen; port 0 picks a free port ({@link Server#address()} tells)
     * @param handler what to do with each connection
     * @return the server, already accepting
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if no loop runs on this thread
     * @throws java.io.UncheckedIOException if the address cannot be bound
     */
    public static Server serve(InetSocketAddress address, Handler handler) {
        Objects.requireNonNull(address, "LwtIo.serve: address");
        Objects.requireNonNull(handler, "LwtIo.serve: handler");
        EventLoop loop = EventLoop.require("LwtIo.serve");
        ServerImpl s;
        try {
            s = new ServerImpl(loop, address, handler);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("LwtIo.serve: cannot listen on " + address + ": " + e.getMessage(), e);
        }
        s.acceptSome();
        return s;
    }

    /**
     * Opens a connection to {@code address}.
     *
     * @param address the server
     * @return the promise of the connection, rejected with the {@link IOException} of a failed
     *         connect (refused, unreachable); cancelling it closes the half-open socket
     * @throws NullPointerException  if {@code address} is null
     * @throws IllegalStateException if no loop runs on this thread
     */
    public static Lwt<Connection> connect(InetSocketAddress address) {
        Objects.requireNonNull(address, "LwtIo.connect: address");
        EventLoop loop = EventLoop.require("LwtIo.connect");
        SocketChannel ch;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            return Lwt.failed(e);
        }
        Lwt<Void> connected = LwtUnix.connect(ch, address);
        Lwt<Connection> c = connected.map(v -> (Connection) new ConnectionImpl(loop, ch, address));
        return c.whenDone(() -> {
            if (!c.isFulfilled()) {
                closeQuietly(loop, ch);
            }
        });
    }

    /** What {@link #serve} runs for each connection, in the connection's own fiber. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Serves one connection in direct style. Returning or throwing ends the connection.
         *
         * @param c the connection
         * @throws Exception anything: it ends this connection only (see {@link #serve})
         */
        void handle(Connection c) throws Exception;
    }

    /** A socket with its buffered input and output. Loop thread only. */
    public interface Connection extends AutoCloseable {
        /** @return the buffered input */
        Input in();

        /** @return the buffered output */
        Output out();

        /** @return the peer's address */
        InetSocketAddress remote();

        /**
         * Closes the socket at once, without flushing (await {@code out().flush()} first to send
         * what is buffered); pending reads and writes are rejected. Closing twice does nothing.
         */
        @Override
        void close();
    }

    /** A listening socket and its connections ({@link #serve}). Loop thread only. */
    public interface Server extends AutoCloseable {
        /** @return the bound address (port 0 replaced by the real port) */
        InetSocketAddress address();

        /** @return the connections accepted so far */
        long accepted();

        /** @return the connections whose handler is still running */
        int active();

        /** @return the handlers that ended with an exception (server closing excepted) */
        long failed();

        /**
         * Stops accepting, releases the port (before this returns), and cancels the connections'
         * fibers: their pending await throws {@link Lwt.Canceled}, their {@code finally} blocks run,
         * and their channels are closed. Closing twice does nothing.
         */
        @Override
        void close();
    }

    /**
     * A line was longer than {@link Input#maxLineLength}. The input is unusable afterwards: the
     * rest of the line is still in the way, so the connection should end.
     */
    public static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        /** @param message what was too long */
        public LineTooLongException(String message) {
            super(message);
        }
    }

    // =============================================================================================
    // Input
    // =============================================================================================

    /**
     * A buffered input on a socket channel ({@code Lwt_io.input_channel}). Loop thread only; one
     * read pending at a time. See the class comment for how it reads.
     */
    public static final class Input {
        /** For fiber dumps: what a fiber waiting on this input waits for. */
        @Override
        public String toString() {
            return "LwtIo.Input read on " + ch;
        }

        /** What {@link #step} returns when it needs more bytes than are buffered. */
        private static final Object NEED_MORE = new Object();
        private static final FiberAccess FIBERS = FiberAccess.get();
        private static final int NONE = 0;
        private static final int LINE = 1;
        private static final int READ = 2;
        private static final int EXACT = 3;
        /** A read of {@link #stream()}: into {@code streamDst[streamOff, +streamLen)}, the fiber parked in {@code parked}. */
        private static final int STREAM = 4;

        /** Buffered bytes live in a heap array that grows from this size, by doubling. */
        private static final int MIN_BUFFER = 512;
        /**
         * An emptied buffer up to this size is kept while the reader goes on without waiting; a
         * bigger one is dropped at once. Any is dropped when the input waits empty ({@link #idle}).
         */
        private static final int KEEP_BUFFER = 4 * 1024;
        private static final byte[] NO_BYTES = new byte[0];

        private final EventLoop loop;
        private final SocketChannel ch;
        /** Every socket read goes into the loop's direct scratch buffer, then is copied out at once. */
        private final IoBuffers pool;
        /**
         * Bytes a[start, end) are buffered. Made when bytes must wait in it (not for a read whose
         * bytes go straight to the reader), grown to what arrives, dropped when emptied if it
         * grew past {@link #KEEP_BUFFER}, and whenever the input waits for the socket with
         * nothing buffered: an idle connection holds no buffer.
         */
        private byte[] a = NO_BYTES;
        private int start;
        private int end;
        /** a[start, scanned) holds no '\n': a line search goes on from there. */
        private int scanned;
        private int maxLine = DEFAULT_BUFFER;
        private boolean eof;
        /** The last read was short: the socket is drained, the next read waits for readiness. */
        private boolean drained;
        /** Set once the input failed; every later operation is rejected with it. */
        private IOException broken;

        // The one pending operation, if any.
        private int kind = NONE;
        private Resolver<Object> pending;
        private ByteBuffer readDst;
        private int exactN;
        // A STREAM read: where its bytes go, and the fiber parked on it with its ticket (no promise at all).
        private byte[] streamDst;
        private int streamOff;
        private int streamLen;
        private Fiber<?> parked;
        private int parkTicket;
        /** Bytes the last {@link #fill} copied straight into the pending READ or STREAM read's destination. */
        private int got;

        private final EventLoop.ReadyWait readable = new EventLoop.ReadyWait() {
            @Override
            protected void ready() {
                onReadable();
            }

            @Override
            protected void failed(Throwable error) {
                fail(error instanceof IOException io ? io : new IOException(error));
            }
        };

        Input(EventLoop loop, SocketChannel ch) {
            this.loop = loop;
            this.ch = ch;
            this.pool = IoBuffers.of(loop);
            try {
                ch.configureBlocking(false);
            } catch (IOException e) {
                broken = e;
            }
        }

        /**
         * Sets the line length bound of {@link #readLine}, not counting the {@code "\n"} or
         * {@code "\r\n"}. The buffer grows up to it when a line is longer than the buffer.
         *
         * @param bytes the bound, at least 1 (the default is 64 KiB)
         * @return this input
         * @throws IllegalArgumentException if {@code bytes} is less than 1
         */
        public Input maxLineLength(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("Input.maxLineLength: bytes must be >= 1, got " + bytes);
            }
            maxLine = bytes;
            return this;
        }

        /** @return the line length bound */
        public int maxLineLength() {
            return maxLine;
        }

        /** @return the number of bytes buffered, which a read can take without waiting */
        public int buffered() {
            return end - start;
        }

        /** The buffer's size now (it grows for a long line, up to the bound); for tests. */
        int capacity() {
            return a.length;
        }

        /**
         * The next line, decoded as UTF-8 (malformed bytes become U+FFFD), without its {@code "\n"}
         * or {@code "\r\n"}; an unterminated last line is returned as it is; null at the end of
         * input. Resolved at once when the line is buffered.
         *
         * @return the promise of the line, rejected with {@link LineTooLongException} when the
         *         line is longer than {@link #maxLineLength()} (the input is unusable then), or with
         *         the {@link IOException} of a failed read
         * @throws IllegalStateException if another read is pending on this input
         */
        @SuppressWarnings("unchecked")
        public Lwt<String> readLine() {
            return (Lwt<String>) (Lwt<?>) start(LINE, "readLine", null, 0);
        }

        /**
         * Reads into {@code dst}: the buffered bytes first, else what one read of the socket gives.
         *
         * @param dst the buffer to fill from its position
         * @return the promise of the number of bytes read (at least 1), 0 if {@code dst} has no
         *         room, -1 at the end of input
         * @throws NullPointerException  if {@code dst} is null
         * @throws IllegalStateException if another read is pending on this input
         */
        @SuppressWarnings("unchecked")
        public Lwt<Integer> read(ByteBuffer dst) {
            Objects.requireNonNull(dst, "Input.read: dst");
            return (Lwt<Integer>) (Lwt<?>) start(READ, "read", dst, 0);
        }

        /**
         * Reads exactly {@code n} bytes.
         *
         * @param n how many, at least 0
         * @return the promise of the bytes, rejected with {@link EOFException} if the input ends
         *         first (the bytes read so far are consumed); nothing is consumed before all
         *         {@code n} bytes are there, so a cancelled readExactly loses no byte
         * @throws IllegalArgumentException if {@code n} is negative
         * @throws IllegalStateException    if another read is pending on this input
         */
        @SuppressWarnings("unchecked")
        public Lwt<byte[]> readExactly(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("Input.readExactly: n must be >= 0, got " + n);
            }
            return (Lwt<byte[]>) (Lwt<?>) start(EXACT, "readExactly", null, n);
        }

        /**
         * A {@code java.io} view of this input for code that reads streams ({@code BufferedReader},
         * {@code DataInputStream}, a parser): each read blocks the calling fiber only. Reading it
         * outside a fiber throws {@link IllegalStateException}. Closing it closes the channel, as
         * closing a {@code Socket}'s stream does.
         *
         * @return the stream
         * @throws IllegalStateException outside a fiber
         */
        public InputStream stream() {
            requireFiber("Input.stream()");
            return new InputStream() {
                private final byte[] one = new byte[1];

                @Override
                public int read() throws IOException {
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    Objects.checkFromIndexSize(off, len, b.length);
                    requireFiber("reading Input.stream()");
                    if (len == 0) {
                        return 0;
                    }
                    if (broken != null) {
                        throw broken;
                    }
                    int have = end - start;
                    if (have > 0 && kind == NONE) {
                        int n = Math.min(have, len);
                        System.arraycopy(a, start, b, off, n);
                        consume(n);
                        return n;
                    }
                    return readDirect(b, off, len);
                }

                @Override
                public int available() {
                    return end - start;
                }

                @Override
                public void close() throws IOException {
                    loop.close(ch);
                }
            };
        }

        // ----- the machinery -----

        /**
         * A read of {@link #stream()} in the calling fiber, with no promise: the fiber awaits this
         * input through {@link #DIRECT} (the fast path reads the buffer, then the socket once if
         * it is not known to be drained; the slow path arms the readiness wait, whose callback
         * fills {@code b} and wakes the fiber). No allocation per read, waiting or not, where
         * {@code LwtFiber.await(read(ByteBuffer))} costs a buffer view, a task and its callback.
         */
        private int readDirect(byte[] b, int off, int len) throws IOException {
            requireNoReadPending("stream().read");
            streamDst = b;
            streamOff = off;
            streamLen = len;
            kind = STREAM;
            try {
                return Fiber.await(this, DIRECT);
            } finally {
                if (kind == STREAM && parked == null) {
                    clear();                               // answered on the fast path, or failed there
                }
            }
        }

        /** The awaiter of {@link #readDirect}: the "promise" is the input itself, its kind STREAM. */
        private static final Awaiter<Input, Integer> DIRECT = new DirectRead();

        /** The fiber parks on the input ({@link ParkingAwaiter}): readiness hands it its bytes, no wait object. */
        private static final class DirectRead implements ParkingAwaiter<Input, Integer> {
            @Override
            public boolean isDone(Input in) {
                if (in.broken != null || in.end > in.start || in.eof) {
                    return true;                           // nothing is taken here: getNow takes it
                }
                // NOTE: got is 0 here: every fill that sets it is followed by the step that takes it
                if (in.drained) {
                    return false;                          // the last read was short: wait for readiness
                }
                try {
                    in.fill();                             // once; a second isDone finds it drained
                } catch (IOException e) {
                    in.broken = e;
                    return true;
                }
                return in.got > 0 || in.end > in.start || in.eof;
            }

            @Override
            public Integer getNow(Input in) {
                if (in.broken != null) {
                    throw loomcc.internal.Throwing.sneaky(in.broken);
                }
                try {
                    return (Integer) in.step();            // isDone saw bytes or the end: take them
                } catch (IOException e) {
                    in.broken = e;
                    throw loomcc.internal.Throwing.sneaky(e);
                }
            }

            @Override
            public Object park(Input in, Fiber<?> fiber, int ticket) {
                in.parked = fiber;
                in.parkTicket = ticket;
                in.idle();
                try {
                    in.loop.awaitReady(in.ch, SelectionKey.OP_READ, in.readable);
                } catch (IOException e) {
                    in.broken = e;                         // the await throws e (never a wake-up inside a park)
                    in.clear();
                    throw loomcc.internal.Throwing.sneaky(e);
                }
                return null;
            }

            @Override
            public void unpark(Input in, Object registration) {
                if (in.kind == STREAM && in.parked != null) {  // the fiber was cancelled while it waited
                    in.clear();
                    in.loop.cancelReady(in.readable);      // the buffered bytes stay for the next read
                }
            }

            @Override
            public String describe(Input in) {
                return in.toString();                      // "LwtIo.Input read on <channel>"
            }
        }

        private Lwt<?> start(int k, String what, ByteBuffer dst, int n) {
            requireNoReadPending(what);
            if (broken != null) {
                return Lwt.failed(broken);
            }
            kind = k;
            if (k == READ) {
                readDst = dst;
            } else if (k == EXACT) {
                exactN = n;
            }
            Object r;
            try {
                r = run();
            } catch (IOException e) {
                clear();
                broken = e;
                return Lwt.failed(e);
            }
            if (r != NEED_MORE) {
                clear();
                return Lwt.resolved(r);
            }
            Resolver<Object> res = Lwt.task();
            pending = res;
            idle();
            try {
                loop.awaitReady(ch, SelectionKey.OP_READ, readable);
            } catch (IOException e) {
                clear();
                broken = e;
                return Lwt.failed(e);
            }
            // NOTE: no onCancel hook (it would cost a callback node per wait). A cancelled read is
            // noticed lazily: by the next read, or by the readiness callback, which finds its
            // promise settled. Either way its bytes stay buffered and nothing is lost.
            return res.promise().describedAs(this);        // dumps: "LwtIo.Input read on <channel>"
        }

        /** The pending operation's result from the buffer, reading once when needed and allowed. */
        private Object run() throws IOException {
            while (true) {
                Object r = step();
                if (r != NEED_MORE) {
                    return r;
                }
                if (drained || fill() == 0) {
                    return NEED_MORE;
                }
            }
        }

        /** Readiness: the next read may go ahead. */
        private void onReadable() {
            drained = false;
            dropCancelledRead();
            if (kind == NONE) {
                return;
            }
            Object r;
            try {
                r = run();
            } catch (IOException e) {
                fail(e);
                return;
            }
            if (r == NEED_MORE) {
                idle();
                try {
                    loop.awaitReady(ch, SelectionKey.OP_READ, readable);
                } catch (IOException e) {
                    fail(e);
                }
                return;
            }
            Resolver<Object> res = pending;
            Fiber<?> f = parked;
            int ticket = parkTicket;
            clear();
            if (f != null) {
                FIBERS.wake(f, ticket, r, null);
            } else {
                res.tryResolve(r);
            }
        }

        private void fail(IOException e) {
            broken = e;
            Resolver<Object> res = pending;
            Fiber<?> f = parked;
            int ticket = parkTicket;
            clear();
            if (f != null) {
                FIBERS.wake(f, ticket, null, e);
            } else if (res != null) {
                res.tryReject(e);
            }
        }

        /** The input is about to wait for the socket: an empty buffer is dropped (an idle input holds none). */
        private void idle() {
            if (start == end) {
                a = NO_BYTES;                              // start == end == scanned == 0 already
            }
        }

        /** A read whose promise was cancelled while it waited is over: forget it. */
        private void dropCancelledRead() {
            if (kind != NONE && pending != null && !pending.promise().isPending()) {
                clear();
            }
        }

        /** One reader at a time: a read still pending refuses the next ({@code what} names the call). */
        private void requireNoReadPending(String what) {
            dropCancelledRead();
            if (kind != NONE) {
                throw new IllegalStateException("Input." + what + ": another read is pending on this input;"
                        + " await its promise before starting the next (one reader at a time)");
            }
        }

        private void clear() {
            kind = NONE;
            pending = null;
            readDst = null;
            streamDst = null;
            parked = null;
            got = 0;
        }

        /** Tries to finish the pending operation with what is buffered (and the end of input). */
        private Object step() throws IOException {
            switch (kind) {
                case LINE -> {
                    return stepLine();
                }
                case READ -> {
                    int taken = takeGot();                 // fill put them in dst already
                    if (taken > 0) {
                        return taken;
                    }
                    ByteBuffer dst = readDst;
                    int room = dst.remaining();
                    if (room == 0) {
                        return 0;
                    }
                    int have = end - start;
                    if (have > 0) {
                        int n = Math.min(room, have);
                        dst.put(a, start, n);
                        consume(n);
                        return n;
                    }
                    return eof ? (Object) (-1) : NEED_MORE;
                }
                case STREAM -> {
                    int taken = takeGot();                 // fill put them in streamDst already
                    if (taken > 0) {
                        return taken;
                    }
                    int have = end - start;
                    if (have > 0) {
                        int n = Math.min(streamLen, have);
                        System.arraycopy(a, start, streamDst, streamOff, n);
                        consume(n);
                        return n;
                    }
                    return eof ? (Object) (-1) : NEED_MORE;
                }
                case EXACT -> {
                    // Nothing is taken until all n bytes are buffered: a cancelled readExactly
                    // loses nothing, and the buffer grows with the bytes that really arrive, not
                    // with the n a peer may have announced.
                    int n = exactN;
                    int have = end - start;
                    if (have >= n) {
                        byte[] out = Arrays.copyOfRange(a, start, start + n);
                        consume(n);
                        return out;
                    }
                    if (eof) {
                        consume(have);
                        throw new EOFException("Input.readExactly: the input ended after " + have
                                + " of " + n + " bytes");
                    }
                    return NEED_MORE;
                }
                default -> throw new AssertionError(kind);
            }
        }

        /** The bytes the last {@link #fill} copied straight into the reader's destination, taken once. */
        private int takeGot() {
            int n = got;
            got = 0;
            return n;
        }

        private Object stepLine() throws IOException {
            byte[] b = a;
            int e = end;
            int i = scanned;
            while (i < e && b[i] != '\n') {
                i++;
            }
            if (i < e) {                                   // a[start, i) is the line, '\n' at i
                int lineEnd = i > start && b[i - 1] == '\r' ? i - 1 : i;
                if (lineEnd - start > maxLine) {
                    throw tooLong();
                }
                String line = new String(b, start, lineEnd - start, StandardCharsets.UTF_8);
                consume(i + 1 - start);
                return line;
            }
            scanned = e;
            int have = e - start;
            // A line of maxLine bytes may still be followed by "\r\n": allow for the '\r'.
            if (have > maxLine + 1 || (have == maxLine + 1 && b[e - 1] != '\r')) {
                throw tooLong();
            }
            if (eof) {
                if (have == 0) {
                    return null;
                }
                String line = new String(b, start, have, StandardCharsets.UTF_8);
                consume(have);
                return line;
            }
            return NEED_MORE;
        }

        private LineTooLongException tooLong() {
            return new LineTooLongException("Input.readLine: a line is longer than maxLineLength ("
                    + maxLine + " bytes); the input is unusable now: end the connection");
        }

        private void consume(int n) {
            start += n;
            if (start == end) {
                start = end = scanned = 0;                 // empty: the next read fills from the top
                if (a.length > KEEP_BUFFER) {              // a burst is over: give the memory back
                    a = NO_BYTES;
                }
            } else if (scanned < start) {
                scanned = start;
            }
        }

        /**
         * One read of the socket, into the loop's direct scratch buffer, of as many bytes as the
         * buffer may still take (its bound: {@link #DEFAULT_BUFFER}, or more for a long line or a
         * readExactly). The bytes go straight to the pending READ or STREAM read's destination
         * when nothing is buffered ({@link #got}), the rest into the buffer. Returns the byte
         * count, 0 if it would block; sets {@link #eof} at the end of input and {@link #drained}
         * after a short read.
         */
        private int fill() throws IOException {
            if (eof) {
                return 0;
            }
            int have = end - start;
            int room = (int) Math.max(1, Math.min(IoBuffers.SIZE, bound() - have));
            ByteBuffer s = pool.scratch();
            s.limit(room);
            int n = ch.read(s);
            if (n < 0) {
                eof = true;
                return 1;                                  // progress: step() sees the end
            }
            if (n < room) {
                drained = true;
            }
            if (n > 0) {
                s.flip();
                if (have == 0) {
                    if (kind == STREAM) {
                        int k = Math.min(n, streamLen);
                        s.get(streamDst, streamOff, k);
                        got = k;
                    } else if (kind == READ && readDst.hasRemaining()) {
                        int k = Math.min(n, readDst.remaining());
                        s.limit(k);
                        readDst.put(s);
                        s.limit(n);
                        got = k;
                    }
                }
                if (s.hasRemaining()) {
                    store(s);
                }
            }
            return n;
        }

        /** How many bytes the buffer may hold for the pending operation (step checks the line bound). */
        private long bound() {
            return switch (kind) {
                case EXACT -> Math.max(DEFAULT_BUFFER, exactN);
                case LINE -> Math.max(DEFAULT_BUFFER, (long) maxLine + 2);   // the line and its "\r\n"
                default -> DEFAULT_BUFFER;
            };
        }

        /** Appends {@code s}'s remaining bytes to the buffer, moving its data to the top or growing it first. */
        private void store(ByteBuffer s) {
            int r = s.remaining();
            if (a.length - end < r) {
                makeRoom(r);
            }
            s.get(a, end, r);
            end += r;
        }

        /**
         * Room for {@code r} more bytes: move the data to the top when that is enough, else grow by
         * doubling (from {@link #MIN_BUFFER}), so the buffer grows with the bytes that really
         * arrive; {@link #fill} reads no more than {@link #bound} allows, so neither does this.
         */
        private void makeRoom(int r) {
            int have = end - start;
            byte[] b = a;
            if (b.length - have < r) {
                long cap = Math.max(b.length, MIN_BUFFER);
                while (cap < (long) have + r) {
                    cap *= 2;
                }
                b = new byte[(int) Math.min(cap, Math.max(bound(), (long) have + r))];
            }
            System.arraycopy(a, start, b, 0, have);
            a = b;
            scanned -= start;
            start = 0;
            end = have;
        }
    }

    // =============================================================================================
    // Output
    // =============================================================================================

    /**
     * A buffered output on a socket channel ({@code Lwt_io.output_channel}). Loop thread only.
     * Writes take all of their bytes before they return (the source may be reused at once); the
     * promise of a write is pending only while more than a buffer's worth waits for the socket.
     */
    public static final class Output {
        /** For fiber dumps: what a fiber waiting on this output waits for. */
        @Override
        public String toString() {
            return "LwtIo.Output flush on " + ch;
        }

        private final EventLoop loop;
        private final SocketChannel ch;
        private final IoBuffers pool;
        private final int capacity = DEFAULT_BUFFER;
        /**
         * Write mode: bytes [0, position) wait to be sent. Three shapes: {@link #none} (capacity 0)
         * while nothing waits, so an idle output holds no buffer; a direct buffer of
         * {@code capacity} bytes from the loop's {@link IoBuffers} while bytes wait (sent with no
         * copy into a JDK temporary buffer); a bigger heap buffer under back-pressure only. Every
         * path that empties it gives the direct buffer back ({@link #release}).
         */
        private ByteBuffer buf;
        private final ByteBuffer none = ByteBuffer.allocate(0);
        private final ByteBuffer[] pair = new ByteBuffer[2];
        /** Resolved when the buffer is empty again; non-null while the buffer drains. */
        private Resolver<Void> drained;
        private IOException broken;

        private final EventLoop.ReadyWait writable = new EventLoop.ReadyWait() {
            @Override
            protected void ready() {
                drain();
            }

            @Override
            protected void failed(Throwable error) {
                fail(error instanceof IOException io ? io : new IOException(error));
            }
        };

        Output(EventLoop loop, SocketChannel ch) {
            this.loop = loop;
            this.ch = ch;
            this.pool = IoBuffers.of(loop);
            this.buf = none;
            try {
                ch.configureBlocking(false);
            } catch (IOException e) {
                broken = e;
            }
        }

        /** @return the number of bytes buffered, not yet taken by the socket */
        public int buffered() {
            return buf.position();
        }

        /** The buffer's size now (0 while nothing waits); for tests. */
        int capacity() {
            return buf.capacity();
        }

        /**
         * Writes {@code src}'s remaining bytes: copied when they fit in the buffer, else sent at
         * once behind the buffered bytes, and the rest kept. All of {@code src} is taken before
         * this returns.
         *
         * @param src the bytes, from its position to its limit
         * @return resolved at once unless more than a buffer's worth is waiting for the socket;
         *         then resolved when all of it is written; rejected with the IOException of a failed write
         * @throws NullPointerException if {@code src} is null
         */
        public Lwt<Void> write(ByteBuffer src) {
            Objects.requireNonNull(src, "Output.write: src");
            if (broken != null) {
                return Lwt.failed(broken);
            }
            ByteBuffer b = room(src.remaining());
            if (b != null) {
                b.put(src);
                return drained == null ? Lwt.resolved(null) : drained.promise();
            }
            return writeThrough(src);
        }

        /**
         * Writes {@code bytes} ({@link #write(ByteBuffer)}'s rules).
         *
         * @param bytes the bytes
         * @return see {@link #write(ByteBuffer)}
         * @throws NullPointerException if {@code bytes} is null
         */
        public Lwt<Void> write(byte[] bytes) {
            Objects.requireNonNull(bytes, "Output.write: bytes");
            ByteBuffer b = broken == null ? room(bytes.length) : null;
            if (b != null) {                               // (no ByteBuffer.wrap on the common path)
                b.put(bytes);
                return drained == null ? Lwt.resolved(null) : drained.promise();
            }
            return write(ByteBuffer.wrap(bytes));
        }

        /**
         * Writes {@code s} encoded as UTF-8 ({@link #write(ByteBuffer)}'s rules).
         *
         * @param s the text
         * @return see {@link #write(ByteBuffer)}
         * @throws NullPointerException if {@code s} is null
         */
        public Lwt<Void> writeUtf8(String s) {
            Objects.requireNonNull(s, "Output.writeUtf8: s");
            return write(s.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Sends everything buffered.
         *
         * @return resolved once the socket took all of it (at once when it did at the first try),
         *         rejected with the IOException of a failed write
         */
        public Lwt<Void> flush() {
            if (broken != null) {
                return Lwt.failed(broken);
            }
            if (drained != null) {
                return drained.promise();
            }
            if (buf.position() == 0) {
                return Lwt.resolved(null);
            }
            try {
                buf.flip();
                ch.write(buf);
                buf.compact();
            } catch (IOException e) {
                fail(e);
                return Lwt.failed(e);
            }
            if (buf.position() == 0) {
                release();
                return Lwt.resolved(null);
            }
            return startDrain();
        }

        /**
         * A {@code java.io} view of this output: each write blocks the calling fiber only while
         * the socket pushes back; {@code flush()} sends the buffer. Writing it outside a fiber
         * throws {@link IllegalStateException}. Closing it flushes, then closes the channel.
         *
         * @return the stream
         * @throws IllegalStateException outside a fiber
         */
        public OutputStream stream() {
            requireFiber("Output.stream()");
            return new OutputStream() {
                @Override
                public void write(int b) {
                    requireFiber("writing Output.stream()");
                    if (broken == null && buf == none) {
                        buf = pool.take();                 // nothing waits, so no drain either
                    }
                    if (broken == null && buf.hasRemaining() && buf.capacity() == capacity) {
                        buf.put((byte) b);
                        if (drained != null) {
                            LwtFiber.await(drained.promise());
                        }
                        return;
                    }
                    LwtFiber.await(Output.this.write(new byte[] {(byte) b}));
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    Objects.checkFromIndexSize(off, len, b.length);
                    requireFiber("writing Output.stream()");
                    LwtFiber.await(Output.this.write(ByteBuffer.wrap(b, off, len)));
                }

                @Override
                public void flush() {
                    requireFiber("flushing Output.stream()");
                    LwtFiber.await(Output.this.flush());
                }

                @Override
                public void close() throws IOException {
                    try {
                        flush();
                    } finally {
                        loop.close(ch);
                    }
                }
            };
        }

        // ----- the machinery -----

        /**
         * The buffer that takes {@code n} more bytes at once, else null ({@link #writeThrough}): the
         * buffer when they fit, or, while nothing waits (so no drain either: {@code drained} is null
         * whenever {@code buf} is {@code none}), a pool buffer taken for them.
         */
        private ByteBuffer room(int n) {
            ByteBuffer b = buf;
            if (n <= b.remaining() && b.capacity() == capacity) {
                return b;
            }
            if (b == none && n <= capacity) {
                return n > 0 ? (buf = pool.take()) : b;
            }
            return null;
        }

        /** {@code src} does not fit in the buffer: send at once behind the buffered bytes, keep the rest. */
        private Lwt<Void> writeThrough(ByteBuffer src) {
            if (drained == null) {
                try {
                    ByteBuffer b = buf;
                    b.flip();
                    if (b.hasRemaining()) {
                        pair[0] = b;
                        pair[1] = src;
                        try {
                            ch.write(pair);
                        } finally {
                            pair[0] = pair[1] = null;
                        }
                    } else {
                        ch.write(src);
                    }
                    b.compact();
                } catch (IOException e) {
                    fail(e);
                    return Lwt.failed(e);
                }
            }
            append(src);
            if (drained != null) {
                return drained.promise();
            }
            if (buf.position() > capacity) {
                return startDrain();                       // back-pressure: more than a buffer's worth waits
            }
            if (buf.position() == 0) {
                release();
            } else if (buf.capacity() != capacity) {       // a bigger heap buffer: back to a pool buffer
                ByteBuffer normal = pool.take();
                buf.flip();
                normal.put(buf);
                buf = normal;
            }
            return Lwt.resolved(null);
        }

        /** Copies all of {@code src} into the buffer, growing it past its capacity if need be. */
        private void append(ByteBuffer src) {
            ByteBuffer b = buf;
            if (src.remaining() > b.remaining()) {
                int need = b.position() + src.remaining();
                ByteBuffer bigger = need <= capacity ? pool.take() : ByteBuffer.allocate(need);
                b.flip();
                bigger.put(b);
                release();
                buf = b = bigger;
            }
            b.put(src);
        }

        /** The buffer is empty or dropped: give a pool buffer back; nothing is held any more. */
        private void release() {
            ByteBuffer b = buf;
            buf = none;
            if (b.isDirect()) {
                pool.give(b);                              // only pool buffers are direct here
            }
        }

        private Lwt<Void> startDrain() {
            Resolver<Void> r = Lwt.pending();              // shared by every waiter: not cancelable
            drained = r;
            try {
                loop.awaitReady(ch, SelectionKey.OP_WRITE, writable);
            } catch (IOException e) {
                fail(e);
            }
            return r.promise().describedAs(this);          // dumps: "LwtIo.Output flush on <channel>"
        }

        private void drain() {
            try {
                buf.flip();
                ch.write(buf);
                buf.compact();
            } catch (IOException e) {
                fail(e);
                return;
            }
            if (buf.position() > 0) {
                try {
                    loop.awaitReady(ch, SelectionKey.OP_WRITE, writable);
                } catch (IOException e) {
                    fail(e);
                }
                return;
            }
            release();                                     // empty: an idle output holds no buffer
            Resolver<Void> r = drained;
            drained = null;
            r.resolve(null);
        }

        private void fail(IOException e) {
            if (broken == null) {
                broken = e;
            }
            release();                                     // what was buffered will never be sent
            Resolver<Void> r = drained;
            drained = null;
            loop.cancelReady(writable);
            if (r != null) {
                r.tryReject(e);
            }
        }
    }

    // =============================================================================================
    // Connections and servers
    // =============================================================================================

    private static void requireFiber(String what) {
        if (Fiber.current() == null) {
            throw new IllegalStateException(what + " blocks a fiber and is used outside one: call it inside"
                    + " LwtFiber.start(() -> ...) (a serve handler already runs in one); promise code uses"
                    + " readLine/read/readExactly/write/flush instead");
        }
    }

    private static void closeQuietly(EventLoop loop, SocketChannel ch) {
        try {
            loop.close(ch);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "LwtIo: closing " + ch + " failed: " + e);
        }
    }

    private static final class ConnectionImpl implements Connection {
        final EventLoop loop;
        final SocketChannel ch;
        final Input in;
        final Output out;
        final InetSocketAddress remote;
        /** The connection's fiber, for Server.close (null for client connections). */
        Lwt<Void> fiber;
        boolean closed;

        ConnectionImpl(EventLoop loop, SocketChannel ch, InetSocketAddress remote) {
            this.loop = loop;
            this.ch = ch;
            this.remote = remote;
            this.in = new Input(loop, ch);
            this.out = new Output(loop, ch);
        }

        @Override
        public Input in() {
            return in;
        }

        @Override
        public Output out() {
            return out;
        }

        @Override
        public InetSocketAddress remote() {
            return remote;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                closeQuietly(loop, ch);
            }
        }

        @Override
        public String toString() {
            return "LwtIo.Connection[" + remote + (closed ? ", closed" : "") + "]";
        }
    }

    private static final class ServerImpl extends EventLoop.ReadyWait implements Server, EventLoop.Abandonable {
        private final EventLoop loop;
        private final ServerSocketChannel server;
        private final Handler handler;
        private final InetSocketAddress address;
        private final Set<ConnectionImpl> connections = new HashSet<>();
        private long accepted;
        private long failed;
        private boolean closed;

        ServerImpl(EventLoop loop, InetSocketAddress address, Handler handler) throws IOException {
            this.loop = loop;
            this.handler = handler;
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.configureBlocking(false);
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(address, 1024);
                this.address = (InetSocketAddress) s.getLocalAddress();
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            this.server = s;
            loop.track(this);
        }

        @Override
        public InetSocketAddress address() {
            return address;
        }

        @Override
        public long accepted() {
            return accepted;
        }

        @Override
        public int active() {
            return connections.size();
        }

        @Override
        public long failed() {
            return failed;
        }

        /** Accepts every connection waiting, then waits for the next. */
        void acceptSome() {
            while (!closed) {
                SocketChannel c;
                try {
                    c = server.accept();
                } catch (IOException e) {
                    // Out of descriptors, a connection reset in the backlog...: say so and try again
                    // a little later rather than spin on a listening socket that stays ready.
                    LOG.log(System.Logger.Level.WARNING, "LwtIo.serve on " + address + ": accept failed ("
                            + e + "); retrying in 0.1 s", e);
                    loop.sleep(0.1).map(v -> {
                        acceptSome();
                        return null;
                    });
                    return;
                }
                if (c == null) {
                    try {
                        loop.awaitReady(server, SelectionKey.OP_ACCEPT, this);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, "LwtIo.serve on " + address
                                + ": cannot wait for connections any more; the server stops", e);
                        close();
                    }
                    return;
                }
                accepted++;
                start(c);
            }
        }

        @Override
        protected void ready() {
            acceptSome();
        }

        @Override
        protected void failed(Throwable error) {
            // the listening socket was closed with LwtUnix.close: nothing more to accept
        }

        private void start(SocketChannel c) {
            InetSocketAddress peer;
            try {
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                peer = (InetSocketAddress) c.getRemoteAddress();
            } catch (IOException e) {                      // reset before we got to it
                LOG.log(System.Logger.Level.DEBUG, () -> "LwtIo.serve on " + address + ": a connection"
                        + " failed at once: " + e);
                try {
                    c.close();
                } catch (IOException ignored) {
                    // NOTE: the peer is gone already; nothing to tell anyone
                }
                return;
            }
            ConnectionImpl conn = new ConnectionImpl(loop, c, peer);
            connections.add(conn);
            Lwt<Void> f = LwtFiber.start("conn " + peer, () -> runConnection(conn));
            if (f.isPending()) {
                conn.fiber = f;
            }
        }

        private Void runConnection(ConnectionImpl conn) {
            boolean flush = true;
            try {
                handler.handle(conn);
            } catch (Lwt.Canceled e) {
                flush = false;
                if (!closed) {
                    failed++;
                    LOG.log(System.Logger.Level.DEBUG, () -> "LwtIo.serve: the handler of " + conn.remote
                            + " was cancelled: " + e);
                }
            } catch (IOException e) {
                flush = false;
                failed++;
                LOG.log(System.Logger.Level.DEBUG, () -> "LwtIo.serve: connection " + conn.remote
                        + " ended by " + e);
            } catch (Throwable t) {
                failed++;
                LOG.log(System.Logger.Level.WARNING, "LwtIo.serve on " + address + ": the handler of "
                        + conn.remote + " failed; that connection is closed, the server goes on", t);
            } finally {
                try {
                    if (flush && !closed && !conn.closed && conn.out.buffered() > 0) {
                        LwtFiber.await(conn.out.flush());
                    }
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "LwtIo.serve: the last flush to " + conn.remote
                            + " failed: " + t);
                } finally {
                    conn.close();
                    connections.remove(conn);
                }
            }
            return null;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            loop.untrack(this);
            loop.cancelReady(this);
            try {
                loop.closeNow(server);                     // releases the port now
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "LwtIo.Server.close: closing " + address + " failed", e);
            }
            for (ConnectionImpl c : new ArrayList<>(connections)) {
                Lwt<Void> f = c.fiber;
                if (f != null) {
                    f.cancel();
                }
                if (!c.closed) {                          // a fiber running now closes on its next await
                    c.close();
                }
            }
        }

        /** The loop stopped while we served: close the sockets, since no fiber will run again. */
        @Override
        public void abandon(IllegalStateException why) {
            closed = true;
            try {
                server.close();
            } catch (IOException ignored) {
                // NOTE: the loop is gone; the descriptor is released either way
            }
            for (ConnectionImpl c : connections) {
                c.closed = true;
                try {
                    c.ch.close();
                } catch (IOException ignored) {
                    // NOTE: as above
                }
            }
        }

        @Override
        public String toString() {
            return "LwtIo.Server[" + address + ", accepted " + accepted + ", active " + connections.size()
                    + ", failed " + failed + (closed ? ", closed" : "") + "]";
        }
    }

}
