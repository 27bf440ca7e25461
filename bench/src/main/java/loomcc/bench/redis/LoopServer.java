package loomcc.bench.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import loomcc.internal.lwt.EventLoop;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtMain;
import loomcc.lwt.Resolver;

/**
 * The two loop styles' common part: one loomcc event loop on a thread of its own, started with the
 * server and stopped by {@link #close}, which asks the subclass to end every connection and waits
 * for that and for the loop. Subclasses listen and serve.
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
    private Resolver<Void> stop;
    private boolean stopping;

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

    /** On the loop: starts listening on {@code address}; returns the bound address. */
    abstract InetSocketAddress listen(InetSocketAddress address) throws IOException;

    /** On the loop: stops accepting, ends every connection; resolves once all have ended. */
    abstract Lwt<Void> shutdown();

    private void runLoop(InetSocketAddress address) {
        try {
            LwtMain.run(() -> {
                loop = EventLoop.current();
                stop = Lwt.task();
                try {
                    bound.complete(listen(address));
                } catch (IOException | RuntimeException e) {
                    bound.completeExceptionally(e);
                    return Lwt.resolved(null);
                }
                return stop.promise();
            });
        } catch (Throwable t) {
            bound.completeExceptionally(t);
            System.err.println("[resp " + name + "] the loop failed: " + t);
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
        shutdown().whenDone(() -> stop.tryResolve(null));
    }
}
