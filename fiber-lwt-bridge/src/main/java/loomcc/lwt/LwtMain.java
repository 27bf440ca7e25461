package loomcc.lwt;

import java.util.function.Consumer;
import java.util.function.Supplier;
import loomcc.internal.lwt.EventLoop;

/**
 * Runs the event loop ({@code Lwt_main}).
 *
 * <h2>Threading contract</h2>
 * {@link #run} may be called on any thread that is not already running a loop; the loop runs on the
 * calling thread and every promise it resolves is resolved there. {@link #setAsyncExceptionHandler}:
 * loop thread only.
 *
 * <h2>The loop</h2>
 * One explicit cycle: run the work other threads posted → wake paused promises (in order) → fire the
 * due timers → poll NIO readiness (blocking in {@code select} only when nothing is ready, until the
 * next timer; other threads wake it at once) → repeat, until the main promise resolves. An idle loop
 * uses no CPU. As in Lwt, when the main promise never resolves and nothing else can happen, the loop
 * blocks for ever. Timers, pauses and I/O still pending when {@code run} returns stay pending: they
 * belonged to that loop, which no longer runs.
 */
public final class LwtMain {
    private LwtMain() {}

    /**
     * Runs a loop on the calling thread: calls {@code main}, then turns the loop until its promise
     * resolves ({@code Lwt_main.run}).
     *
     * @param main supplies the main promise; called once, on this thread, with the loop running
     * @param <T>  the value type
     * @return the main promise's value
     * @throws IllegalStateException if a loop is already running on this thread; the message names
     *         where it was started, and the cause's stack trace is that start (<i>ours</i>)
     * @throws NullPointerException if {@code main} is null or returns null
     * <p>Also throws, as the same instance and undeclared: the main promise's rejection; what
     * {@code main} threw; or the first failure that reached the default async-exception handler (see
     * {@link Lwt#async}), which stops the loop at once, even with the main promise still pending;
     * or an {@link InterruptedException} if the thread is interrupted while the loop runs (the loop
     * stops at its next poll, and the interrupt status is cleared).
     */
    public static <T> T run(Supplier<? extends Lwt<T>> main) {
        return EventLoop.run(main);
    }

    /**
     * {@link #run}, on a virtual clock, for tests: an hour of sleeps and timeouts takes
     * milliseconds, in the order a real run would give them.
     *
     * <ul>
     *   <li>The clock starts at 0 ({@link LwtUnix#now()} reads it). When nothing is ready, the loop
     *       jumps it to the next timer's deadline instead of waiting. Every timer of the loop is on
     *       it: {@link LwtUnix#sleep}, {@link LwtUnix#withTimeout}, {@link LwtFiber#sleep} and
     *       whatever is built on them.
     *   <li>Everything else runs as on {@link #run}: callbacks, pauses, fibers, I/O, in the same
     *       order. Only the waiting is skipped.
     *   <li>Waits that another thread ends hold the clock still and are waited for in real time:
     *       I/O reads, writes and connects ({@link LwtUnix}, and what is built on it), pool work
     *       ({@link LwtPreemptive#detach}, {@link LwtFiber#detach}, {@link LwtFiber#detached}),
     *       {@link LwtFiber#await(java.util.concurrent.CompletionStage)} and
     *       {@link LwtFiber#awaitCallback}. So a timeout never fires early because real work is
     *       slow; nor does it end real work that hangs (give the test itself a timeout for that).
     *       A pending accept does not hold the clock (a server waiting for clients is idle),
     *       nor does a read or write whose other end is a socket of this same loop (a client and
     *       a server in one test): the loop itself ends those.
     *       Hence a thread that waits for a loop timer while the loop waits for that thread
     *       hangs here, where a real run would go on: test such code with {@link #run}.
     *   <li>Real time stays real: {@code Thread.sleep}, {@code System.nanoTime()}, a
     *       {@code CompletableFuture}'s own timeouts and delayed executors, and any time read on
     *       another thread know nothing of this clock. Measure loop time with
     *       {@link LwtUnix#now()}.
     *   <li>When the main promise is pending and nothing can ever run again (nothing ready, no
     *       timer, no I/O, no work on another thread), it throws {@link DeadlockException} at
     *       once, instead of hanging. A loop fed only by other threads'
     *       {@link LwtPreemptive#runInMain} counts as deadlocked here: use {@link #run} for that.
     * </ul>
     *
     * <pre>{@code
     * double t = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> {
     *     LwtFiber.sleep(3600);                       // an hour, at once
     *     return LwtUnix.now();                       // 3600.0
     * }));
     * }</pre>
     *
     * @param main supplies the main promise; called once, on this thread, with the loop running
     * @param <T>  the value type
     * @return the main promise's value
     * @throws DeadlockException if the main promise can never resolve
     * @throws IllegalStateException if a loop is already running on this thread
     * @throws NullPointerException if {@code main} is null or returns null
     * <p>Also throws what {@link #run} throws, in the same cases.
     */
    public static <T> T runWithVirtualClock(Supplier<? extends Lwt<T>> main) {
        return EventLoop.runWithVirtualClock(main);
    }

    /**
     * Sets what the running loop does with an async failure ({@link Lwt#async}, an {@code onCancel}
     * callback that threw, work posted to the loop that threw); Lwt's {@code async_exception_hook},
     * but per loop. The default (also restored by {@code null}) stops the loop and makes
     * {@link #run} throw the failure. If the handler itself throws, the loop stops with that.
     * Loop thread only.
     *
     * @param handler the handler, or null for the default
     * @throws IllegalStateException if no loop is running on this thread
     */
    public static void setAsyncExceptionHandler(Consumer<Throwable> handler) {
        EventLoop.require("LwtMain.setAsyncExceptionHandler").setAsyncExceptionHandler(handler);
    }
}
