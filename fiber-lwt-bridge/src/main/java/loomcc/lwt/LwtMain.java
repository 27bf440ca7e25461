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
