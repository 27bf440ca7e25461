package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;

/**
 * The README's "Debugging a loop" section, as a test: a small echo server on LwtUnix with a
 * fiber per connection named after the peer; its dump while two clients are connected, and the
 * watchdog's warning about a handler that blocks the loop. The printed texts are the README's.
 */
class DebuggingExampleTest {

    /** The echo server: accept in a loop, one named fiber per connection. */
    static void serve(ServerSocketChannel server) {
        while (true) {
            SocketChannel c = LwtFiber.await(LwtUnix.accept(server));
            LwtFiber.start("echo " + peer(c), () -> echo(c));
        }
    }

    static Void echo(SocketChannel c) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try (c) {
            while (LwtFiber.await(LwtUnix.read(c, buf.clear())) > 0) {
                if (buf.flip().get(0) == '!') {
                    blockTheLoop();             // the bug the watchdog finds
                }
                while (buf.hasRemaining()) {
                    LwtFiber.await(LwtUnix.write(c, buf));
                }
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        return null;
    }

    static final CountDownLatch WARNED = new CountDownLatch(1);

    /** A handler that calls something blocking on the loop (here: until the watchdog has told us). */
    static void blockTheLoop() {
        StallWatchdogTest.awaitUninterruptibly(WARNED);
    }

    static String peer(SocketChannel c) {
        try {
            return String.valueOf(c.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    @Test
    void theDumpOfAnEchoServerWithTwoClientsAndTheWarningAboutABlockingHandler() throws Exception {
        String old = System.setProperty("loomcc.stallMillis", "500");
        try (LogCapture log = new LogCapture(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            CountDownLatch connected = new CountDownLatch(2);
            CountDownLatch dumped = new CountDownLatch(1);
            String[] dump = new String[1];
            Thread clients = Thread.ofPlatform().name("clients").start(() -> {
                try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
                    assertEquals("hi", roundTrip(a, "hi"));
                    assertEquals("yo", roundTrip(b, "yo"));
                    connected.countDown();
                    connected.countDown();
                    dumped.await();
                    b.getOutputStream().write('!'); // makes b's handler block the loop
                    b.getOutputStream().flush();
                    b.getInputStream().read();
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            LwtMain.run(() -> {
                Lwt<Void> acceptor = LwtFiber.start("acceptor", () -> {
                    serve(server);
                    return null;
                });
                Lwt<Void> done = LwtFiber.start("watcher", () -> {
                    LwtFiber.await(LwtPreemptive.detach(() -> {
                        connected.await();
                        return null;
                    }));
                    dump[0] = LwtFiber.dump();
                    dumped.countDown();
                    LwtFiber.await(LwtPreemptive.detach(() -> {
                        log.await(Level.WARNING, m -> m.contains("stall"));
                        WARNED.countDown();
                        clients.join();
                        return null;
                    }));
                    acceptor.cancel();
                    return null;
                });
                return done;
            });
            System.out.println("----- dump -----\n" + dump[0]);
            String warning = log.await(Level.WARNING, m -> m.contains("stall"));
            System.out.println("----- stall -----\n" + warning);
            System.out.println("----- end -----\n" + log.await(Level.INFO, m -> m.contains("moved again")));
            assertTrue(dump[0].contains("\"acceptor\" suspended for"), dump[0]);
            assertTrue(dump[0].contains("waits for LwtUnix.accept on sun.nio.ch.ServerSocketChannelImpl"), dump[0]);
            assertTrue(dump[0].matches("(?s).*\"echo /127\\.0\\.0\\.1:\\d+\" suspended for [^\n]*, waits for LwtUnix\\.read on"
                    + " java\\.nio\\.channels\\.SocketChannel\\[connected local=/127\\.0\\.0\\.1:" + port + ".*"), dump[0]);
            assertTrue(dump[0].contains("at loomcc.lwt.DebuggingExampleTest.echo(DebuggingExampleTest.java:"), dump[0]);
            assertTrue(warning.contains("in fiber 'echo /127.0.0.1:"), warning);
            assertTrue(warning.contains("loomcc.lwt.DebuggingExampleTest.blockTheLoop("), warning);
        } finally {
            DeadlockReportTest.restore("loomcc.stallMillis", old);
        }
    }

    /** The same with LwtIo.serve: its connection fibers are named after the peer. */
    @Test
    void theDumpOfAnLwtIoEchoServerWithTwoClients() throws Exception {
        CountDownLatch connected = new CountDownLatch(2);
        CountDownLatch dumped = new CountDownLatch(1);
        String[] dump = new String[1];
        InetSocketAddress[] bound = new InetSocketAddress[1];
        CountDownLatch listening = new CountDownLatch(1);
        Thread clients = Thread.ofPlatform().name("clients").start(() -> {
            try {
                listening.await();
                try (Socket a = new Socket("127.0.0.1", bound[0].getPort());
                        Socket b = new Socket("127.0.0.1", bound[0].getPort())) {
                    assertEquals("hi\n", roundTrip(a, "hi\n"));
                    assertEquals("yo\n", roundTrip(b, "yo\n"));
                    connected.countDown();
                    connected.countDown();
                    dumped.await();
                }
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        LwtMain.run(() -> {
            LwtIo.Server server = LwtIo.serve(new InetSocketAddress("127.0.0.1", 0), c -> {
                String line;
                while ((line = LwtFiber.await(c.in().readLine())) != null) {
                    LwtFiber.await(c.out().writeUtf8(line + "\n"));
                    LwtFiber.await(c.out().flush());
                }
            });
            bound[0] = server.address();
            listening.countDown();
            return LwtFiber.start("watcher", () -> {
                LwtFiber.await(LwtPreemptive.detach(() -> {
                    connected.await();
                    return null;
                }));
                dump[0] = LwtFiber.dump();
                dumped.countDown();
                LwtFiber.await(LwtPreemptive.detach(() -> {
                    clients.join();
                    return null;
                }));
                server.close();
                return null;
            });
        });
        System.out.println("----- LwtIo dump -----\n" + dump[0]);
        assertTrue(dump[0].matches("(?s).*\"conn /127\\.0\\.0\\.1:\\d+\" suspended for [^\n]*, waits for LwtIo\\.Input read on"
                + " java\\.nio\\.channels\\.SocketChannel\\[connected local=/127\\.0\\.0\\.1:" + bound[0].getPort() + ".*"), dump[0]);
        assertTrue(dump[0].contains("at loomcc.lwt.DebuggingExampleTest.lambda$theDumpOfAnLwtIoEchoServerWithTwoClients$"), dump[0]);
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes());
        out.flush();
        InputStream in = s.getInputStream();
        byte[] b = in.readNBytes(text.length());
        return new String(b);
    }
}
