package loomcc.bench.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * One spec, three styles: Jedis (a Redis client from Maven Central) talks to the server over
 * 127.0.0.1: every command, a pipeline of 10 000, a 1 MB value, 200 clients at once; raw sockets
 * send the bad inputs (a 1 GiB bulk length, an endless inline command, broken framing) and check
 * the error and the close.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RespServerSpec {
    private RespServers.Running server;
    private Jedis jedis;

    abstract RespServers.Style style();

    @BeforeAll
    void startServer() throws IOException {
        server = RespServers.start(style(), new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    void stopServer() {
        if (jedis != null) {
            jedis.close();
        }
        server.close();
    }

    @BeforeEach
    void client() {
        if (jedis == null) {
            jedis = new Jedis(server.address().getHostString(), server.address().getPort(), 10_000);
        }
        jedis.flushDB();
    }

    @Test
    void pingAndEcho() {
        assertEquals("PONG", jedis.ping());
        assertEquals("hello", jedis.ping("hello"));
        assertEquals("a b\r\nc", jedis.echo("a b\r\nc"));
    }

    @Test
    void setGetAreBinarySafe() {
        byte[] key = {0, '\r', '\n', (byte) 0xFF, ' '};
        byte[] value = new byte[256];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) i;
        }
        assertEquals("OK", jedis.set(key, value));
        assertArrayEquals(value, jedis.get(key));
        assertEquals("OK", jedis.set(key, new byte[0]));
        assertArrayEquals(new byte[0], jedis.get(key));
        assertNull(jedis.get("missing"));
    }

    @Test
    void incrCountsAndRejectsNonIntegers() {
        assertEquals(1, jedis.incr("n"));
        assertEquals(2, jedis.incr("n"));
        jedis.set("n", "41");
        assertEquals(42, jedis.incr("n"));
        assertEquals("42", jedis.get("n"));
        jedis.set("s", "12 ");
        JedisDataException e = assertThrows(JedisDataException.class, () -> jedis.incr("s"));
        assertTrue(e.getMessage().contains("not an integer"), e.getMessage());
        jedis.set("max", Long.toString(Long.MAX_VALUE));
        e = assertThrows(JedisDataException.class, () -> jedis.incr("max"));
        assertTrue(e.getMessage().contains("overflow"), e.getMessage());
    }

    @Test
    void delAndExistsCountKeys() {
        jedis.mset("a", "1", "b", "2", "c", "3");
        assertEquals(2, jedis.exists("a", "b", "zz"));
        assertEquals(2, jedis.del("a", "c", "zz"));
        assertEquals(0, jedis.exists("a", "c"));
        assertTrue(jedis.exists("b"));
        assertEquals(1, jedis.dbSize());
    }

    @Test
    void msetAndMget() {
        assertEquals("OK", jedis.mset("k1", "v1", "k2", "v2"));
        assertEquals(Arrays.asList("v1", null, "v2"), jedis.mget("k1", "nope", "k2"));
        JedisDataException e = assertThrows(JedisDataException.class,
                () -> jedis.sendCommand(() -> "MSET".getBytes(StandardCharsets.US_ASCII), "k1", "v1", "k2"));
        assertTrue(e.getMessage().contains("wrong number of arguments"), e.getMessage());
    }

    @Test
    void configGetAnswersWhatRedisBenchmarkAsks() {
        assertEquals(Map.of("save", ""), jedis.configGet("save"));
        assertEquals(Map.of("appendonly", "no"), jedis.configGet("appendonly"));
        assertEquals(Map.of(), jedis.configGet("nosuchparameter"));
        assertTrue(jedis.configGet("*").containsKey("save"));
    }

    @Test
    void unknownCommandsAndWrongArityAreErrorsAndTheConnectionGoesOn() {
        JedisDataException e = assertThrows(JedisDataException.class,
                () -> jedis.sendCommand(() -> "NOSUCH".getBytes(StandardCharsets.US_ASCII), "x"));
        assertTrue(e.getMessage().startsWith("ERR unknown command 'NOSUCH'"), e.getMessage());
        e = assertThrows(JedisDataException.class,
                () -> jedis.sendCommand(() -> "GET".getBytes(StandardCharsets.US_ASCII), "a", "b"));
        assertTrue(e.getMessage().contains("wrong number of arguments for 'get'"), e.getMessage());
        assertEquals("PONG", jedis.ping());
    }

    @Test
    void aPipelineOf10000GetsEveryReplyInOrder() {
        int n = 10_000;
        Pipeline p = jedis.pipelined();
        List<Response<String>> sets = new ArrayList<>();
        List<Response<Long>> incrs = new ArrayList<>();
        List<Response<String>> gets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            switch (i % 3) {
                case 0 -> sets.add(p.set("key:" + i, "value:" + i));
                case 1 -> incrs.add(p.incr("counter"));
                default -> gets.add(p.get("key:" + (i - 2)));
            }
        }
        p.sync();
        sets.forEach(r -> assertEquals("OK", r.get()));
        for (int i = 0; i < incrs.size(); i++) {
            assertEquals(i + 1, incrs.get(i).get());
        }
        for (int i = 0; i < gets.size(); i++) {
            assertEquals("value:" + (3 * i), gets.get(i).get());
        }
    }

    @Test
    void aOneMegabyteValueRoundTrips() {
        byte[] big = new byte[1 << 20];
        new java.util.Random(11).nextBytes(big);
        assertEquals("OK", jedis.set("big".getBytes(StandardCharsets.US_ASCII), big));
        assertArrayEquals(big, jedis.get("big".getBytes(StandardCharsets.US_ASCII)));
        List<byte[]> two = jedis.mget("big".getBytes(StandardCharsets.US_ASCII), "big".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(big, two.get(0));
        assertArrayEquals(big, two.get(1));
    }

    @Test
    void twoHundredClientsAtOnce() throws Exception {
        int clients = 200;
        int each = 25;
        CountDownLatch connected = new CountDownLatch(clients);
        List<Future<Void>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                int id = c;
                done.add(pool.submit(() -> {
                    try (Jedis j = new Jedis(server.address().getHostString(), server.address().getPort(), 30_000)) {
                        j.ping();                          // connected: all 200 are open at once below
                        connected.countDown();
                        connected.await();
                        for (int i = 0; i < each; i++) {
                            j.incr("shared");
                            j.set("own:" + id, Integer.toString(i));
                        }
                        assertEquals(Integer.toString(each - 1), j.get("own:" + id));
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        }
        assertEquals(Integer.toString(clients * each), jedis.get("shared"));
        assertEquals(clients + 1, jedis.dbSize());
    }

    // ------------------------------------------------------------------ raw sockets

    @Test
    void inlineCommandsArePipelinedToo() throws IOException {
        try (Socket s = connect()) {
            send(s, "PING\r\nSET k  v\nGET k\r\nECHO x\n\r\n");
            assertEquals("+PONG\r\n+OK\r\n$1\r\nv\r\n$1\r\nx\r\n", readReplies(s, 4));
        }
    }

    @Test
    void inlineWordsMayBeQuotedAsRedisServerReadsThem() throws IOException {
        try (Socket s = connect()) {
            // double quotes: blanks kept, escapes undone (\t, \x41, \"); single quotes: only \'
            send(s, "SET \"k 1\" \"a\\tb\\x41\\\"c\"\r\nGET \"k 1\"\r\n"
                    + "SET k2 'it\\'s \\n'\r\nGET k2\r\nECHO a\"b c\"\r\nECHO \"\"\r\n");
            assertEquals("+OK\r\n$6\r\na\tbA\"c\r\n+OK\r\n$7\r\nit's \\n\r\n$4\r\nab c\r\n$0\r\n\r\n",
                    readReplies(s, 6));
        }
    }

    @Test
    void anUnbalancedQuoteInAnInlineCommandIsAnErrorAndCloses() throws IOException {
        assertErrorAndClose("SET k \"abc\r\n", "-ERR Protocol error: unbalanced quotes in request");
        assertErrorAndClose("GET 'abc\r\n", "-ERR Protocol error: unbalanced quotes in request");
        assertErrorAndClose("GET \"a\"b\r\n", "-ERR Protocol error: unbalanced quotes in request");
    }

    @Test
    void aCommandSentByteByByteIsParsedOnce() throws IOException, InterruptedException {
        try (Socket s = connect()) {
            byte[] cmd = "*3\r\n$3\r\nSET\r\n$2\r\nkb\r\n$5\r\nab\r\nc\r\n*2\r\n$3\r\nGET\r\n$2\r\nkb\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            for (byte b : cmd) {
                out.write(b);
                out.flush();
            }
            assertEquals("+OK\r\n$5\r\nab\r\nc\r\n", readReplies(s, 2));
        }
    }

    @Test
    void aOneGigabyteBulkLengthIsAnErrorAndCloses() throws IOException {
        assertErrorAndClose("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n", "-ERR Protocol error: invalid bulk length");
    }

    @Test
    void anEndlessInlineCommandIsAnErrorAndCloses() throws IOException {
        assertErrorAndClose("GET " + "a".repeat(70 * 1024), "-ERR Protocol error: too big inline request");
    }

    @Test
    void brokenFramingIsAnErrorAndCloses() throws IOException {
        assertErrorAndClose("*2\r\n$3\r\nGET\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'");
        assertErrorAndClose("*x\r\n", "-ERR Protocol error: invalid multibulk length");
        assertErrorAndClose("*99999999999\r\n", "-ERR Protocol error: invalid multibulk length");
        assertErrorAndClose("*1\r\n$3\r\nGETXX\r\n", "-ERR Protocol error: expected CRLF after a bulk string");
    }

    @Test
    void quitAnswersOkAndCloses() throws IOException {
        try (Socket s = connect()) {
            send(s, "QUIT\r\nPING\r\n");
            assertEquals("+OK\r\n", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    private void assertErrorAndClose(String input, String error) throws IOException {
        try (Socket s = connect()) {
            send(s, input);
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // EOF: closed
            assertEquals(error + "\r\n", all);
        }
        assertEquals("PONG", jedis.ping());                          // the server goes on
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(server.address().getAddress(), server.address().getPort());
        s.setSoTimeout(30_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads until {@code n} simple replies (lines starting with +-: or bulk strings) are in. */
    private static String readReplies(Socket s, int n) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int replies = 0;
        while (replies < n) {
            String line = readLine(in);
            got.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
            if (line.startsWith("$") && !line.startsWith("$-1")) {
                int len = Integer.parseInt(line.substring(1, line.length() - 2));
                got.writeBytes(in.readNBytes(len + 2));
            }
            replies++;
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (c == '\n') {
                break;
            }
        }
        return b.toString();
    }
}
