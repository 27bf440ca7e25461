package loomcc.fiber;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import loomcc.internal.Throwing;
import loomcc.internal.cont.Backend;
import loomcc.internal.cont.Backends;
import loomcc.internal.cont.Runner;
import loomcc.internal.cont.Suspend;
import loomcc.internal.fiber.AwaitedHere;
import loomcc.internal.fiber.FiberAccess;
import loomcc.internal.fiber.FiberSuspendEvent;
import loomcc.internal.fiber.LiveFibers;
import loomcc.internal.fiber.LocalAwaiter;
import loomcc.internal.fiber.Nesting;
import loomcc.internal.fiber.ParkingAwaiter;
import loomcc.internal.fiber.TrackedHome;

/**
 * A fiber: a body of direct-style code that runs on a {@link FiberHome} and suspends, without
 * blocking the home, when it awaits a promise that is still pending.
 *
 * <h2>Reading guide</h2>
 * <ol>
 *   <li><b>Start.</b> {@link #start} runs the body at once, on the home's thread, as a runner of
 *       the continuation backend (the JDK's {@code jdk.internal.vm.Continuation} by default)
 *       of its own, until it ends or first suspends. Fibers use the backend directly, not
 *       through {@link loomcc.cont.Prompt}: an await then costs the JDK's freeze and thaw, a
 *       few field writes and no thread-local; plus, for a promise another thread may complete,
 *       a {@link Wait} (kept and reused by the fiber) and one CAS.
 *   <li><b>Await.</b> {@link #await(Object, Awaiter)}: a completed promise answers at once (no
 *       capture, no allocation). A pending one: the fiber yields; then {@link #drive}, which
 *       runs after the capture and outside the fiber (Eio's Suspend), arms the await's
 *       {@link Wait} and registers it as the promise's callback. So a callback can never find a
 *       fiber half-suspended: there is no resume-before-suspend window to lose.
 *   <li><b>Wake.</b> The first of "the promise completed" and "the fiber was cancelled" wins the
 *       Wait's CAS; the loser does nothing. The winner resumes the fiber on its home: inline when
 *       already on the home thread (as one more callback of the promise), else through
 *       {@link FiberHome#execute}.
 *   <li><b>Park.</b> An awaiter whose wait the home alone ends ({@link ParkingAwaiter}: on the
 *       Lwt loop a pause, a sleep, a pending {@code Lwt}, a stream read) takes the fiber itself
 *       instead of a Wait, with a ticket (the count of resumes); the home hands the fiber back
 *       with that ticket ({@link #wakeParked}). Nothing races on another thread, so there is no
 *       CAS: a cancel resumes the fiber at once, and a wake-up whose ticket is stale does nothing.
 *   <li><b>End.</b> The body's value or exception goes to the {@code onDone} callback, always on
 *       the home thread.
 *   <li><b>Detached.</b> {@link #detached} is CPC's {@code cpc_detached} without moving frames:
 *       the fiber suspends on its home as for an await, and the block runs on a pool thread in
 *       frames of its own, seeing the fiber's locals; its outcome resumes the fiber on the home.
 *       A fiber's frames never run on another thread than its home's (see {@link Detached}).
 * </ol>
 *
 * <h2>Which fiber is running</h2>
 * The current fiber is the innermost runner of the fibers' scope on this thread's stack of
 * mounted continuations, the JDK's own bookkeeping, read in a few field loads: no thread-local
 * to keep in step with the fiber. In a detached block, on the pool thread, it is the fiber the
 * block belongs to, bound for the block's extent by a {@link ScopedValue}.
 *
 * <h2>States</h2>
 * A fiber's state changes only on its home thread, in {@link #drive}, {@link #wakeParked},
 * {@link #cancel}, {@link Wait#arm}, {@link Wait#resume} and {@link Detached}:
 * <pre>
 *   RUNNING  -> WAITING   // await on a pending promise: captured, then a Wait is armed (shift's function)
 *   RUNNING  -> WAITING   // await through a ParkingAwaiter: captured, then parked with it (no Wait)
 *   WAITING  -> RUNNING   // the Wait fired (completion or cancel) and the home resumed the continuation
 *   WAITING  -> RUNNING   // parked: woken with the current ticket, or cancelled
 *   RUNNING  -> DETACHED  // detached(block): captured, then the block is handed to the pool
 *   DETACHED -> RUNNING   // the block ended: its outcome was posted to the home, which resumes the fiber
 *   RUNNING  -> DONE      // the body returned or threw; onDone is called on the home
 * </pre>
 * A {@link Wait} (one per suspending await) is the part other threads touch:
 * <pre>
 *   ARMED -> FIRED       // the promise's callback: first CAS wins (a plain check on the home,
 *                        // where cancel also runs), resume is sent to the home
 *   ARMED -> CANCELLED   // cancel() on the home: first CAS wins, Awaiter.abandon, resume with the reason
 *   FIRED -> CANCELLED   // cancel() on the home while the resume FIRED sent is still queued there:
 *                        // the cancel wins, resumes with the reason; the queued resume does nothing
 *   CANCELLED            // a later callback finds the CAS lost and does nothing
 * </pre>
 *
 * <h2>Cancellation</h2>
 * {@link #cancel} makes a pending await throw the given exception inside the fiber (its
 * {@code finally} blocks run before {@code cancel} returns) and abandons the awaited promise (the
 * {@link Awaiter} decides whether that cancels it). That holds also when the promise has already
 * completed from another thread but the fiber has not run again (its resume is still queued on
 * the home): the cancel wins, the queued resume finds the wait CANCELLED and does nothing, and the
 * outcome stays with the promise. A fiber that is running (it cancelled itself, or code on its own
 * stack did) or detached is not interrupted: the reason is kept, and its next suspension point
 * ({@link #await}, {@link #awaitCallback}, {@link #detached}, even on a completed promise) throws
 * it instead of waiting; {@link #detached} also throws it when its block returns. Either way that
 * one call only: a fiber that catches the exception and goes on is an ordinary fiber again.
 *
 * <h2>A home that counts nesting</h2>
 * A home that implements {@link Nesting} (the Lwt loop counts its callback nesting) is told when
 * the fiber's code starts and stops running on its thread ({@link #drive}: mount, unmount), so a
 * suspended fiber holds none of its count; and, inside the fiber, before each suspension and when
 * the body ends, it runs what the fiber's own code deferred ({@link Nesting#settle}), in the fiber.
 *
 * <h2>Threading</h2>
 * {@link #start} and {@link #cancel} on the home thread only; {@link #await}, {@link #detached},
 * {@link #awaitCallback} and {@link #current} from inside the fiber; the rest from any thread.
 *
 * @param <T> the body's result type
 */
