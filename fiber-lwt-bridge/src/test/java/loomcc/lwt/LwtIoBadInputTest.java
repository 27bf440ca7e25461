package loomcc.lwt;

import static loomcc.lwt.IoClients.close;
import static loomcc.lwt.IoClients.open;
import static loomcc.lwt.IoClients.readLine;
import static loomcc.lwt.IoClients.readToEnd;
import static loomcc.lwt.IoClients.send;
import static loomcc.lwt.IoClients.withServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Misbehaving peers on real loopback sockets: each costs bounded memory and ends its own
 * connection only, while a well-behaved client on the same server goes on being served.
 */
class LwtIoBadInputTest {

    /** Echoes lines until the end of input, then says bye. */
    static final LwtIo.Handler ECHO = c -> {
        String line;
        while ((line = LwtFiber.await(c.in().readLine())) != null) {
            LwtFiber.await(c.out().writeUtf8(line + "\n"));
            LwtFiber.await(c.out().flush());
        }
        LwtFiber.await(c.out().writeUtf8("bye\n"));
    };

    /** A well-behaved client's round trip, done while a bad one misbehaves. */
    private static void goodClientIsServed(InetSocketAddress a) {
        SocketChannel c = open(a);
        send(c, "hello\n");
        assertEquals("hello", readLine(c));
        send(c, "again\r\n");
        assertEquals("again", readLine(c));
        close(c);
    }

    @Test
    void aPeerThatResetsEndsItsOwnConnectionOnly() {
        var run = withServer(ECHO, a -> {
            SocketChannel good = open(a);
            send(good, "before\n");
            assertEquals("before", readLine(good));
            SocketChannel bad = open(a);
            send(bad, "half a li");
            try {
                bad.setOption(StandardSocketOptions.SO_LINGER, 0);   // close sends RST
                bad.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            goodClientIsServed(a);
            send(good, "after\n");
            assertEquals("after", readLine(good));
            close(good);
            return null;
        });
        assertEquals(3, run.accepted());
        assertEquals(1, run.failed());
        assertEquals(1, run.handlerErrors().size());
        assertInstanceOf(IOException.class, run.handlerErrors().get(0));
        assertEquals(0, run.activeAfterClient());
    }

    @Test
    void aSilentPeerCostsNothingAndIsCancelledWhenTheServerCloses() {
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<String> silentSaw = new CompletableFuture<>();
        int[] activeWithSilent = {-1};
        LwtMain.run(() -> LwtFiber.start(() -> {
            LwtIo.Server s = LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, c -> {
                try {
                    ECHO.handle(c);
                } finally {
                    events.add("finally");
                }
            });
            SocketChannel silent = open(s.address());
            CompletableFuture<Void> good = CompletableFuture.runAsync(() -> goodClientIsServed(s.address()));
            LwtFiber.await(good);
            while (s.active() != 1) {
                LwtFiber.sleep(0.005);
            }
            activeWithSilent[0] = s.active();
            Thread reader = new Thread(() -> silentSaw.complete(readToEnd(silent)));
            reader.start();
            s.close();                                     // cancels the silent one's fiber
            events.add("closed, active " + s.active());
            LwtFiber.await(silentSaw);
            close(silent);
            return null;
        }));
        assertEquals(1, activeWithSilent[0]);
        assertEquals(List.of("finally", "finally", "closed, active 0"), events);
        assertEquals("", silentSaw.join());               // closed without a word
    }

