package loomcc.lwt;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import loomcc.fiber.Awaiter;
import loomcc.fiber.Callback;
import loomcc.fiber.Fiber;
import loomcc.internal.lwt.Engine;
import loomcc.internal.lwt.EventLoop;

/**
 * Fibers on an Lwt loop: direct-style code that blocks on {@link Lwt} promises without blocking
 * the loop (OCaml's {@code Lwt_fiber}, on the JDK's continuations).
 *
 * <pre>{@code
 * Lwt<String> p = LwtFiber.start(() -> {
 *     String a = LwtFiber.await(kv.get("foo"));   // suspends this fiber only
 *     LwtFiber.sleep(0.1);
 *     return LwtFiber.await(kv.get(a));
 * });
 * }</pre>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>{@link #start} runs the body at once, on the loop thread, until its first await of a
 *       pending promise, and returns a cancelable promise of its result or exception.
 *   <li>{@link #await} on a resolved promise returns at once, with no capture and no allocation;
 *       on a rejected one it throws the same exception instance; on a pending one it suspends
 *       only this fiber, which resumes as one of the promise's callbacks (in registration order,
 *       under the loop's nesting bound), like the rest of the body of a {@code bind}.
 *   <li>Cancelling the promise {@code start} returned rejects it with {@link Lwt.Canceled} at
 *       once; the fiber's pending await throws that same {@code Canceled} (its {@code finally}
 *       blocks run), and the promise it waited on is cancelled if it is, or waits on, a task.
 *       A fiber that catches {@code Canceled} and goes on is an ordinary fiber again: its later
 *       awaits work as usual. What it returns then is dropped (the promise is already rejected);
 *       an exception it throws then, other than a {@code Canceled}, goes to the loop's
 *       async-exception handler, so it is not lost.
 *   <li>A loop that ends (its main promise resolved) while fibers are still suspended logs one
 *       warning with their number: nothing will resume them and their {@code finally} blocks will
 *       not run. Cancel them, or resolve what they wait on, first.
 *   <li>{@code await} outside a fiber is an {@link IllegalStateException} that says to wrap the
 *       code in {@code LwtFiber.start}, even on a resolved promise; {@code await} where the stack
 *       cannot be captured throws {@link loomcc.cont.PinnedException} and the loop keeps running.
 *   <li>No method declares a checked exception; exceptions cross as the same instance. To catch a
 *       checked one, catch {@code Exception} and test its type.
 * </ul>
 *
 * <h2>Threading</h2>
 * Loop thread only: {@code start} on the loop's thread; the others inside a fiber.
 */
public final class LwtFiber {
    private LwtFiber() {
    }

    /**
     * Starts a fiber on the running loop: runs {@code body} at once until its first await of a
     * pending promise.
     *
     * @return a cancelable promise ({@link Lwt#task()}) of the body's value, rejected with the
     *         exception the body throws (the same instance)
     * @throws IllegalStateException if no loop runs on this thread
     */
    public static <T> Lwt<T> start(Supplier<T> body) {
        Objects.requireNonNull(body, "LwtFiber.start: body");
        EventLoop loop = EventLoop.require("LwtFiber.start");
        Resolver<T> r = Lwt.task();
        Lwt<T> p = r.promise();
        loop.fiberStarted();
        Fiber<T> f = Fiber.start(loop, body, (v, e) -> {
            loop.fiberEnded();
            if (e == null) {
                r.tryResolve(v);
            } else if (!r.tryReject(e) && !(e instanceof Lwt.Canceled)) {
                // Failed after being cancelled: nobody waits for this promise any more.
                Engine.current().reportAsync(e);
            }
        });
        if (!f.isDone()) {
            p.onCancel(() -> f.cancel(p.rawResult() instanceof Lwt.Canceled c ? c : new Lwt.Canceled()));
        }
        return p;
    }

    /**
     * Waits for {@code p} and returns its value, or throws its exception (the same instance).
     *
     * @throws IllegalStateException outside a fiber
     */
    public static <T> T await(Lwt<T> p) {
        Objects.requireNonNull(p, "LwtFiber.await: promise");
        return Fiber.await(p, LwtAwaiter.get());
    }