public final class Fiber<T> {

    /** The continuation engine all fibers run on, and the one scope they suspend to. */
    private static final Backend BACKEND = Backends.defaultBackend();
    /** One scope for all fibers: an await suspends the innermost fiber running on this thread. */
    private static final Object SCOPE = BACKEND.newScope("fiber");
    /** On a pool thread running a detached block: the fiber the block belongs to. */
    private static final ScopedValue<Fiber<?>> DETACHED_BLOCK = ScopedValue.newInstance();
    /**
     * Every fiber's runner runs this one body, which finds its fiber through the runner it runs in:
     * a lambda per fiber ({@code this::runBody}) would cost each suspended fiber 16 bytes.
     */
    private static final Runnable RUN_BODY = () -> ((Fiber<?>) BACKEND.current(SCOPE).attachment()).runBody();

    static {
        FiberAccess.install(new FiberAccess() {
            @Override
            public <P, V> V await(Fiber<?> self, P promise, Awaiter<P, V> awaiter) {
                return Fiber.await(self, promise, awaiter);
            }

            @Override
            public void wake(Fiber<?> fiber, int ticket) {
                fiber.wakeParked(ticket, null, null);
            }

            @Override
            public void wake(Fiber<?> fiber, int ticket, Object value, Throwable error) {
                if (onHome(fiber.home)) {
                    fiber.wakeParked(ticket, value, error);
                } else {
                    fiber.home.execute(() -> fiber.wakeParked(ticket, value, error));
                }
            }
        });
    }

    enum State { RUNNING, WAITING, DETACHED, DONE }

    private final FiberHome home;
    /** The home, when it counts nesting (see the class comment); else null. */
    private final Nesting nesting;
    /** The nesting levels the fiber's own frames hold while they are off the home's thread. */
    private int ownNesting;
    /** A cancel that found the fiber running or detached: its next suspension point throws it. */
    private Throwable cancelRequest;
    private final BiConsumer<? super T, ? super Throwable> onDone;
    private final Runner runner;
    private Supplier<? extends T> body;
    private State state = State.RUNNING;
    /**
     * The armed wait while WAITING; otherwise the wait of the last await if it fired through its
     * callback (nothing refers to it any more: the next await arms it again), or null.
     */
    private Wait wait;
    private IdentityHashMap<FiberLocal<?>, Object> locals;
    /** The name given at start, or null: then {@link #name()} is {@code fiber-<id>}. */
    private final String name;
    /** Numbered by the home ({@link FiberHome#nextFiberId}), for the default name. */
    private final int id;

    // Observability (dumps, watchdogs, JFR). Written on the home thread; the await path pays a
    // clock read and a few plain writes, and one check of whether JFR records suspensions.
    /** The home's list of live fibers when it keeps one ({@link TrackedHome}), else null. */
    private final LiveFibers registry;
    /** Neighbours in {@link #registry}'s list while this fiber is live. */
    private Fiber<?> prevLive;
    private Fiber<?> nextLive;
    /**
     * When the last suspension began: {@link LiveFibers#clockNanos()} in units of 2^20 ns (about a
     * millisecond), cut to an int. A difference of two such stamps is exact to a unit for
     * suspensions shorter than about 26 days, and the field takes half the room of a long.
     */
    private int suspendedAt;

    // The hand-offs between the body (inside the runner) and drive (outside it). The body does as
    // little as it can before it yields: the smaller the await path, the more of it the JIT
    // inlines into the caller's frame, and the fewer frames each suspension freezes and thaws.
    /**
     * Set by an await before it yields: drive arms a wait on {@link #awaited} with this awaiter,
     * and clears it; or parks the fiber with it ({@link ParkingAwaiter}), and keeps it while the
     * fiber is parked: WAITING with this set means parked, with no wait object.
     */
    private Awaiter<?, ?> awaiting;
    /**
     * The promise of the await in progress: set before the yield, kept while WAITING (the armed
     * wait reads it from here), cleared when the fiber runs again. While DETACHED: the block in
     * flight (a {@link Detached}). Else null.
     */
    private Object awaited;
    /** Set by detached before it yields: what drive runs once the capture is done. */
    private Runnable afterYield;
    /**
     * Counts drive's runs of the runner, so a suspension tells a real resume from a refused yield;
     * also a park's ticket (a wake-up for an earlier park finds the count moved on).
     */
    private int resumes;
    /**
     * What passes across the runner's edge: into the body, what the suspended call returns or
     * throws (set by drive before it resumes the runner); out of it, the body's value or
     * exception when the body ends. One pair of fields serves both: they are never in use at once.
     * While the fiber is parked, {@code passValue} holds its park's registration (for a cancel).
     */
    private Object passValue;
    private Throwable passError;