    @Test
    void anEndlessLineCostsAtMostTheLineBoundAndEndsThatConnection() {
        List<Integer> capacities = new CopyOnWriteArrayList<>();
        var run = withServer(c -> {
            try {
                ECHO.handle(c);
            } finally {
                capacities.add(c.in().capacity());
            }
        }, a -> {
            SocketChannel bad = open(a);
            long sent = 0;
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            try {                                          // 10 MB with no newline
                while (sent < 10L << 20) {
                    sent += bad.write(ByteBuffer.wrap(chunk));
                }
            } catch (IOException expected) {
                // the server closed the connection under our feet: that is the point
            }
            goodClientIsServed(a);
            readToEnd(bad);
            close(bad);
            return sent;
        });
        assertEquals(2, run.accepted());
        assertEquals(1, run.failed());
        assertInstanceOf(LwtIo.LineTooLongException.class, run.handlerErrors().get(0));
        assertTrue(run.client() < 10L << 20, "the server should have hung up early, the client sent " + run.client());
        for (int cap : capacities) {
            assertTrue(cap <= 64 * 1024 + 2, "input buffer grew to " + cap);
        }
    }

    @Test
    void aHalfClosedPeerGetsItsAnswersAndTheEnd() {
        var run = withServer(ECHO, a -> {
            SocketChannel c = open(a);
            send(c, "a\nb\n");
            try {
                c.shutdownOutput();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String all = readToEnd(c);
            close(c);
            return all;
        });
        assertEquals("a\nb\nbye\n", run.client());
        assertEquals(0, run.failed());
    }

    @Test
    void aHandlerThatThrowsIsLoggedOnceAtWarningAndTheServerGoesOn() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Logger jul = Logger.getLogger(LwtIo.class.getName());
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        Level old = jul.getLevel();
        jul.setLevel(Level.ALL);
        try {
            var run = withServer(c -> {
                String line = LwtFiber.await(c.in().readLine());
                if (line.equals("checked")) {
                    throw new Exception("a checked failure");
                }
                if (line.equals("io")) {
                    throw new IOException("an I/O failure");
                }
                LwtFiber.await(c.out().writeUtf8(line + "\n"));
                LwtFiber.await(c.out().flush());
                ECHO.handle(c);
            }, a -> {
                for (String first : List.of("checked", "io")) {
                    SocketChannel c = open(a);
                    send(c, first + "\n");
                    assertEquals("", readToEnd(c));       // closed at once
                    close(c);
                }
                goodClientIsServed(a);
                return null;
            });
            assertEquals(2, run.failed());
            List<LogRecord> warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
            assertEquals(1, warnings.size(), records.toString());
            assertEquals("a checked failure", warnings.get(0).getThrown().getMessage());
            assertTrue(records.stream().anyMatch(r -> r.getLevel() == Level.FINE
                    && r.getMessage().contains("an I/O failure")), "the IOException is logged at DEBUG");
        } finally {
            jul.removeHandler(h);
            jul.setLevel(old);
        }
    }

