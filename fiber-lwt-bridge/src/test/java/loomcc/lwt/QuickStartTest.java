package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's quick start ("fibers on an Lwt loop"), compiled and run: the pyramid of doom of
 * the CPS post three ways, a TCP echo server whose connections are fibers, and fibers mixed with
 * promise-style code. The code between each pair of {@code README:} markers is shown verbatim in
 * README.md, which {@link #theReadmeShowsThisVeryCode} checks.
 */
class QuickStartTest {

    // ============================================================ 1. the pyramid of doom, three ways

    // README:begin pyramid
    /** A callback-style key-value client: each answer comes on a later turn of the loop. */
    record Kv(Map<String, String> data) {
        void get(String key, Consumer<String> callback) {
            Lwt.async(() -> Lwt.pause().map(v -> {
                callback.accept(data.get(key));
                return v;
            }));
        }

        Lwt<String> get(String key) {                 // the same call, as a promise
            Resolver<String> r = Lwt.pending();
            get(key, r::resolve);
            return r.promise();
        }
    }

    static final Kv kv = new Kv(Map.of("foo", "bar", "bar", "baz", "baz", "qux"));

    /** kv.get in direct style (the ~ of the CPS post): suspends the calling fiber only. */
    static String get(String key) {
        return LwtFiber.awaitCallback(cb -> kv.get(key, cb::success));
    }

    static Lwt<List<String>> getGetGet() {
        Resolver<String> nested = Lwt.pending();      // 1. callbacks: the pyramid of doom
        kv.get("foo", a ->
                kv.get(a, b ->
                        kv.get(b, nested::resolve)));
        Lwt<String> chained =                         // 2. bind chains
                kv.get("foo").bind(kv::get).bind(kv::get);
        Lwt<String> direct =                          // 3. one line of direct-style fiber code
                LwtFiber.start(() -> get(get(get("foo"))));
        return Lwt.all(List.of(nested.promise(), chained, direct));   // [qux, qux, qux]
    }
    // README:end pyramid

    @Test
    void thePyramidOfDoomGivesTheSameAnswerThreeWays() {
        assertEquals(List.of("qux", "qux", "qux"), LwtMain.run(QuickStartTest::getGetGet));
    }

    @Test
    void theKvClientAnswersOnALaterTurnSoTheDirectStyleFiberReallySuspends() {
        List<String> seen = new ArrayList<>();
        String answer = LwtMain.run(() -> {
            kv.get("foo", seen::add);
            assertEquals(List.of(), seen, "the callback must not be called at once");
            Lwt<String> direct = LwtFiber.start(() -> get(get(get("foo"))));
            assertTrue(direct.isPending(), "the fiber waits for the first answer");
            return direct;
        });
        assertEquals("qux", answer);
        assertEquals(List.of("bar"), seen);
    }

    // ============================================================ 2. a TCP echo server of fibers

    // README:begin echo-server
    /** One connection, one fiber: a plain loop that echoes until the client closes its side. */
    static Void echo(SocketChannel conn) {
        ByteBuffer buf = ByteBuffer.allocate(16 << 10);
        while (LwtFiber.await(LwtUnix.read(conn, buf.clear())) >= 0) {
            buf.flip();
            while (buf.hasRemaining()) {              // a write may take only part of the buffer
                LwtFiber.await(LwtUnix.write(conn, buf));
            }
        }
        return LwtFiber.await(LwtUnix.close(conn));
    }

    /** Accepts for ever; a connection that fails goes to the loop's async-exception handler. */
    static Void serve(ServerSocketChannel server) {
        while (true) {
            SocketChannel conn = LwtFiber.await(LwtUnix.accept(server));
            Lwt.async(() -> LwtFiber.start(() -> echo(conn)));
        }
    }
    // README:end echo-server

    interface IoCall<T> {
        T call() throws IOException;
    }

    private static <T> T io(IoCall<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A client fiber: sends {@code data} and returns what came back. It writes from a fiber of its
     * own while it reads, since an echo of more than the socket buffers hold cannot be sent first
     * and read after.
     */
    static byte[] echoed(InetSocketAddress server, byte[] data) {
        SocketChannel c = io(SocketChannel::open);
        LwtFiber.await(LwtUnix.connect(c, server));
        Lwt<Void> sent = LwtFiber.start(() -> {
            ByteBuffer src = ByteBuffer.wrap(data);
            while (src.hasRemaining()) {
                LwtFiber.await(LwtUnix.write(c, src));
            }
            return io(() -> {
                c.shutdownOutput();
                return null;
            });
        });
        ByteBuffer got = ByteBuffer.allocate(data.length);
        while (got.hasRemaining() && LwtFiber.await(LwtUnix.read(c, got)) >= 0) {
            // reading
        }
        if (!got.hasRemaining()) {
            assertEquals(-1, LwtFiber.await(LwtUnix.read(c, ByteBuffer.allocate(1))),
                    "the server sent back more than it was sent");
        }
        LwtFiber.await(sent);
        LwtFiber.await(LwtUnix.close(c));
        return Arrays.copyOf(got.array(), got.position());
    }

    @Test
    void aHundredClientFibersEachEchoOneMegabyteThroughServerFibers() throws IOException {
        int clients = 100;
        byte[][] data = new byte[clients][1 << 20];
        for (int i = 0; i < clients; i++) {
            new Random(2011 + i).nextBytes(data[i]);  // a different stream per client: no cross-talk
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), clients);
            InetSocketAddress addr = (InetSocketAddress) server.getLocalAddress();
            assertEquals("127.0.0.1", addr.getAddress().getHostAddress());
            Lwt<?>[] serving = new Lwt<?>[1];
            List<byte[]> got = LwtMain.run(() -> {
                serving[0] = LwtFiber.start(() -> serve(server));
                List<Lwt<byte[]>> all = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    byte[] mine = data[i];
                    all.add(LwtFiber.start(() -> echoed(addr, mine)));
                }
                assertTrue(all.stream().allMatch(Lwt::isPending), "all clients run at once");
                return Lwt.all(all).whenDone(serving[0]::cancel);
            });
            assertEquals(clients, got.size());
            for (int i = 0; i < clients; i++) {
                assertArrayEquals(data[i], got.get(i), "client " + i + ": every byte comes back as sent");
            }
            assertInstanceOf(Lwt.Canceled.class, assertThrowsGetNow(serving[0]), "the server fiber was stopped");
        }
    }

    private static Throwable assertThrowsGetNow(Lwt<?> p) {
        assertTrue(p.isRejected(), "rejected: " + p);
        try {
            p.getNow();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("getNow did not throw");
    }

    // ============================================================ 3. mixing fibers and promises

    // README:begin mixing
    static Lwt<String> mixing() {
        // Promise-style code binds on a fiber, as on any other promise...
        Lwt<String> hello = LwtFiber.start(() -> {
            LwtFiber.pause();
            return "hello";
        }).map(s -> s + ",");
        // ...and a fiber awaits a bind chain that starts fibers of its own.
        return LwtFiber.start(() -> LwtFiber.await(hello.bind(h -> LwtFiber.start(() -> {
            LwtFiber.sleep(0);
            return h + " world";
        }))));
    }
    // README:end mixing

    @Test
    void mixingFibersAndBindChainsGivesTheResult() {
        assertEquals("hello, world", LwtMain.run(QuickStartTest::mixing));
    }

    @Test
    void mixingInterleavesAsTheCodeSays() {
        Order order = new Order();
        String r = LwtMain.run(() -> {
            order.expect(1);
            Lwt<String> fiber = LwtFiber.start(() -> {
                order.expect(2);                       // start runs the body at once
                LwtFiber.pause();
                order.expect(5);
                return "a";
            });
            Lwt<String> bound = fiber.bind(a -> {
                order.expect(6);                       // the bind runs when the fiber ends
                return LwtFiber.start(() -> {
                    order.expect(7);
                    LwtFiber.sleep(0);
                    order.expect(8);
                    return a + "b";
                });
            });
            order.expect(3);
            Lwt<String> outer = LwtFiber.start(() -> {
                order.expect(4);
                String ab = LwtFiber.await(bound);     // awaits the chain, which starts a fiber
                order.expect(9);
                return ab + "c";
            });
            return outer.map(s -> {
                order.expect(10);
                return s;
            });
        });
        order.finish(11);
        assertEquals("abc", r);
    }

    // ============================================================ the README shows this code

    @ParameterizedTest
    @ValueSource(strings = {"pyramid", "echo-server", "mixing"})
    void theReadmeShowsThisVeryCode(String region) throws IOException {
        Path module = Path.of("").toAbsolutePath();
        String readme = Files.readString(module.getParent().resolve("README.md"));
        String source = Files.readString(module.resolve("src/test/java/loomcc/lwt/QuickStartTest.java"));
        String example = between(source, "// README:begin " + region + "\n", "    // README:end " + region + "\n");
        assertTrue(normalize(readme).contains(normalize(example)),
                "README.md must show the region '" + region + "' of QuickStartTest verbatim:\n" + example);
    }

    private static String between(String text, String begin, String end) {
        int from = text.indexOf(begin);
        int to = text.indexOf(end, from);
        assertTrue(from >= 0 && to > from, "markers not found: " + begin.strip());
        return text.substring(from + begin.length(), to);
    }

    /** Drops the common indentation of the block, blank lines and trailing spaces. */
    private static String normalize(String block) {
        return block.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }
}
