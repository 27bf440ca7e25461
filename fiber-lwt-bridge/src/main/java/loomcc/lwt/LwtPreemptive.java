package loomcc.lwt;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import loomcc.fiber.Fiber;
import loomcc.internal.lwt.Engine;
import loomcc.internal.lwt.EventLoop;
import loomcc.internal.Throwing;

/**
 * Blocking work off the loop, and other threads into the loop ({@code Lwt_preemptive}).
 *
 * <h2>Threading contract</h2>
 * <ul>
 * <li>{@link #detach}: loop thread only. The callable runs on a pool thread; its outcome is carried
 *     back through the loop's MPSC queue (plus {@code Selector.wakeup()}) and resolves the promise on
 *     the loop thread: what the callable did <i>happens-before</i> the promise's callbacks run.</li>
 * <li>{@link #runInMain}, {@link #runInMainAsync}: any thread except a loop thread. What the caller
 *     did before the call happens-before the function runs on the loop, and what the loop did
 *     happens-before the call returns.</li>
 * <li>{@link #setMaxThreads}, {@link #maxThreads}: any thread.</li>
 * </ul>
 *
 * <h2>The pool</h2>
 * One pool for the JVM, as in Lwt: at most {@link #maxThreads()} threads (default 4, Lwt_preemptive's
 * default maximum), daemon threads that never keep the JVM alive and retire after 10 s idle; calls
 * beyond the bound wait in an unbounded FIFO queue.
 *
 * <h2>Which loop {@code runInMain} reaches</h2>
 * From a callable running under {@link #detach}, or a block under {@code LwtFiber.detached}: the
 * loop that detached it. From any other thread:
 * the one loop running in the JVM; with none, or several, it throws {@link IllegalStateException}.
 */
public final class LwtPreemptive {
    private LwtPreemptive() {}

    private static final int DEFAULT_MAX_THREADS = 4;   // Lwt_preemptive.simple_init: min 0, max 4

    private static final ThreadLocal<EventLoop> ORIGIN = new ThreadLocal<>();

    private static final class Pool {
        static final ThreadPoolExecutor EXECUTOR = create();

        private static ThreadPoolExecutor create() {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory f = r -> {
                Thread t = new Thread(r, "loomcc-preemptive-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            ThreadPoolExecutor ex = new ThreadPoolExecutor(DEFAULT_MAX_THREADS, DEFAULT_MAX_THREADS,
                    10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), f);
            ex.allowCoreThreadTimeOut(true);
            return ex;
        }
    }

    /**
     * Sets the largest number of pool threads ({@code Lwt_preemptive.set_bounds}'s max).
     *
     * @param n at least 1
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static synchronized void setMaxThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("LwtPreemptive.setMaxThreads: need at least 1 thread, got " + n);
        }
        ThreadPoolExecutor ex = Pool.EXECUTOR;
        if (n > ex.getMaximumPoolSize()) {
            ex.setMaximumPoolSize(n);
            ex.setCorePoolSize(n);
        } else {
            ex.setCorePoolSize(n);
            ex.setMaximumPoolSize(n);
        }
    }

    /**
     * The pool as an {@link Executor} whose tasks see {@code origin} as the loop that sent them
     * (the default target of {@link #runInMain} from inside them). For {@code LwtFiber.detached}.
     */
    static Executor poolFor(EventLoop origin) {
        return task -> Pool.EXECUTOR.execute(() -> {
            ORIGIN.set(origin);
            try {
                task.run();
            } finally {
                ORIGIN.remove();
            }
        });
    }

    /** @return the largest number of pool threads */
    public static int maxThreads() {
        return Pool.EXECUTOR.getMaximumPoolSize();
    }

    /**
     * Runs {@code blocking} on the pool ({@code Lwt_preemptive.detach}); the returned task is
     * fulfilled with its value, or rejected with what it threw (the same instance), on the loop
     * thread. Cancelling the task rejects it at once; the callable is not interrupted and its late
     * outcome is ignored. If the loop has stopped by the time the callable returns, the outcome is
     * dropped: nothing can observe that promise any more.
     *
     * @param blocking the work
     * @param <T>      the value type
     * @return the promise of its value
     * @throws IllegalStateException if no loop is running on this thread
     */
    public static <T> Lwt<T> detach(Callable<T> blocking) {
        Objects.requireNonNull(blocking, "LwtPreemptive.detach: blocking");
        EventLoop loop = EventLoop.require("LwtPreemptive.detach");
        Resolver<T> r = Lwt.task();
        loop.beginExternalWait();                        // a virtual clock waits for the pool
        try {
            Pool.EXECUTOR.execute(() -> {
                ORIGIN.set(loop);
                try {
                    T v = blocking.call();
                    loop.post(() -> {
                        loop.endExternalWait();
                        r.tryResolve(v);
                    });
                } catch (Throwable t) {
                    loop.post(() -> {
                        loop.endExternalWait();
                        r.tryReject(t);
                    });
                } finally {
                    ORIGIN.remove();
                }
            });
        } catch (Throwable t) {
            loop.endExternalWait();
            throw t;
        }
        return r.promise();
    }