    private Fiber(FiberHome home, String name, Supplier<? extends T> body,
            BiConsumer<? super T, ? super Throwable> onDone, Fiber<?> starter) {
        this.home = home;
        this.name = name;
        this.id = home.nextFiberId();
        this.registry = home instanceof TrackedHome t ? t.fiberList() : null;
        this.nesting = home instanceof Nesting n ? n : null;
        this.body = body;
        this.onDone = onDone;
        this.runner = BACKEND.newRunner(SCOPE, RUN_BODY);
        runner.attach(this);
        if (starter != null && starter.locals != null) {
            this.locals = new IdentityHashMap<>(starter.locals);
        }
    }

    /**
     * Starts a fiber: runs {@code body} at once, on the calling thread, until it ends or first
     * suspends, then returns. {@code onDone} is called once, on the home thread, with the body's
     * value or the exception it threw (the same instance); an exception thrown by {@code onDone}
     * itself comes out of whatever is running the fiber at that moment (this call, or the home's
     * task that resumed it).
     *
     * @throws IllegalStateException if the calling thread is not the home's thread
     */
    public static <T> Fiber<T> start(FiberHome home, Supplier<? extends T> body,
            BiConsumer<? super T, ? super Throwable> onDone) {
        return start(home, null, body, onDone);
    }

    /**
     * {@link #start(FiberHome, Supplier, BiConsumer)} with a name, which shows in dumps, warnings,
     * {@link #toString} and JFR events; null gives the default name {@code fiber-<id>}, numbered by
     * the home.
     *
     * @throws IllegalStateException if the calling thread is not the home's thread
     */
    public static <T> Fiber<T> start(FiberHome home, String name, Supplier<? extends T> body,
            BiConsumer<? super T, ? super Throwable> onDone) {
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(onDone, "onDone");
        if (!onHome(home)) {
            throw new IllegalStateException("Fiber.start called on " + Thread.currentThread()
                    + ", which is not the home's thread: start fibers from the home's thread (post the"
                    + " start with home.execute(...) from other threads)");
        }
        Fiber<T> f = new Fiber<>(home, name, body, onDone, current());
        f.link();
        f.drive(null, null);
        return f;
    }

    /** The fiber running on this thread, or null outside any fiber. */
    public static Fiber<?> current() {
        Runner r = BACKEND.current(SCOPE);
        if (r != null) {
            return (Fiber<?>) r.attachment();
        }
        return DETACHED_BLOCK.isBound() ? DETACHED_BLOCK.get() : null;
    }

    /**
     * True when the calling code runs on {@code home}'s behalf: on its thread, or in the body of
     * one of its fibers. The two differ only on the virtual-thread backend, where a fiber's body
     * runs on a virtual thread of its own while the home's thread waits for it; code there may
     * do what the home's thread may do. A detached block is not on its home.
     */
    public static boolean onHome(FiberHome home) {
        if (home.inHome()) {
            return true;
        }
        Fiber<?> f = current();
        return f != null && f.home == home && f.state == State.RUNNING;
    }

    /** The name given at start, or {@code fiber-<id>} (the id numbered by the home). Any thread. */
    public String name() {
        String n = name;
        return n != null ? n : "fiber-" + Integer.toUnsignedString(id);
    }

    /** This fiber's home. */
    public FiberHome home() {
        return home;
    }

    /** True once the body has ended and {@code onDone} was called (or is being called). */
    public boolean isDone() {
        return state == State.DONE;
    }

    /**
     * Waits, in direct style, for {@code promise} to complete, and returns its value or throws
     * its error (the same instance). A completed promise answers at once, with no capture and no
     * allocation; a pending one suspends only this fiber and its home goes on.
     *
     * @throws IllegalStateException outside a fiber (even on a completed promise, so the mistake
     *         shows at once), and in a {@link #detached} block, which is not on the home
     * @throws loomcc.cont.PinnedException when the fiber's stack cannot be captured; the fiber
     *         goes on from the await
     * @throws loomcc.cont.StackTooDeepException when the stack is too large to capture
     */
    public static <P, V> V await(P promise, Awaiter<P, V> awaiter) {
        // Flat on purpose: every call level between the caller and the JDK's lookup of the current
        // continuation counts against C2's inlining depth (MaxInlineLevel, 15), and past it the
        // lookup became two real calls per await in code a dozen frames deep in the fiber body.
        return await(current(), promise, awaiter);
    }

    /** {@link #await(Object, Awaiter)} with the current fiber (or null) already looked up. */
    private static <P, V> V await(Fiber<?> f, P promise, Awaiter<P, V> awaiter) {
        if (f != null && f.state == State.RUNNING && f.cancelRequest == null && awaiter.isDone(promise)) {
            return now(f, promise, awaiter);
        }
        return awaitPending(f, promise, awaiter); // kept out of line: the fast path above stays small
    }

    /** await, past the fast path: a misuse or a cancel to throw, or a suspension. */
    private static <P, V> V awaitPending(Fiber<?> f, P promise, Awaiter<P, V> awaiter) {
        if (f == null) {
            f = requireCurrent("await (of " + describe(promise, awaiter) + ")"); // outside a fiber: throws, naming what was awaited
        }
        if (f.state != State.RUNNING) {
            requireSuspendable("await");            // throws, naming the mistake
        }
        return f.awaitPending(promise, awaiter);
    }

    private <P, V> V awaitPending(P promise, Awaiter<P, V> awaiter) {
        if (cancelRequest != null) {
            throw cancelledNow();
        }
        Nesting n = nesting;
        if (n != null) {
            n.settle(); // what this fiber's code deferred runs now, in it: it may settle the promise
            if (cancelRequest != null) {
                throw cancelledNow();
            }
            if (awaiter.isDone(promise)) {
                return now(this, promise, awaiter);
            }
        }
        awaited = promise;
        awaiting = awaiter;
        @SuppressWarnings("unchecked")
        V v = (V) suspend(true);
        return v;
    }