    @Test
    void closingTheServerReleasesThePortBeforeItReturns() throws IOException {
        InetSocketAddress a = LwtMain.run(() -> LwtFiber.start(() -> {
            LwtIo.Server s = LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, ECHO);
            InetSocketAddress bound = s.address();
            s.close();
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.bind(bound);                         // still in the loop, before any poll
            } catch (IOException e) {
                throw new UncheckedIOException("the port was still taken", e);
            }
            return bound;
        }));
        assertTrue(a.getPort() > 0);
    }

    @Test
    void aLoopThatEndsWithTheServerOpenReleasesItsSockets() throws IOException {
        long before = openDescriptors();
        InetSocketAddress a = LwtMain.run(() -> {
            LwtIo.Server s = LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, ECHO);
            return Lwt.resolved(s.address());
        });
        try (ServerSocketChannel again = ServerSocketChannel.open()) {
            again.bind(a);
        }
        assertEquals(before, openDescriptors());
    }

    @Test
    void twoThousandShortConnectionsLeaveThreadsDescriptorsAndHeapFlat() {
        int n = 2000;
        long[] fds = new long[2];
        int[] threads = new int[2];
        long[] heap = new long[2];
        long[] accepted = {0};
        LwtMain.run(() -> LwtFiber.start(() -> {
            LwtIo.Server s = LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, c -> {
                String line = LwtFiber.await(c.in().readLine());
                LwtFiber.await(c.out().writeUtf8(line + " pong\n"));
            });
            for (int phase = 0; phase < 2; phase++) {
                int count = phase == 0 ? 200 : n;          // phase 0 warms up; then measure
                long target = s.accepted() + count;
                CompletableFuture<Void> done = new CompletableFuture<>();
                Thread client = new Thread(() -> {
                    try {
                        for (int i = 0; i < count; i++) {
                            SocketChannel c = open(s.address());
                            send(c, "ping " + i + "\n");
                            assertEquals("ping " + i + " pong\n", readToEnd(c));
                            close(c);
                        }
                        done.complete(null);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
                client.start();
                LwtFiber.await(done);
                try {
                    client.join();                         // it has finished: a short block of the loop
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                while (s.active() > 0 || s.accepted() < target) {
                    LwtFiber.sleep(0.01);
                }
                LwtFiber.sleep(0.05);                      // a poll or two: the selector lets go of closed keys
                fds[phase] = openDescriptors();
                threads[phase] = ManagementFactory.getThreadMXBean().getThreadCount();
                heap[phase] = usedHeapAfterGc();
            }
            accepted[0] = s.accepted();
            s.close();
            return null;
        }));
        assertEquals(200 + n, accepted[0]);
        assertEquals(fds[0], fds[1], "descriptors before/after " + n + " connections");
        assertEquals(threads[0], threads[1], "threads before/after");
        assertTrue(heap[1] - heap[0] < 2 << 20, "heap grew by " + (heap[1] - heap[0]) + " bytes over " + n
                + " connections (a leaked connection holds two 64 KiB buffers)");
    }

    @Test
    void misuseGetsClearExceptions() {
        LwtMain.run(() -> LwtFiber.start(() -> {
            assertThrows(NullPointerException.class, () -> LwtIo.input(null));
            assertThrows(NullPointerException.class, () -> LwtIo.output(null));
            assertThrows(NullPointerException.class, () -> LwtIo.serve(null, c -> { }));
            assertThrows(NullPointerException.class, () -> LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, null));
            assertThrows(NullPointerException.class, () -> LwtIo.connect(null));
            try (LwtIo.Server s = LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, c -> LwtFiber.sleep(10));
                 LwtIo.Connection c = LwtFiber.await(LwtIo.connect(s.address()))) {
                assertThrows(NullPointerException.class, () -> c.in().read(null));
                var neg = assertThrows(IllegalArgumentException.class, () -> c.in().readExactly(-1));
                assertTrue(neg.getMessage().contains("-1"), neg.getMessage());
                assertThrows(IllegalArgumentException.class, () -> c.in().maxLineLength(0));
                assertThrows(NullPointerException.class, () -> c.out().write((ByteBuffer) null));
                assertThrows(NullPointerException.class, () -> c.out().write((byte[]) null));
                assertThrows(NullPointerException.class, () -> c.out().writeUtf8(null));
                // the streams outside a fiber: from a plain callback of the loop
                Resolver<Throwable[]> r = Lwt.pending();
                Lwt.async(() -> Lwt.pause().map(v -> {
                    Throwable[] t = new Throwable[2];
                    t[0] = assertThrows(IllegalStateException.class, () -> c.in().stream());
                    t[1] = assertThrows(IllegalStateException.class, () -> c.out().stream());
                    r.resolve(t);
                    return null;
                }));
                for (Throwable t : LwtFiber.await(r.promise())) {
                    assertTrue(t.getMessage().contains("LwtFiber.start"), t.getMessage());
                }
            }
            return null;
        }));
        try (SocketChannel ch = SocketChannel.open()) {
            var e = assertThrows(IllegalStateException.class, () -> LwtIo.input(ch));
            assertTrue(e.getMessage().contains("LwtMain.run"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, c -> { }));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long openDescriptors() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long usedHeapAfterGc() {
        var mem = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {                      // a few rounds: the smallest is the live set
            System.gc();
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

}
