package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Random;
import loomcc.internal.lwt.EventLoop;
import org.junit.jupiter.api.Test;

/** LwtUnix I/O on loopback. Everything listens on 127.0.0.1 with an ephemeral port, nowhere else. */
class IoTest {

    private static ServerSocketChannel listenOnLoopback() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        assertEquals("127.0.0.1", ((InetSocketAddress) server.getLocalAddress()).getAddress().getHostAddress());
        return server;
    }

    /** A connected pair made with blocking calls before any loop runs: [client, server side]. */
    private static SocketChannel[] pair(ServerSocketChannel server) throws IOException {
        SocketChannel client = SocketChannel.open(server.getLocalAddress());
        SocketChannel accepted = server.accept();
        return new SocketChannel[] {client, accepted};
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Lwt<Void> writeAll(SocketChannel c, ByteBuffer buf) {
        if (!buf.hasRemaining()) {
            return Lwt.resolved(null);
        }
        return LwtUnix.write(c, buf).bind(n -> writeAll(c, buf));
    }

    private static Lwt<Void> echo(SocketChannel c, ByteBuffer buf) {
        buf.clear();
        return LwtUnix.read(c, buf).bind(n -> {
            if (n < 0) {
                return Lwt.resolved(null);
            }
            buf.flip();
            return writeAll(c, buf).bind(v -> echo(c, buf));
        });
    }

    /** Reads until end of stream into {@code into}; returns the byte count (more than fits fails). */
    private static Lwt<Integer> readAll(SocketChannel c, ByteBuffer into) {
        ByteBuffer target = into.hasRemaining() ? into : ByteBuffer.allocate(1);   // must see EOF, not more
        return LwtUnix.read(c, target).bind(n -> {
            if (n < 0) {
                return Lwt.resolved(into.position());
            }
            if (target != into) {
                return Lwt.failed(new AssertionError("received more bytes than were sent"));
            }
            return readAll(c, into);
        });
    }

    @Test
    void loopbackEchoOfTenMegabytesOnOneLoop() throws IOException {
        byte[] data = new byte[10 << 20];
        new Random(2011).nextBytes(data);
        ByteBuffer got = ByteBuffer.allocate(data.length);
        try (ServerSocketChannel server = listenOnLoopback()) {
            InetSocketAddress addr = (InetSocketAddress) server.getLocalAddress();
            int received = LwtMain.run(() -> {
                Lwt<Void> serverSide = LwtUnix.accept(server).bind(conn ->
                        echo(conn, ByteBuffer.allocate(64 << 10)).whenDone(() -> closeQuietly(conn)));
                SocketChannel client;
                try {
                    client = SocketChannel.open();
                } catch (IOException e) {
                    return Lwt.failed(e);
                }
                Lwt<Integer> clientSide = LwtUnix.connect(client, addr).bind(v -> {
                    Lwt<Void> sent = writeAll(client, ByteBuffer.wrap(data)).bind(x -> {
                        try {
                            client.shutdownOutput();
                            return Lwt.<Void>resolved(null);
                        } catch (IOException e) {
                            return Lwt.<Void>failed(e);
                        }
                    });
                    Lwt<Integer> read = readAll(client, got);
                    return Lwt.both(sent, read).bind(x -> read);
                }).whenDone(() -> closeQuietly(client));
                return Lwt.both(serverSide, clientSide).bind(x -> clientSide);
            });
            assertEquals(data.length, received);
            assertArrayEquals(data, got.array(), "every byte comes back as sent");
        }
    }

    @Test
    void aPeerThatResetsRejectsThePendingReadWithTheIOException() throws IOException {
        try (ServerSocketChannel server = listenOnLoopback()) {
            SocketChannel[] p = pair(server);
            SocketChannel client = p[0];
            SocketChannel conn = p[1];
            Throwable err = LwtMain.run(() -> {
                Lwt<Integer> read = LwtUnix.read(conn, ByteBuffer.allocate(16));
                assertTrue(read.isPending(), "nothing was sent yet");
                try {
                    client.setOption(StandardSocketOptions.SO_LINGER, 0);
                    client.close();                       // linger 0: the close sends a reset
                } catch (IOException e) {
                    return Lwt.failed(e);
                }
                return read.<Throwable>map(n -> new AssertionError("read gave " + n + " after a reset"))
                        .recover(Lwt::resolved);
            });
            assertInstanceOf(IOException.class, err);
            assertTrue(!(err instanceof ClosedChannelException), "the reset, not a local close: " + err);
            conn.close();
        }
    }

    @Test
    void aClosedChannelRejectsWithClosedChannelException() throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.close();
        Throwable err = LwtMain.run(() -> LwtUnix.read(ch, ByteBuffer.allocate(4))
                .<Throwable>map(n -> null).recover(Lwt::resolved));
        assertInstanceOf(ClosedChannelException.class, err);
    }

    @Test
    void cancellingAPendingReadRemovesItsInterestAndTheChannelStaysUsable() throws IOException {
        try (ServerSocketChannel server = listenOnLoopback()) {
            SocketChannel[] p = pair(server);
            try (SocketChannel client = p[0]; SocketChannel conn = p[1]) {
                int n = LwtMain.run(() -> {
                    EventLoop loop = EventLoop.current();
                    Lwt<Integer> read = LwtUnix.read(conn, ByteBuffer.allocate(16));
                    assertNotEquals(0, loop.interestOps(conn) & SelectionKey.OP_READ);
                    read.cancel();
                    assertThrows(Lwt.Canceled.class, read::getNow);
                    assertEquals(0, loop.interestOps(conn) & SelectionKey.OP_READ, "interest left behind");
                    ByteBuffer buf = ByteBuffer.allocate(16);
                    Lwt<Integer> again = LwtUnix.read(conn, buf);
                    return LwtUnix.write(client, ByteBuffer.wrap(new byte[] {1, 2, 3})).bind(w -> again);
                });
                assertEquals(3, n);
            }
        }
    }

    @Test
    void aSecondPendingReadOnTheSameChannelIsRefused() throws IOException {
        try (ServerSocketChannel server = listenOnLoopback()) {
            SocketChannel[] p = pair(server);
            SocketChannel conn = p[1];
            try {
                Support.inLoop(() -> {
                    Lwt<Integer> first = LwtUnix.read(conn, ByteBuffer.allocate(1));
                    assertThrows(IllegalStateException.class, () -> LwtUnix.read(conn, ByteBuffer.allocate(1)));
                    first.cancel();
                });
            } finally {
                p[0].close();
                conn.close();
            }
        }
    }

    @Test
    void closeRejectsThePendingOperations() throws IOException {
        try (ServerSocketChannel server = listenOnLoopback()) {
            SocketChannel[] p = pair(server);
            SocketChannel conn = p[1];
            try {
                Throwable err = LwtMain.run(() -> {
                    Lwt<Integer> read = LwtUnix.read(conn, ByteBuffer.allocate(1));
                    LwtUnix.close(conn).getNow();
                    return read.<Throwable>map(n -> null).recover(Lwt::resolved);
                });
                assertInstanceOf(AsynchronousCloseException.class, err);
                assertTrue(!conn.isOpen());
            } finally {
                p[0].close();
            }
        }
    }

    /**
     * Readiness dispatch (EventLoop.poll: select(Consumer) into an array, callbacks after select
     * returns): forty reads made ready at once, more than the array's first size, each settle once;
     * the first to settle closes the odd channels still waiting, whose keys the same poll already
     * collected: those are skipped (their reads rejected by the close), and no read is lost.
     */
    @Test
    void manyChannelsReadyInOnePollEachSettleOnceAndOnesClosedMeanwhileAreSkipped() throws IOException {
        int n = 40;
        try (ServerSocketChannel server = listenOnLoopback()) {
            SocketChannel[] clients = new SocketChannel[n];
            SocketChannel[] conns = new SocketChannel[n];
            for (int i = 0; i < n; i++) {
                SocketChannel[] p = pair(server);
                clients[i] = p[0];
                conns[i] = p[1];
            }
            try {
                String[] outcome = new String[n];
                int[] settled = new int[n];
                LwtMain.run(() -> {
                    java.util.List<Lwt<Void>> all = new java.util.ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int me = i;
                        all.add(LwtUnix.read(conns[i], ByteBuffer.allocate(4)).map(r -> {
                            settled[me]++;
                            outcome[me] = "read " + r;
                            if (java.util.Arrays.stream(settled).sum() == 1) {
                                for (int k = 1; k < n; k += 2) {
                                    if (settled[k] == 0) {
                                        LwtUnix.close(conns[k]).getNow();
                                    }
                                }
                            }
                            return (Void) null;
                        }).recover(e -> {
                            settled[me]++;
                            outcome[me] = e.getClass().getSimpleName();
                            return Lwt.resolved(null);
                        }));
                    }
                    for (SocketChannel c : clients) {
                        try {
                            assertEquals(1, c.write(ByteBuffer.wrap(new byte[] {7})));   // blocking: loopback takes it
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                    return Lwt.join(all);
                });
                int closed = 0;
                for (int i = 0; i < n; i++) {
                    assertEquals(1, settled[i], "read " + i + " settled " + settled[i] + " times");
                    if (i % 2 == 0 || !outcome[i].equals("AsynchronousCloseException")) {
                        assertEquals("read 1", outcome[i], "read " + i);
                    } else {
                        closed++;
                    }
                }
                assertTrue(closed > 0, "no odd channel was closed while its key waited in the ready array");
            } finally {
                for (int i = 0; i < n; i++) {
                    closeQuietly(clients[i]);
                    closeQuietly(conns[i]);
                }
            }
        }
    }

    /**
     * A ready read's interest stays on its key until the next select (its owner nearly always
     * re-arms first); one that nobody re-armed is reported once more and then turned off, so a
     * loop that leaves unread bytes in a socket does not spin on it.
     */
    @Test
    void aReadInterestNobodyReArmsIsTurnedOffAfterOneMoreReportAndTheLoopDoesNotSpin() throws IOException {
        try (ServerSocketChannel server = listenOnLoopback()) {
            SocketChannel[] p = pair(server);
            try (SocketChannel client = p[0]; SocketChannel conn = p[1]) {
                int[] calls = new int[1];
                long[] turns = new long[2];
                int[] interest = new int[1];
                LwtMain.run(() -> {
                    EventLoop loop = EventLoop.current();
                    EventLoop.ReadyWait w = new EventLoop.ReadyWait() {
                        @Override
                        protected void ready() {
                            calls[0]++;                       // reads nothing, re-arms nothing
                        }

                        @Override
                        protected void failed(Throwable error) {
                            throw new AssertionError(error);
                        }
                    };
                    try {
                        loop.awaitReady(conn, SelectionKey.OP_READ, w);
                        assertEquals(1, client.write(ByteBuffer.wrap(new byte[] {1})));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return LwtUnix.sleep(0.02).bind(v -> {
                        turns[0] = loop.turns();
                        interest[0] = loop.interestOps(conn);
                        return LwtUnix.sleep(0.1);
                    }).map(v -> {
                        turns[1] = loop.turns();
                        return null;
                    });
                });
                assertEquals(1, calls[0], "the callback runs once per arming");
                assertEquals(0, interest[0] & SelectionKey.OP_READ, "interest left behind");
                assertTrue(turns[1] - turns[0] < 50, "the loop spun: " + (turns[1] - turns[0]) + " turns in 0.1 s");
            }
        }
    }

    @Test
    void endOfStreamReadsMinusOne() throws IOException {
        try (ServerSocketChannel server = listenOnLoopback()) {
            SocketChannel[] p = pair(server);
            try (SocketChannel conn = p[1]) {
                p[0].close();
                int n = LwtMain.run(() -> LwtUnix.read(conn, ByteBuffer.allocate(8)));
                assertEquals(-1, n);
            }
        }
    }
}