    private static <P, V> V now(Fiber<?> f, P promise, Awaiter<P, V> awaiter) {
        try {
            return awaiter.getNow(promise);
        } catch (Throwable t) {
            AwaitedHere.annotate(t, f.toString());
            throw t;
        }
    }

    /**
     * Waits for a {@code CompletionStage}. A completion on another thread resumes the fiber on
     * its home, never on the completing thread. The stage's exception is thrown as itself: a
     * {@link java.util.concurrent.CompletionException} around it is taken off on every path.
     * Cancelling the fiber while it waits cancels the stage if it is a pending {@code Future}.
     * Any stage works: {@code CompletableFuture.completedStage(x)} and
     * {@code minimalCompletionStage()} (which refuse {@code isDone()}) and stages that are not a
     * {@code Future}; a completed one answers without suspending when it can tell
     * ({@code toCompletableFuture()}), else on the fiber's next run, without a turn of the home.
     */
    public static <V> V await(CompletionStage<V> stage) {
        Objects.requireNonNull(stage, "stage");
        @SuppressWarnings("unchecked")
        Awaiter<CompletionStage<V>, V> a = (Awaiter<CompletionStage<V>, V>) (Awaiter<?, ?>) CompletionStageAwaiter.INSTANCE;
        return await(stage, a);
    }

    /**
     * Turns a callback-style call into a value: {@code register} starts the operation and hands
     * it the callback. The fiber waits until the callback is called, from any thread; then
     * {@code awaitCallback} returns the value or throws the error. The first call of the
     * callback wins; a second call throws {@link IllegalStateException} to its caller.
     */
    public static <V> V awaitCallback(Consumer<? super Callback<V>> register) {
        Objects.requireNonNull(register, "register");
        Fiber<?> f = requireSuspendable("awaitCallback");
        if (f.cancelRequest != null) {
            throw f.cancelledNow(); // before the operation starts
        }
        OneShotCallback<V> cb = new OneShotCallback<>();
        register.accept(cb);
        return await(cb, OneShotCallback.awaiter());
    }