    /**
     * Waits for a JDK {@code CompletionStage}. A completion on another thread resumes the fiber on
     * its loop, never on the completing thread; a {@code CompletionException} around the error is
     * taken off; cancelling the fiber cancels the stage if it is a pending {@code Future}.
     */
    public static <T> T await(CompletionStage<T> s) {
        return Fiber.await(s);
    }

    /**
     * Lets the loop run one turn (other fibers, I/O, timers), as {@code await(Lwt.pause())} does,
     * in order with paused promises, but without making a promise: the fiber itself is queued.
     */
    public static void pause() {
        Fiber.await(loop("LwtFiber.pause"), PAUSE);
    }

    /** The current fiber's loop (its home: no thread-local lookup), else this thread's loop. */
    private static EventLoop loop(String what) {
        Fiber<?> f = Fiber.current();
        return f != null && f.home() instanceof EventLoop l ? l : EventLoop.require(what);
    }

    /** The "promise" a paused fiber waits on is the loop's next turn. */
    private static final Awaiter.Suspending<EventLoop, Void> PAUSE = (loop, wakeUp) -> {
        loop.pauseFiber(wakeUp);
        return null;
    };

    /**
     * {@code await(LwtUnix.sleep(seconds))}, without the promise: the fiber's own timer wakes it,
     * in deadline order with the loop's other timers (ties in creation order). {@code sleep(0)}
     * resumes on a later turn; {@code POSITIVE_INFINITY} never resumes (cancel the fiber instead).
     * Cancelling the fiber removes its timer.
     *
     * @throws IllegalArgumentException if {@code seconds} is negative or NaN
     */
    public static void sleep(double seconds) {
        double delay = LwtUnix.checkDelay("LwtFiber.sleep", seconds); // a bad delay is the first thing to say
        loop("LwtFiber.sleep").sleepFiber(delay);
    }

    /**
     * {@code Lwt_preemptive.detach} in direct style: runs {@code blocking} on the pool and waits
     * for it; the loop and the other fibers go on meanwhile.
     */
    public static <T> T detach(Callable<T> blocking) {
        return await(LwtPreemptive.detach(blocking));
    }

    /**
     * CPC's {@code cpc_detached}: runs {@code block} on the pool on behalf of this fiber, which
     * waits for it on the loop (like an await: the loop and the other fibers go on), then
     * returns the block's value or throws its exception (the same instance). Unlike
     * {@link #detach}, no promise is made, and the block sees the fiber's
     * {@link loomcc.fiber.FiberLocal}s. In the block, {@code Thread.currentThread()} and every
     * {@code ThreadLocal} are the pool thread's: the fiber's own frames never leave the loop
     * thread. The block must not touch the loop's promises (it is not on the loop thread);
     * {@link LwtPreemptive#runInMain} from it reaches this fiber's loop; {@code await} and
     * {@code detached} in it throw {@link IllegalStateException}.
     *
     * <p>Cancelling the fiber while the block runs rejects its promise at once; the block is not
     * interrupted, and this throws {@link Lwt.Canceled} when it returns. If the loop ends while
     * the block runs, the fiber is counted in the loop's end-of-run warning and the block's
     * outcome is dropped when it comes: nothing is thrown into the pool thread.
     */
    public static <T> T detached(Supplier<T> block) {
        EventLoop loop = loop("LwtFiber.detached");
        Executor pool = LwtPreemptive.poolFor(loop);
        boolean[] handed = {false};
        try {
            return Fiber.detached(task -> {           // on the loop, once the fiber is captured
                pool.execute(task);
                handed[0] = true;
                loop.detachedStarted();
            }, block);
        } finally {
            if (handed[0]) {
                loop.detachedEnded(); // not reached when the loop ends first: the fiber stays counted
            }
        }
    }

    /**
     * A callback-style API in direct style (the {@code ~} operator of the CPS post):
     * {@code String v = LwtFiber.awaitCallback(cb -> api.get(key, cb));}. The callback may be
     * called from any thread; the fiber resumes on its loop. Its first call wins; a second call
     * throws {@link IllegalStateException} to its caller.
     */
    public static <T> T awaitCallback(Consumer<? super Callback<T>> register) {
        return Fiber.awaitCallback(register);
    }
}
