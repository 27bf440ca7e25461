package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

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
    /** A line echo server: each connection is a fiber running a plain loop. */
    static LwtIo.Server echoServer(InetSocketAddress address) {
        return LwtIo.serve(address, c -> {
            String line;
            while ((line = LwtFiber.await(c.in().readLine())) != null) {  // null: the client is done
                LwtFiber.await(c.out().writeUtf8(line + "\n"));
                if (c.in().buffered() == 0) {         // one flush per batch of pipelined lines
                    LwtFiber.await(c.out().flush());
                }
            }
        });
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

    /** A well-behaved client fiber: sends {@code lines} lines at once, then reads the answers. */
    static List<String> echoed(InetSocketAddress server, int client, int lines) {
        try (LwtIo.Connection c = LwtFiber.await(LwtIo.connect(server))) {
            for (int j = 0; j < lines; j++) {
                LwtFiber.await(c.out().writeUtf8("client " + client + " line " + j + (j % 2 == 0 ? "\n" : "\r\n")));
            }
            LwtFiber.await(c.out().flush());
            List<String> got = new ArrayList<>();
            for (int j = 0; j < lines; j++) {
                got.add(LwtFiber.await(c.in().readLine()));
            }
            return got;
        }
    }

    /** A blocking java.nio client on a thread of its own: {@code misbehave} does its worst. */
    static Thread badClient(InetSocketAddress server, IoCall<Void> misbehave) {
        Thread t = new Thread(() -> io(misbehave), "bad-client");
        t.start();
        return t;
    }

    @Test
    void aHundredClientFibersAreEchoedWhileOthersResetGoSilentAndSendEndlessLines() throws Exception {
        int clients = 100;
        int lines = 500;
        LwtIo.Server[] server = new LwtIo.Server[1];
        SocketChannel[] silent = new SocketChannel[1];
        List<List<String>> got = LwtMain.run(() -> LwtFiber.start(() -> {
            server[0] = echoServer(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress addr = server[0].address();
            silent[0] = io(() -> SocketChannel.open(addr));           // connects, never says a word
            Thread reset = badClient(addr, () -> {                      // half a line, then a reset
                try (SocketChannel c = SocketChannel.open(addr)) {
                    c.write(ByteBuffer.wrap("half a li".getBytes(StandardCharsets.UTF_8)));
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
                return null;
            });
            Thread endless = badClient(addr, () -> {                    // 10 MB with no newline
                try (SocketChannel c = SocketChannel.open(addr)) {
                    ByteBuffer x = ByteBuffer.wrap(new byte[1 << 20]);
                    for (int i = 0; i < 10; i++) {
                        c.write(x.clear());
                    }
                } catch (IOException hungUpOn) {
                    // the server ended this connection: that is what should happen
                }
                return null;
            });
            List<Lwt<List<String>>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int me = i;
                all.add(LwtFiber.start(() -> echoed(addr, me, lines)));
            }
            List<List<String>> answers = LwtFiber.await(Lwt.all(all));
            for (Thread t : List.of(reset, endless)) {
                LwtFiber.await(LwtPreemptive.detach(() -> {
                    t.join();
                    return null;
                }));
            }
            while (server[0].failed() < 2 || server[0].active() > 1) {   // let the bad two end
                LwtFiber.sleep(0.01);
            }
            assertEquals(1, server[0].active(), "the silent client is still connected, costing nothing");
            server[0].close();                                          // ends the silent one too
            return answers;
        }));
        for (int i = 0; i < clients; i++) {
            assertEquals(lines, got.get(i).size());
            for (int j = 0; j < lines; j++) {
                assertEquals("client " + i + " line " + j, got.get(i).get(j));
            }
        }
        assertEquals(clients + 3, server[0].accepted());
        assertEquals(2, server[0].failed(), "the reset and the endless line ended their own connections");
        assertEquals(0, server[0].active());
        assertEquals(-1, silent[0].read(ByteBuffer.allocate(1)), "closing the server closed the silent connection");
        silent[0].close();
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
        ReadmeRegions.assertShown(QuickStartTest.class, region);
    }
}
