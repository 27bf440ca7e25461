package loomcc.lwt;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import loomcc.fiber.Awaiter;
import loomcc.fiber.Callback;
import loomcc.fiber.Fiber;
import loomcc.fiber.FiberHome;
import loomcc.internal.fiber.FiberAccess;
import loomcc.internal.fiber.ParkingAwaiter;
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
 *       once. A fiber suspended in an await: that await throws the same {@code Canceled} before
 *       {@code cancel()} returns (its {@code finally} blocks have run), also when what it awaited
 *       has already completed (say from another thread) but the fiber has not run again; the
 *       promise it waited on is cancelled if it is, or waits on, a task. A fiber that is running
 *       (it cancelled itself, or code on its own stack did): its next {@code await},
 *       {@code pause}, {@code sleep}, {@code detach} or {@code awaitCallback} throws the
 *       {@code Canceled}, even on a resolved promise. A fiber inside {@code detached}: the block
 *       is not interrupted, and {@code detached} throws the {@code Canceled} when it returns.
 *       Each time, that one call only: a fiber that catches {@code Canceled} and goes on is an
 *       ordinary fiber again. What it returns then is dropped (the promise is already rejected);
 *       an exception it throws then, other than a {@code Canceled}, goes to the loop's
 *       async-exception handler, so it is not lost.
 *   <li>A fiber runs every piece of its own code in the fiber, including the functions that
 *       {@code bind}, {@code map}, {@code recover} and {@code whenDone} run at once on a resolved
 *       promise inside it (they may await). A fiber counts its own callback nesting: past the
 *       loop's bound such a function waits in the fiber's own queue, which the fiber runs before
 *       it next suspends or ends (or when its own nesting is back to 0), never on the loop's. A
 *       suspended fiber holds none of the loop's nesting depth.
 *   <li>A loop that ends (its main promise resolved) while fibers are still suspended logs one
 *       warning with their number: nothing will resume them and their {@code finally} blocks will
 *       not run. Cancel them, or resolve what they wait on, first.
 *   <li>{@code await} (and {@code pause}, {@code sleep}, {@code detach}, {@code awaitCallback})
 *       outside a fiber is an {@link IllegalStateException} that says to wrap the code in
 *       {@code LwtFiber.start}, even on a resolved promise, before anything runs.
 *   <li>{@code await} on any {@code CompletionStage} works, {@code CompletableFuture.completedStage}
 *       and {@code minimalCompletionStage()} included, and stages that are not a {@code Future}.
 *   <li>{@code await} where the stack cannot be captured throws
 *       {@link loomcc.cont.PinnedException} and the loop keeps running.
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
        Lwt<T> p = Lwt.taskOn(loop.engine());   // a task's promise; Done settles it itself
        loop.fiberStarted();
        Done<T> done = new Done<>(loop, p);
        Fiber<T> f = Fiber.start(loop, name, body, done);
        done.fiber = f;
        if (!f.isDone()) {
            // Waiting: the await throws at once. Running (cancelled from its own stack) or in
            // detached: its next suspension point throws (Fiber.cancel).
            p.onCancel(done);
            p.describedAs(f); // a fiber that awaits this one shows it in dumps
        }
        return p;
    }

    /**
     * A fiber's end and its cancel, in one object: it settles the fiber's promise when the body
     * ends, and it is the promise's on-cancel callback node, which cancels the fiber. One node
     * instead of a resolver, a lambda, a cancel node and an end callback: a suspended fiber keeps
     * 40 bytes here where it kept 96.
     */
    private static final class Done<T> extends Lwt.Callback implements java.util.function.BiConsumer<T, Throwable> {
        private final EventLoop loop;
        private final Lwt<T> p;
        /** Set once start returns (a body that ends at once ends before that). */
        Fiber<T> fiber;

        Done(EventLoop loop, Lwt<T> p) {
            this.loop = loop;
            this.p = p;
        }

        /** The body ended: settle the promise. */
        @Override
        public void accept(T v, Throwable e) {
            loop.fiberEnded();
            if (e == null) {
                p.tryComplete(Lwt.FULFILLED, v, "LwtFiber: the fiber's end");
            } else if (!p.hasCallbacks() && !(e instanceof Lwt.Canceled) && reject(e)) {
                // Nobody waits for this failure yet: the loop reports it at its end unless someone
                // looks at it first (a callback, getNow, an await).
                loop.noteUnseenFailure(this, e, p::errorObserved);
            } else if (!reject(e) && !(e instanceof Lwt.Canceled)) {
                // Failed after being cancelled: nobody waits for this promise any more.
                Engine.current().reportAsync(e);
            }
        }

        private boolean reject(Throwable e) {
            return p.tryComplete(Lwt.REJECTED, e, "LwtFiber: the fiber's end") == Lwt.DONE;
        }

        /** The promise was cancelled: cancel the fiber. */
        @Override
        void run(Lwt<?> src, Engine e) {
            if (!loop.isClosed()) { // an ended loop's fiber stays where it is (counted when the loop ended)
                fiber.cancel(p.rawResult() instanceof Lwt.Canceled c ? c : new Lwt.Canceled());
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
        EventLoop l = homeLoop();
        if (l == null) {
            return Fiber.await(s);
        }
        l.beginExternalWait();                           // a virtual clock waits for the stage
        try {
            return Fiber.await(s);
        } finally {
            l.endExternalWait();
        }
    }

    /** The current fiber's loop, or null (outside a fiber, or a fiber on another home). */
    private static EventLoop homeLoop() {
        Fiber<?> f = Fiber.current();
        return f != null && f.home() instanceof EventLoop l ? l : null;
    }

    /**
     * Lets the loop run one turn (other fibers, I/O, timers), as {@code await(Lwt.pause())} does,
     * in order with paused promises, but without making a promise: the fiber itself is queued.
     *
     * @throws IllegalStateException outside a fiber
     * @throws Lwt.Canceled if the fiber was cancelled while it ran (see the class rules)
     */
    public static void pause() {
        Fiber.await(PAUSE, PAUSE); // the "promise" is a token: the fiber parks on its own loop (see Pause)
    }

    /** The current fiber's loop (its home: no thread-local lookup), else this thread's loop. */
    private static EventLoop loop(String what) {
        return loop(Fiber.current(), what);
    }

    /** {@code f}'s loop (f from {@link Fiber#current()}, maybe null), else this thread's loop. */
    private static EventLoop loop(Fiber<?> f, String what) {
        return f != null && f.home() instanceof EventLoop l ? l : EventLoop.require(what);
    }

    /**
     * What a paused fiber waits on is the loop's next turn. The await passes this awaiter as its own
     * promise, a token. A fiber of a loop parks on that loop's pause list itself, with no wait
     * object ({@link ParkingAwaiter}); so a pause looks the fiber up once, in the await, and
     * allocates nothing.
     */
    private static final Pause PAUSE = new Pause();
    private static final FiberAccess FIBERS = FiberAccess.get();

    private static final class Pause implements Awaiter.Suspending<Object, Void>, ParkingAwaiter<Object, Void> {
        @Override
        public Object park(Object token, Fiber<?> fiber, int ticket) {
            if (fiber.home() instanceof EventLoop l) {
                l.parkPaused(fiber, ticket);
                return null;
            }
            // A fiber of another home pausing on this thread's loop: that loop's next turn posts
            // the wake-up to the fiber's home, which runs it on its own thread.
            FiberHome home = fiber.home();
            EventLoop.require("LwtFiber.pause").pauseFiber((v, e) -> home.execute(() -> FIBERS.wake(fiber, ticket)));
            return null;
        }

        @Override
        public String describe(Object token) {
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
        Fiber<?> f = Fiber.current(); // once: the await below is handed the fiber
        loop(f, "LwtFiber.sleep").sleepFiber(f, delay);
    }

    /**
     * {@code Lwt_preemptive.detach} in direct style: runs {@code blocking} on the pool and waits
     * for it; the loop and the other fibers go on meanwhile. The work starts once the fiber is
     * suspended, so nothing runs when the call is refused.
     *
     * @throws IllegalStateException outside a fiber, before anything runs
     * @throws Lwt.Canceled if the fiber was cancelled while it ran (see the class rules), before
     *         anything runs
     */
    @SuppressWarnings("unchecked")
    public static <T> T detach(Callable<T> blocking) {
        Objects.requireNonNull(blocking, "LwtFiber.detach: blocking");
        if (Fiber.current() == null) {
            throw new IllegalStateException("LwtFiber.detach called outside a fiber: run it inside"
                    + " LwtFiber.start(() -> ...), or use LwtPreemptive.detach(blocking), which returns a"
                    + " promise, from promise-style code");
        }
        return (T) Fiber.await((Callable<Object>) blocking, DETACH);
    }

    /** detach's wait: the pool work starts after the capture (in the registration), then as await. */
    private static final Awaiter.Suspending<Callable<Object>, Object> DETACH = new Awaiter.Suspending<>() {
        @Override
        public Object onComplete(Callable<Object> blocking, BiConsumer<? super Object, ? super Throwable> wakeUp) {
            Lwt<Object> p = LwtPreemptive.detach(blocking);
            return new Detached(p, LwtAwaiter.<Object>get().onComplete(p, wakeUp));
        }

        @Override
        public void abandon(Callable<Object> blocking, Object registration) {
            Detached d = (Detached) registration;
            LwtAwaiter.<Object>get().abandon(d.promise, d.registration);
        }
    };

    private record Detached(Lwt<Object> promise, Object registration) {
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
                loop.beginExternalWait();             // a virtual clock waits for the block
            }, block);
        } finally {
            if (handed[0]) {
                // not reached when the loop ends first: the fiber stays counted
                loop.endExternalWait();
                loop.detachedEnded();
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
        EventLoop l = homeLoop();
        if (l == null) {
            return Fiber.awaitCallback(register);
        }
        l.beginExternalWait();                           // a virtual clock waits for the callback
        try {
            return Fiber.awaitCallback(register);
        } finally {
            l.endExternalWait();
        }
    }
    /**
     * Runs {@code body} in this fiber with a deadline ({@code Lwt_unix.with_timeout} in direct
     * style, kotlinx's {@code withTimeout}). If the body has not ended {@code seconds} from now, the
     * await it is suspended in throws a fresh {@link Lwt.Canceled} (and what it waited on is
     * cancelled, as when the fiber is cancelled: a lock or stream wait leaves its queue); the body's
     * {@code finally} blocks run (their awaits work as usual), and once the body has ended this
     * throws {@link TimeoutException}, with that {@code Canceled} as its cause. Once the deadline
     * has passed, the body's outcome is dropped for the timeout: a value it still returns, or a
     * different exception it throws (added to the {@code TimeoutException} as suppressed), except a
     * {@code Canceled} sent by someone else (the fiber itself was cancelled), which comes out as it
     * is. Nested timeouts work: each one only answers for its own deadline. The deadline is on the
     * loop's clock ({@link LwtUnix#now()}: virtual time under {@link LwtMain#runWithVirtualClock}).
     *
     * <p>A {@link #detached} block running at the deadline is not interrupted: {@code detached}
     * throws the {@code Canceled} when the block returns (LwtFiber's cancel rules), and this then
     * throws the {@code TimeoutException}.
     *
     * @param seconds the time limit, at least 0
     * @param body    the work, run at once in this fiber
     * @param <T>     the body's value type
     * @return the body's value, if it ends before the deadline
     * @throws TimeoutException         if the deadline passed first
     * @throws IllegalArgumentException if {@code seconds} is negative or NaN
     * @throws IllegalStateException    outside a fiber
     */
    public static <T> T withTimeout(double seconds, Supplier<T> body) throws TimeoutException {
        double delay = LwtUnix.checkDelay("LwtFiber.withTimeout", seconds);
        Objects.requireNonNull(body, "LwtFiber.withTimeout: body");
        Fiber<?> fiber = Fiber.current();
        if (fiber == null) {
            throw new IllegalStateException("LwtFiber.withTimeout called outside a fiber: the body runs in"
                    + " the calling fiber; wrap the code in LwtFiber.start(() -> ...), or use"
                    + " LwtUnix.withTimeout(seconds, () -> promise) in promise code");
        }
        Deadline deadline = new Deadline(fiber);
        Lwt<Void> timer = loop("LwtFiber.withTimeout").sleep(delay);
        timer.addCallback(deadline);
        T value;
        try {
            value = body.get();
        } catch (Throwable t) {
            if (deadline.reason == null || (t instanceof Lwt.Canceled && t != deadline.reason)) {
                throw t;
            }
            TimeoutException timeout = deadline.timeout(seconds);
            if (t != deadline.reason) {
                timeout.addSuppressed(t);
            }
            throw timeout;
        } finally {
            timer.cancel();
        }
        if (deadline.reason != null) {
            throw deadline.timeout(seconds);
        }
        return value;
    }

    /** withTimeout's timer callback: at the deadline, interrupts the fiber's pending await. */
    private static final class Deadline extends Lwt.Callback {
        private final Fiber<?> fiber;
        /** The Canceled sent at the deadline; null before it. */
        Lwt.Canceled reason;

        Deadline(Fiber<?> fiber) {
            this.fiber = fiber;
        }

        @Override
        void run(Lwt<?> timer, Engine e) {
            if (timer.state() == Lwt.FULFILLED) {
                reason = new Lwt.Canceled();
                fiber.cancel(reason);
            }
        }

        TimeoutException timeout(double seconds) {
            TimeoutException t = new TimeoutException("LwtFiber.withTimeout: the body did not end within "
                    + seconds + " s");
            t.initCause(reason);
            return t;
        }
    }
}
