package loomcc.lwt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Helpers for LwtIo tests: a server on a loop, and clients that are plain blocking java.nio
 * sockets on other threads, as a user's peer would be.
 */
final class IoClients {
    private IoClients() {}

    static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

    /** What the client saw, and the server's counters once the client was done. */
    record Run<T>(T client, long accepted, int activeAfterClient, long failed, List<Throwable> handlerErrors) {}

    /**
     * Runs a loop with {@code LwtIo.serve(handler)} on 127.0.0.1, runs {@code client} on another
     * thread with the server's address, waits for it (the loop goes on meanwhile), closes the server.
     */
    static <T> Run<T> withServer(LwtIo.Handler handler, Function<InetSocketAddress, T> client) {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        OPENED.set(0);
        return LwtMain.run(() -> LwtFiber.start(() -> {
            LwtIo.Server s = LwtIo.serve(LOOPBACK_ANY_PORT, c -> {
                try {
                    handler.handle(c);
                } catch (Throwable t) {
                    errors.add(t);
                    throw t;
                }
            });
            try {
                CompletableFuture<T> cf = new CompletableFuture<>();
                Thread t = new Thread(() -> {
                    try {
                        cf.complete(client.apply(s.address()));
                    } catch (Throwable e) {
                        cf.completeExceptionally(e);
                    }
                }, "test-client");
                t.start();
                T v = LwtFiber.await(cf);
                // let the server accept what the client opened, and their handlers see the end
                for (int i = 0; i < 500 && (s.active() > 0 || s.accepted() < OPENED.get()); i++) {
                    LwtFiber.sleep(0.01);
                }
                return new Run<>(v, s.accepted(), s.active(), s.failed(), errors);
            } finally {
                s.close();
            }
        }));
    }

    /** Connections {@link #open} made since the last {@link #withServer} began. */
    static final AtomicInteger OPENED = new AtomicInteger();

    static SocketChannel open(InetSocketAddress a) {
        OPENED.incrementAndGet();
        try {
            return SocketChannel.open(a);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void send(SocketChannel c, String s) {
        send(c, s.getBytes(StandardCharsets.UTF_8));
    }

    static void send(SocketChannel c, byte[] b) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                c.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the server sends until it closes (blocking). */
    static String readToEnd(SocketChannel c) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (c.read(buf.clear()) >= 0) {
                out.write(buf.array(), 0, buf.position());
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line the server sends, without its "\n" (blocking, byte by byte: tests only). */
    static String readLine(SocketChannel c) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (true) {
                one.clear();
                if (c.read(one) < 0) {
                    return out.size() == 0 ? null : out.toString(StandardCharsets.UTF_8);
                }
                if (one.get(0) == '\n') {
                    return out.toString(StandardCharsets.UTF_8);
                }
                out.write(one.get(0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
