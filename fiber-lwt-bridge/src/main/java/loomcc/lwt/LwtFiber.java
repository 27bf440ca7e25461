package loomcc.lwt;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

import loomcc.fiber.Awaiter;
import loomcc.fiber.Callback;
import loomcc.fiber.Fiber;
import loomcc.internal.fiber.LocalAwaiter;
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
        return startNamed(null, body);
    }

    /**
     * {@link #start(Supplier)} with a name for the fiber, which shows in {@link #dump()}, in the
     * loop's warnings, in the fiber's {@code toString} and in JFR events ({@code LwtIo.serve}
     * names a connection's fiber after the peer). Names need not be unique. Unnamed fibers are
     * called {@code fiber-<id>}, numbered by their loop.
     *
     * @throws NullPointerException if {@code name} or {@code body} is null
     * @throws IllegalStateException if no loop runs on this thread
     */
    public static <T> Lwt<T> start(String name, Supplier<T> body) {
        Objects.requireNonNull(name, "LwtFiber.start: name (use start(body) for a fiber with a default name)");
        return startNamed(name, body);
    }

    private static <T> Lwt<T> startNamed(String name, Supplier<T> body) {
        Objects.requireNonNull(body, "LwtFiber.start: body");
        EventLoop loop = EventLoop.require("LwtFiber.start");
        Resolver<T> r = Lwt.task();
        Lwt<T> p = r.promise();
        loop.fiberStarted();
        Done<T> done = new Done<>(loop, r);
        Fiber<T> f = Fiber.start(loop, name, body, done);
        done.fiber = f;
        if (!f.isDone()) {
            p.onCancel(() -> f.cancel(p.rawResult() instanceof Lwt.Canceled c ? c : new Lwt.Canceled()));
            p.describedAs(f); // a fiber that awaits this one shows it in dumps
        }
        return p;
    }

    /** A fiber's end: settles its promise (what the lambda of start did, plus a name for reports). */
    private static final class Done<T> implements java.util.function.BiConsumer<T, Throwable> {
        private final EventLoop loop;
        private final Resolver<T> r;
        /** Set once start returns (a body that ends at once ends before that). */
        Fiber<T> fiber;

        Done(EventLoop loop, Resolver<T> r) {
            this.loop = loop;
            this.r = r;
        }

        @Override
        public void accept(T v, Throwable e) {
            loop.fiberEnded();
            Lwt<T> p = r.promise();
            if (e == null) {
                r.tryResolve(v);
            } else if (!p.hasCallbacks() && !(e instanceof Lwt.Canceled) && r.tryReject(e)) {
                // Nobody waits for this failure yet: the loop reports it at its end unless someone
                // looks at it first (a callback, getNow, an await).
                loop.noteUnseenFailure(this, e, p::errorObserved);
            } else if (!r.tryReject(e) && !(e instanceof Lwt.Canceled)) {
                // Failed after being cancelled: nobody waits for this promise any more.
                Engine.current().reportAsync(e);
            }
        }

        /** The fiber's name, for the loop's report. */
        @Override
        public String toString() {
            return fiber == null ? "(unknown fiber)" : fiber.name();
        }
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
    private static final Awaiter.Suspending<EventLoop, Void> PAUSE = new Pause();

    private static final class Pause implements Awaiter.Suspending<EventLoop, Void>, LocalAwaiter {
        @Override
        public Object onComplete(EventLoop loop, java.util.function.BiConsumer<? super Void, ? super Throwable> wakeUp) {
            loop.pauseFiber(wakeUp);
            return null;
        }

        @Override
        public String describe(EventLoop loop) {
            return "LwtFiber.pause, the loop's next turn";
        }
    }

    /**
     * Every live fiber of the running loop, oldest first, as a thread dump shows threads: per
     * fiber, its name, its state ({@code running}, {@code suspended}, {@code detached}), for how
     * long (to a tenth of a second, on the loop's clock), what it waits for (a sleep and when it
     * is due; a read and its channel; a promise labelled with {@link Lwt#describedAs}; a plain
     * promise; a {@code CompletionStage}; a callback), and its suspended stack as {@code at ...}
     * lines, the fiber's own frames. The same text is the {@code FiberDump} attribute of the
     * loop's JMX MBean {@code loomcc:type=EventLoop,name=<thread name>}.
     *
     * @throws IllegalStateException if no loop runs on this thread
     */
    public static String dump() {
        return EventLoop.require("LwtFiber.dump").dump();
    }

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
     * CPC's {@code cpc_detached}: this fiber itself moves to a pool thread, runs {@code block}
     * there, and comes back to the loop thread, where this returns the block's value or throws its
     * exception. Unlike {@link #detach} nothing is allocated on the loop for it, and the block sees
     * the fiber's {@link loomcc.fiber.FiberLocal}s. The block must not touch the loop's promises
     * (it is not on the loop thread); {@link LwtPreemptive#runInMain} works from it. The fiber
     * moves between threads, so on JDK 25 run with {@code -XX:+UnlockDiagnosticVMOptions
     * -XX:-InlineThreadNatives} (see {@link loomcc.cont.Continuation}); {@link #detach} needs
     * nothing of the kind.
     */
    public static <T> T detached(Supplier<T> block) {
        EventLoop loop = EventLoop.require("LwtFiber.detached");
        return Fiber.detached(LwtPreemptive.poolFor(loop), block);
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