    /**
     * Runs {@code block} on {@code pool} on behalf of this fiber, and waits for it: the fiber
     * suspends on its home (the home goes on meanwhile), the block runs on a pool thread, and
     * its value or exception (the same instance) comes out of this call, back on the home.
     *
     * <p>In the block, {@code Thread.currentThread()} and every {@code ThreadLocal} are the pool
     * thread's, and {@link #current()} and the {@link FiberLocal}s are this fiber's. The fiber's
     * own frames stay on the home: on JDK 25, C2-compiled frames moved to another thread may keep
     * the old thread (see {@link loomcc.cont.Continuation}). The block must not await or detach
     * (it is not on the home): those throw {@link IllegalStateException} in it.
     *
     * <p>A {@link #cancel} while the block runs does not interrupt it; when it returns, this call
     * throws the cancel's reason (the block's own exception, if any, added as suppressed). If the
     * home has stopped by the time the block returns, its outcome is dropped: nothing can resume
     * the fiber any more, and nothing is thrown into the pool thread.
     *
     * @throws RejectedExecutionException (thrown in the fiber) if the pool refuses the task
     */
    public static <V> V detached(Executor pool, Supplier<? extends V> block) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(block, "block");
        Fiber<?> f = requireSuspendable("detached");
        if (f.cancelRequest != null) {
            throw f.cancelledNow();
        }
        if (f.nesting != null) {
            f.nesting.settle(); // the fiber's deferred work runs on the home, before it waits
        }
        Detached<V> d = new Detached<>(f, block);
        f.afterYield = () -> d.start(pool);            // after the capture, on the home
        @SuppressWarnings("unchecked")
        V v = (V) f.suspend(false);
        return v;
    }

    /**
     * Cancels what the fiber waits for, now or next:
     * <ul>
     *   <li>waiting in an await: that await throws {@code reason} in the fiber at once (the fiber
     *       runs until its next suspension, its {@code finally} blocks included, before this
     *       returns), also when the awaited promise has completed but the fiber has not run again;
     *       the awaited promise is abandoned if it was still pending;
     *   <li>running (this is called from the fiber's own stack) or detached: its next suspension
     *       point throws {@code reason} (see the class comment), once;
     *   <li>done: nothing.
     * </ul>
     *
     * In a {@link #detached} block, the block goes on and {@code detached} throws
     * {@code reason} when it returns.
     *
     * @return false only when the fiber is done
     * @throws IllegalStateException if not called on the home thread
     */
    public boolean cancel(Throwable reason) {
        Objects.requireNonNull(reason, "reason");
        if (!onHome(home)) {
            throw new IllegalStateException("Fiber.cancel must be called on the fiber's home thread");
        }
        switch (state) {
            case WAITING -> {
                Awaiter<?, ?> parkedWith = awaiting;
                if (parkedWith != null) {              // parked: resume with the reason, no wait to race
                    @SuppressWarnings("unchecked")
                    ParkingAwaiter<Object, ?> pa = (ParkingAwaiter<Object, ?>) parkedWith;
                    Object p = awaited;
                    Object registration = passValue;
                    awaiting = null;
                    awaited = null;
                    passValue = null;
                    state = State.RUNNING;
                    try {
                        pa.unpark(p, registration);
                    } catch (Throwable t) {
                        reason.addSuppressed(t);
                    }
                    drive(null, reason);
                    return true;
                }
                Wait w = wait;
                return w != null && w.cancel(reason);
            }
            case DETACHED -> {
                Detached<?> d = (Detached<?>) awaited;
                if (d != null) {
                    return d.cancel(reason);
                }
                if (cancelRequest == null) {
                    cancelRequest = reason;
                }
                return true;
            }
            case RUNNING -> {
                if (cancelRequest == null) { // a second cancel before the first is seen: the first wins
                    cancelRequest = reason;
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** The kept cancel reason, taken (that one call only), noted with the fiber's frames. */
    private RuntimeException cancelledNow() {
        Throwable r = cancelRequest;
        cancelRequest = null;
        AwaitedHere.annotate(r, toString());
        throw Throwing.sneaky(r);
    }

    /** {@code Fiber[<name>, <state>]}. Any thread (the state may be stale). */
    @Override
    public String toString() {
        return "Fiber[" + name() + ", " + state + "]";
    }

    // ------------------------------------------------------------------------------ internals

    static Fiber<?> requireCurrent(String what) {
        Fiber<?> f = current();
        if (f == null) {
            throw new IllegalStateException(what + " called outside a fiber: run this code inside one,"
                    + " e.g. LwtFiber.start(() -> ...) on an Lwt loop, or Fiber.start(home, ...)");
        }
        return f;
    }

    /** The current fiber, which must be on its home: it is about to suspend. */
    private static Fiber<?> requireSuspendable(String what) {
        Fiber<?> f = requireCurrent(what);
        if (f.state == State.DETACHED) {
            throw new IllegalStateException(what + " called in a detached block, which runs on a pool"
                    + " thread, not on the fiber's home: return from the block first, then " + what);
        }
        return f;
    }

    /**
     * Runs the fiber on the calling thread: its body from the start, or from the suspension it is
     * in (which then returns {@code value} or throws {@code error}), until it suspends or ends.
     */
    private void drive(Object value, Throwable error) {
        for (;;) {
            passValue = value;
            passError = error;
            resumes++;
            // A detached leg runs off the home: its home's nesting count and fiber list are not
            // touched there.
            boolean onHome = state == State.RUNNING;
            Nesting n = onHome ? nesting : null;
            LiveFibers reg = onHome ? registry : null;
            Fiber<?> outer = null;
            if (reg != null) {
                if (reg.jfr != null) {                 // JFR records suspensions: end this one's
                    FiberSuspendEvent ev = reg.jfr.remove(this);
                    if (ev != null) {
                        ev.end();
                        if (ev.shouldCommit()) {   // the threshold: only the long suspensions
                            ev.commit();
                        }
                    }
                }
            }
            if (n != null) {
                n.mount(this, ownNesting);             // the home records the running fiber too
            } else if (reg != null) {
                outer = reg.running;
                reg.running = this;
            }
            boolean done;
            try {
                done = runner.runUntilYield();
            } finally {
                if (n != null) {
                    ownNesting = n.unmount();
                } else if (reg != null) {
                    reg.running = outer;
                }
            }
            if (done) {
                @SuppressWarnings("unchecked")
                T result = (T) passValue;
                complete(result, passError);
                return;
            }
            if (reg != null) {
                suspendedAt = stamp(reg.clockNanos());
            }
            Awaiter<?, ?> a = awaiting;                // the body yielded: finish its suspension here
            if (a == null) {
                Runnable r = afterYield;
                afterYield = null;
                r.run();
                return;
            }
            Object p = awaited;                        // kept while WAITING: the wait reads it
            if (a instanceof ParkingAwaiter<?, ?> pa) {   // no wait object: the home hands the fiber back
                if (reg != null && FiberSuspendEvent.recording()) {
                    beginJfr(p, a);
                }
                state = State.WAITING;
                try {
                    passValue = park(pa, p);           // the registration, while parked (see passValue)
                    return;                            // suspended until wakeParked
                } catch (Throwable t) {
                    state = State.RUNNING;             // the await throws what the park threw
                    awaiting = null;
                    awaited = null;
                    value = null;
                    error = t;
                    continue;
                }
            }
            awaiting = null;
            Wait w = wait;
            if (w == null) {
                w = new Wait(this);
                wait = w;
            }
            if (reg != null && FiberSuspendEvent.recording()) {
                beginJfr(p, a);
            }
            if (!w.arm(p, a)) {
                return;                                // suspended until the wait fires
            }
            // The outcome was there as soon as it was registered for: go on at once, in this loop
            // (not by recursion, so a fiber awaiting many such promises keeps a flat stack).
            value = w.value;
            error = w.error;
            w.resumed(w.reusable);
        }
    }

    @SuppressWarnings("unchecked")
    private Object park(ParkingAwaiter<?, ?> awaiter, Object promise) {
        return ((ParkingAwaiter<Object, ?>) awaiter).park(promise, this, resumes);
    }

    /**
     * {@link FiberAccess#wake}: the park with {@code ticket} is over; the await returns
     * {@code value} or throws {@code error}. Home thread.
     */
    private void wakeParked(int ticket, Object value, Throwable error) {
        if (state != State.WAITING || resumes != ticket || awaiting == null) {
            return;                                    // stale: a cancel resumed the fiber since that park
        }
        awaiting = null;
        awaited = null;
        state = State.RUNNING;
        drive(value, error);                           // (drive overwrites the registration in passValue)
    }

    private void runBody() {
        Supplier<? extends T> b = body;
        body = null;
        passValue = null;
        try {
            passValue = b.get();
        } catch (Throwable t) {
            passError = t;
        }
        if (nesting != null && state == State.RUNNING) {
            nesting.settle(); // what the body deferred runs in the fiber, before it ends
        }
    }

    private void complete(T value, Throwable error) {
        if (!onHome(home)) { // the body ended off the home (a detached block that could not get back)
            home.execute(() -> complete(value, error));
            return;
        }
        state = State.DONE;
        unlink();
        wait = null;
        locals = null;
        passValue = null;
        passError = null;
        onDone.accept(value, error);
    }

    /**
     * In the body: yields this fiber's runner (what drive does after the capture was set just
     * before: {@link #awaiting} or {@link #afterYield}); returns what the resume brings, or throws
     * it, with a note of the fiber's frames when {@code await} (the promise's error, or the cancel
     * reason).
     */
    private Object suspend(boolean await) {
        int seen = resumes;
        String pinned;
        try {
            pinned = BACKEND.suspend(runner);
        } catch (StackOverflowError e) {
            throw notSuspended(e, await);
        }
        if (pinned != null || resumes == seen) {
            // Not suspended: pinned here, or (Loom backend) an outer level of a nested capture was
            // pinned and the JDK re-entered us at once. Either way no resume happened.
            throw notSuspended(pinned, await);
        }
        Throwable e = passError;
        Object v = passValue;
        passError = null;
        passValue = null;
        if (e != null) {
            throw resumedWith(e, await);
        }
        return v;
    }

    private RuntimeException resumedWith(Throwable e, boolean await) {
        if (await) {
            AwaitedHere.annotate(e, toString());
        }
        throw Throwing.sneaky(e);
    }

    private Error notSuspended(StackOverflowError e, boolean await) {
        String verb = forget(await);
        throw Suspend.tooDeep(e, verb, " in ", this, " and its fiber's start"); // formats nothing here
    }

    private RuntimeException notSuspended(String pinned, boolean await) {
        String verb = forget(await);
        return Suspend.pinned(BACKEND, verb, verb + " in " + this, pinned);
    }

    /** A suspension that did not happen: drop what drive would have done after it. */
    private String forget(boolean await) {
        awaiting = null;
        awaited = null;
        afterYield = null;
        return await ? "await" : "detached";
    }

    // ------------------------------------------------------------------------------ observability

    /** Joins the home's list of live fibers, if it keeps one. Home thread. */
    private void link() {
        LiveFibers reg = registry;
        if (reg == null) {
            return;
        }
        Fiber<?> t = reg.tail;
        prevLive = t;
        if (t == null) {
            reg.head = this;
        } else {
            t.nextLive = this;
        }
        reg.tail = this;
        reg.count++;
    }

    /** Leaves the list (the fiber ended). Home thread. */
    private void unlink() {
        LiveFibers reg = registry;
        if (reg == null || (prevLive == null && reg.head != this)) {
            return; // not tracked, or already out
        }
        Fiber<?> p = prevLive;
        Fiber<?> n = nextLive;
        if (p == null) {
            reg.head = n;
        } else {
            p.nextLive = n;
        }
        if (n == null) {
            reg.tail = p;
        } else {
            n.prevLive = p;
        }
        prevLive = null;
        nextLive = null;
        reg.count--;
    }

    private void beginJfr(Object promise, Awaiter<?, ?> awaiter) {
        FiberSuspendEvent e = new FiberSuspendEvent();
        if (e.isEnabled()) {          // shouldCommit would ask the threshold before the duration is known
            e.fiber = name();
            e.waitsFor = describe(promise, awaiter);
            e.begin();
            if (registry.jfr == null) {
                registry.jfr = new IdentityHashMap<>();
            }
            registry.jfr.put(this, e);
        }
    }

    /** {@link LiveFibers#clockNanos()} as a {@link #suspendedAt} stamp. */
    private static int stamp(long nanos) {
        return (int) (nanos >> STAMP_SHIFT);
    }

    private static final int STAMP_SHIFT = 20;

    @SuppressWarnings("unchecked")
    private static String describe(Object promise, Awaiter<?, ?> awaiter) {
        String d = null;
        try {
            d = ((Awaiter<Object, ?>) awaiter).describe(promise);
        } catch (RuntimeException e) {
            d = "(describe failed: " + e + ")"; // a dump must not fail for one fiber
        }
        return d != null ? d : "a " + promise.getClass().getSimpleName() + " " + promise;
    }

    /**
     * True when something other than the home's own work is to wake this fiber: it runs a
     * detached block, or it waits for a {@code CompletionStage}, a callback, or any promise whose
     * {@link Awaiter} is not known to be completed by the home alone. Home thread.
     */
    public boolean awaitsAnotherThread() {
        State st = state;
        Wait w = wait;
        return st == State.DETACHED     // (a parked fiber waits for its home: awaiting is a ParkingAwaiter)
                || (st == State.WAITING && awaiting == null && w != null && !(w.awaiter instanceof LocalAwaiter));
    }

    /**
     * The live fibers of {@code home}, oldest first: started and not ended (a fiber suspended on
     * a promise nobody holds any more counts until the home ends). Only homes that list their
     * fibers (an Lwt event loop does) have any; for others the list is empty. Home thread.
     */
    public static List<Fiber<?>> live(FiberHome home) {
        if (!(home instanceof TrackedHome t)) {
            return List.of();
        }
        List<Fiber<?>> all = new ArrayList<>(t.fiberList().count);
        for (Fiber<?> f = t.fiberList().head; f != null; f = f.nextLive) {
            all.add(f);
        }
        return all;
    }

    /**
     * This fiber as a thread dump shows a thread: a line with its name, its state ({@code
     * running}, {@code suspended} or {@code detached}), for how long (to within a tenth of a
     * second, on its home's clock) and what it waits for, then its own frames as {@code at ...}
     * lines (those of a suspended fiber, and of a running one on the vthread backend, where it
     * has a thread of its own; otherwise a running one is on its home thread's stack, a
     * detached one on a pool thread's). Home thread; a watchdog may call it from another thread
     * for the running fiber (the state it reads may then be stale).
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append('"').append(name()).append("\" ");
        State st = state;
        LiveFibers reg = registry;
        String since = reg == null ? "" : String.format(Locale.ROOT, " for %.1f s",
                Math.max(0, stamp(reg.clockNanos()) - suspendedAt) * (double) (1 << STAMP_SHIFT) / 1e9);
        switch (st) {
            case RUNNING -> sb.append("running");
            case DONE -> sb.append("done");
            case DETACHED -> sb.append("detached").append(since).append(", running a block on a pool thread");
            case WAITING -> {
                Wait w = wait;
                Awaiter<?, ?> parkedWith = awaiting;
                sb.append("suspended").append(since);
                if (parkedWith != null) {
                    sb.append(", waits for ").append(describe(awaited, parkedWith));
                } else if (w != null && w.awaiter != null) {
                    sb.append(", waits for ").append(describe(awaited, w.awaiter));
                }
            }
        }
        sb.append('\n');
        // A suspended continuation is walked only on the home thread, where nothing can mount it
        // meanwhile; from elsewhere (a watchdog) only a fiber's own thread is looked at.
        StackTraceElement[] frames = st == State.WAITING ? (onHome(home) ? runner.stackTrace() : new StackTraceElement[0])
                : st == State.RUNNING ? runner.runningStackTrace() // on a thread of its own (vthread backend)
                : new StackTraceElement[0];
        for (StackTraceElement e : ownFrames(frames, st == State.WAITING)) {
            sb.append("\tat ").append(e).append('\n');
        }
        return sb.toString();
    }

    /** The frames of the fiber's own code: without the capture's frames on top and the runner's below. */
    static List<StackTraceElement> ownFrames(StackTraceElement[] frames, boolean suspended) {
        int from = 0;
        while (suspended && from < frames.length && isMachinery(frames[from].getClassName())) {
            from++;
        }
        int to = frames.length;
        for (int i = frames.length - 1; i >= from; i--) {
            if (frames[i].getClassName().equals(Fiber.class.getName()) && frames[i].getMethodName().equals("runBody")) {
                to = i;
                break;
            }
        }
        return List.of(frames).subList(from, Math.max(from, to));
    }

    private static boolean isMachinery(String c) {
        return c.startsWith("java.") || c.startsWith("jdk.internal.") || c.startsWith("loomcc.internal.")
                || c.equals(Fiber.class.getName()) || c.startsWith(Fiber.class.getName() + "$");
    }

    boolean hasLocal(FiberLocal<?> key) {
        return locals != null && locals.containsKey(key);
    }

    Object getLocal(FiberLocal<?> key) {
        return locals.get(key);
    }

    void setLocal(FiberLocal<?> key, Object value) {
        if (locals == null) {
            locals = new IdentityHashMap<>(4);
        }
        locals.put(key, value);
    }

    void removeLocal(FiberLocal<?> key) {
        if (locals != null) {
            locals.remove(key);
        }
    }

    /**
     * One {@link #detached} block: handed to the pool once the fiber is captured, run there in
     * frames of its own (so C2 never sees the fiber's frames change thread), its outcome posted
     * back to the home, which resumes the fiber with it.
     *
     * <pre>
     *   start (home)       fiber RUNNING -> DETACHED; pool.execute(this), or resume with the refusal
     *   run (pool thread)  the block, with DETACHED_BLOCK bound to the fiber; post backHome
     *   cancel (home)      remember the first reason; the block goes on
     *   backHome (home)    fiber DETACHED -> RUNNING; resume with the outcome, or the reason
     * </pre>
     * What the pool thread writes ({@code value}, {@code error}) is published to the home by
     * {@link FiberHome#execute}; {@code reason} is written and read on the home only.
     */
    private static final class Detached<V> implements Runnable {
        private final Fiber<?> fiber;
        private Supplier<? extends V> block;
        private V value;
        private Throwable error;
        private Throwable reason;

        Detached(Fiber<?> fiber, Supplier<? extends V> block) {
            this.fiber = fiber;
            this.block = block;
        }

        /** On the home, after the capture. */
        void start(Executor pool) {
            fiber.state = State.DETACHED;
            fiber.awaited = this;
            try {
                pool.execute(this);
            } catch (RejectedExecutionException e) {
                fiber.state = State.RUNNING;
                fiber.awaited = null;
                fiber.drive(null, e);
            }
        }

        /** On the pool thread. */
        @Override
        public void run() {
            Supplier<? extends V> b = block;
            block = null;
            try {
                value = ScopedValue.where(DETACHED_BLOCK, fiber).call(b::get);
            } catch (Throwable t) {
                error = t;
            }
            try {
                fiber.home.execute(this::backHome);
            } catch (RejectedExecutionException stopped) {
                // NOTE: the home stopped while the block ran. Nothing can resume the fiber now,
                // and the pool thread is not the place for the home's failure: drop the outcome
                // (an Lwt loop counted the fiber among the live ones in its end-of-run warning).
            }
        }

        boolean cancel(Throwable why) {
            if (reason == null) {
                reason = why;
            }
            return true;
        }

        /** On the home: the block is over. */
        private void backHome() {
            fiber.state = State.RUNNING;
            fiber.awaited = null;
            Throwable why = reason;
            V v = value;
            Throwable e = error;
            value = null;
            error = null;
            reason = null;
            if (why != null) {
                if (e != null && e != why) {
                    why.addSuppressed(e);
                }
                fiber.drive(null, why);
            } else {
                fiber.drive(v, e);
            }
        }
    }

    /**
     * One suspending await: the callback registered on the promise, and the race between that
     * callback (any thread) and a cancel (home thread), decided by a CAS on {@code state}.
     *
     * <p>Reuse: a wait that FIRED is kept as the fiber's spare and armed again by its next
     * await, so a fiber that awaits in a loop allocates nothing per await. That is safe because
     * an {@link Awaiter} calls its callback once: after the call that fired it, nothing calls it
     * again. A CANCELLED wait is never reused: the promise it was registered on may still call it
     * (an awaiter need not be able to deregister), and that late call must find the CAS lost.
     */
    private static final class Wait implements BiConsumer<Object, Throwable> {
        private static final int ARMED = 0;
        private static final int FIRED = 1;
        private static final int CANCELLED = 2;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Wait.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Fiber<?> fiber;
        // The promise is the fiber's awaited field while the fiber waits: not kept here too.
        private Awaiter<Object, Object> awaiter;
        @SuppressWarnings("unused") // through STATE
        private volatile int state;
        private Object registration;
        /** True while onComplete runs on the home thread: a callback then must not resume inline. */
        private boolean registering;
        /** Set when the callback came during onComplete, on the home: arm's caller resumes. */
        private boolean firedInline;
        /** Whether arm's caller may keep this wait as the spare after resuming (see arm). */
        private boolean reusable;
        private Object value;
        private Throwable error;

        Wait(Fiber<?> fiber) {
            this.fiber = fiber;
        }

        /**
         * In {@link Fiber#drive}, on the thread that was running the fiber, after the capture:
         * this wait is for {@code promise}. If the registration itself fails, the await throws
         * that failure.
         *
         * @return true when the outcome is already here (the callback came during the
         *         registration, or the registration failed): the caller resumes the fiber at once
         *         with {@link #value}/{@link #error}, then calls {@link #resumed}
         */
        @SuppressWarnings("unchecked")
        boolean arm(Object promise, Awaiter<?, ?> awaiter) {
            this.awaiter = (Awaiter<Object, Object>) awaiter;
            STATE.set(this, ARMED); // plain: the registration publishes this wait to other threads
            fiber.state = State.WAITING;            // fiber.wait is this already (see drive)
            registering = true;
            Throwable refused = null;
            try {
                registration = this.awaiter.onComplete(promise, this);
            } catch (Throwable t) {
                refused = t;
            } finally {
                registering = false;
            }
            if (refused != null) {
                if (!STATE.compareAndSet(this, ARMED, FIRED) && !firedInline) {
                    // The outcome arrived from another thread before the registration failed, and
                    // its resume is on its way: the fiber goes on with it, and the failure goes to
                    // our caller.
                    throw Throwing.sneaky(refused);
                }
                // The await throws the failure (an outcome that came inline stays with the promise).
                firedInline = false;
                value = null;
                error = refused;
                reusable = false; // the awaiter may have registered it before it threw
                return true;
            }
            if (firedInline) {
                firedInline = false;
                reusable = true;
                return true;
            }
            return false;
        }

        /** The promise's callback: any thread, once (a second call finds the wait no longer ARMED). */
        @Override
        public void accept(Object v, Throwable e) {
            FiberHome home = fiber.home;
            boolean local = onHome(home);
            if (local) {
                // NOTE: no CAS on the home: the only other writer, cancel, runs on the home too,
                // and an awaiter calls this once, so no other thread can be in here for this wait.
                if ((int) STATE.get(this) != ARMED) {
                    return; // cancel won: the promise keeps its outcome, nothing is lost
                }
                STATE.set(this, FIRED);
            } else if (!STATE.compareAndSet(this, ARMED, FIRED)) {
                return; // NOTE: benign: cancel won; the promise keeps its outcome, nothing is lost
            }
            value = v;
            error = e;
            if (local && registering) {
                // Called back inside onComplete itself: arm's caller resumes the fiber once the
                // registration returns, so the continuation never runs inside its own registration.
                firedInline = true;
            } else if (local) {
                resume(v, e, true);
            } else {
                home.execute(this::resumeFired); // from another thread: resume on the home
            }
        }

        /** On the home thread, while the fiber waits on this wait. */
        boolean cancel(Throwable reason) {
            if (STATE.compareAndSet(this, ARMED, CANCELLED)) {
                try {
                    awaiter.abandon(fiber.awaited, registration);
                } catch (Throwable t) {
                    reason.addSuppressed(t);
                }
            } else if ((int) STATE.get(this) == FIRED && fiber.state == State.WAITING && fiber.wait == this) {
                // NOTE: the outcome arrived from another thread but its resume is still queued on
                // the home: the cancel wins anyway (the await throws before cancel() returns). The
                // queued resumeFired finds CANCELLED and does nothing; the promise keeps its
                // outcome; the completing thread may still write value/error here, which nobody
                // reads (a CANCELLED wait is never reused).
                STATE.setVolatile(this, CANCELLED);
            } else {
                return false;
            }
            resume(null, reason, false);
            return true;
        }

        private void resumeFired() {
            if ((int) STATE.getVolatile(this) == CANCELLED) {
                return; // cancel won after the outcome arrived: the fiber went on with the cancel
            }
            resume(value, error, true);
        }

        /**
         * Forgets this wait's promise and outcome: the fiber is about to run again. A wait that
         * fired through its callback stays the fiber's wait, armed again by its next await, since
         * nothing will call it again; any other is dropped.
         */
        void resumed(boolean reuse) {
            fiber.awaited = null;
            awaiter = null;
            registration = null;
            value = null;
            error = null;
            fiber.state = State.RUNNING;
            if (!reuse) {
                fiber.wait = null;              // never armed again (see the class comment)
            }
        }

        /** On the home: resumes the fiber with this outcome. */
        private void resume(Object v, Throwable e, boolean reuse) {
            resumed(reuse);
            fiber.drive(v, e);
        }
    }
}