    /**
     * From another thread, runs {@code f} on the loop and waits for its value ({@code
     * Lwt_preemptive.run_in_main} without the promise). The wait is not interruptible (the function
     * may already be running); an interrupt is kept for the caller.
     *
     * @param f   the function, run on the loop thread as a callback
     * @param <T> the value type
     * @return {@code f}'s value; what {@code f} throws is thrown here, the same instance
     * @throws IllegalStateException if called on a loop thread (it would wait for itself), if no loop
     *         (or more than one) can be chosen, or if the loop stops before running {@code f}
     */
    public static <T> T runInMain(Callable<T> f) {
        Objects.requireNonNull(f, "LwtPreemptive.runInMain: f");
        EventLoop loop = target("runInMain");
        Call<T> call = new Call<>(loop) {
            @Override
            public void run() {
                T v;
                try {
                    v = f.call();
                } catch (Throwable t) {
                    complete(null, t);
                    return;
                }
                complete(v, null);
            }
        };
        return call.postAndAwait();
    }

    /**
     * From another thread, runs {@code f} on the loop and waits until the promise it returns is
     * resolved ({@code Lwt_preemptive.run_in_main}). Same rules as {@link #runInMain}; if the loop
     * stops before the promise resolves, throws {@link IllegalStateException}.
     *
     * @param f   supplies the promise, on the loop thread
     * @param <T> the value type
     * @return the promise's value; its rejection is thrown here, the same instance
     */
    public static <T> T runInMainAsync(Supplier<? extends Lwt<T>> f) {
        Objects.requireNonNull(f, "LwtPreemptive.runInMainAsync: f");
        EventLoop loop = target("runInMainAsync");
        Call<T> call = new Call<>(loop) {
            @Override
            public void run() {
                Lwt<T> p;
                try {
                    p = f.get();
                } catch (Throwable t) {
                    complete(null, t);
                    return;
                }
                if (p == null) {
                    complete(null, new NullPointerException("LwtPreemptive.runInMainAsync: f returned null"));
                    return;
                }
                Call<T> self = this;
                loop.track(self);
                p.addCallback(new Lwt.Callback() {
                    @Override
                    @SuppressWarnings("unchecked")
                    void run(Lwt<?> source, Engine e) {
                        loop.untrack(self);
                        if (source.state() == Lwt.FULFILLED) {
                            complete((T) source.rawResult(), null);
                        } else {
                            complete(null, (Throwable) source.rawResult());
                        }
                    }
                });
            }
        };
        return call.postAndAwait();
    }

    private static EventLoop target(String what) {
        if (EventLoop.current() != null) {
            throw new IllegalStateException("LwtPreemptive." + what + " called on the loop thread '"
                    + Thread.currentThread().getName() + "': it would wait for itself. On the loop,"
                    + " call the function directly (or use Lwt.async)");
        }
        EventLoop origin = ORIGIN.get();
        if (origin != null) {
            return origin;
        }
        if (Fiber.current() instanceof Fiber<?> f && f.home() instanceof EventLoop home) {
            return home;                          // a detached block: its fiber's loop
        }
        List<EventLoop> running = EventLoop.running();
        if (running.size() == 1) {
            return running.get(0);
        }
        if (running.isEmpty()) {
            throw new IllegalStateException("LwtPreemptive." + what + ": no event loop is running;"
                    + " start one with LwtMain.run");
        }
        throw new IllegalStateException("LwtPreemptive." + what + ": " + running.size() + " event loops"
                + " are running " + running + ", so which one is meant is ambiguous; call it from a"
                + " callable given to LwtPreemptive.detach by the loop you mean");
    }

    /**
     * A call from another thread into the loop: the first of complete/abandon wins (a CAS), the
     * waiter parks until the outcome is published.
     */
    private abstract static class Call<T> implements Runnable, EventLoop.Abandonable {
        private static final int WAITING = 0;
        private static final int CLAIMED = 1;
        private static final int PUBLISHED = 2;

        private final EventLoop loop;
        private final Thread waiter = Thread.currentThread();
        private final AtomicInteger state = new AtomicInteger(WAITING);
        private T value;
        private Throwable error;

        Call(EventLoop loop) {
            this.loop = loop;
        }

        final void complete(T v, Throwable t) {
            if (!state.compareAndSet(WAITING, CLAIMED)) {
                return;
            }
            value = v;
            error = t;
            state.set(PUBLISHED);                     // volatile write publishes value/error
            LockSupport.unpark(waiter);
        }

        @Override
        public final void abandon(IllegalStateException why) {
            complete(null, why);
        }

        final T postAndAwait() {
            if (!loop.post(this)) {
                complete(null, new IllegalStateException("LwtPreemptive: " + loop + " has stopped"));
            }
            boolean interrupted = false;
            while (state.get() != PUBLISHED) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (error != null) {
                throw Throwing.sneaky(error);
            }
            return value;
        }
    }
}
