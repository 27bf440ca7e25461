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
