package loomcc.bench.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import loomcc.internal.lwt.EventLoop;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtMain;
import loomcc.lwt.LwtUnix;
import loomcc.lwt.Resolver;

/**
 * The two loop styles' common part: one loomcc event loop on a thread of its own, an accept loop,
 * one {@link #connection} per client, and a stop that closes every connection and waits for each
 * to end. Subclasses say how a connection is served.
 *
 * <p>Threading: the keyspace, the sessions and the connections belong to the loop thread;
 * {@link #close} is called from any other thread and posts the stop to the loop.
 */
abstract class LoopServer implements RespServers.Running {
    final Keyspace keyspace = new Keyspace();
    private final String name;
    private final Thread thread;
    private final CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
    private EventLoop loop;                    // set on the loop thread before bound completes
    private ServerSocketChannel server;
    private Resolver<Void> stop;
    private boolean stopping;
    private final Map<SocketChannel, Lwt<Void>> connections = new HashMap<>();

    LoopServer(String name, InetSocketAddress address) throws IOException {
        this.name = name;
        thread = new Thread(() -> runLoop(address), "resp-" + name + "-loop");
        thread.start();
        try {
            bound.get();
        } catch (ExecutionException e) {
            thread.interrupt();
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the server started", e);
        }
    }

    /** Serves one connection; the promise resolves when it is over. The caller closes the channel. */
    abstract Lwt<Void> connection(SocketChannel channel);

    private void runLoop(InetSocketAddress address) {
        try {
            LwtMain.run(() -> {
                loop = EventLoop.current();
                stop = Lwt.task();
                try {
                    server = ServerSocketChannel.open();
                    server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    server.bind(address, 1024);
                    bound.complete((InetSocketAddress) server.getLocalAddress());
                } catch (IOException e) {
                    bound.completeExceptionally(e);
                    return Lwt.resolved(null);
                }
                acceptLoop();
                return stop.promise();
            });
        } catch (Throwable t) {
            bound.completeExceptionally(t);
            System.err.println("[resp " + name + "] the loop failed: " + t);
        }
    }

    /** Accepts while connections are there at once; waits (one bind) when none is. */
    private void acceptLoop() {
        while (!stopping) {
            Lwt<SocketChannel> a = LwtUnix.accept(server);
            if (a.isPending()) {
                a.map(ch -> {
                    accepted(ch);
                    acceptLoop();
                    return null;
                }).recover(this::acceptFailed);
                return;
            }
            if (a.isRejected()) {
                a.recover(this::acceptFailed);
                return;
            }
            accepted(a.getNow());
        }
    }

    private <T> Lwt<T> acceptFailed(Throwable e) {
        if (!stopping) {
            System.err.println("[resp " + name + "] accept failed: " + e);
        }
        return Lwt.resolved(null);
    }

    private void accepted(SocketChannel ch) {
        if (stopping) {
            LwtUnix.close(ch);
            return;
        }
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            LwtUnix.close(ch);
            return;
        }
        Lwt<Void> c;
        try {
            c = connection(ch);
        } catch (RuntimeException e) {
            c = Lwt.failed(e);
        }
        Lwt<Void> done = c.recover(e -> {
            if (!stopping && !(e instanceof IOException)) {
                System.err.println("[resp " + name + "] connection failed: " + e);
            }
            return Lwt.resolved(null);
        }).whenDone(() -> {
            connections.remove(ch);
            LwtUnix.close(ch);
        });
        if (done.isPending()) {
            connections.put(ch, done);
        }
    }

    @Override
    public InetSocketAddress address() {
        return bound.join();
    }

    /** Stops accepting, closes every connection (their pending reads fail), waits for them and the loop. */
    @Override
    public void close() {
        EventLoop l = loop;
        if (l != null && l.post(this::stopOnLoop)) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void stopOnLoop() {
        if (stopping) {
            return;
        }
        stopping = true;
        LwtUnix.close(server);
        List<Lwt<Void>> waits = new ArrayList<>(connections.values());
        for (SocketChannel ch : new ArrayList<>(connections.keySet())) {
            LwtUnix.close(ch);
        }
        Lwt.join(waits).whenDone(() -> stop.tryResolve(null));
    }
}
