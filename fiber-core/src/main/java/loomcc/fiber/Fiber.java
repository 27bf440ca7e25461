package loomcc.fiber;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.IdentityHashMap;
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

/**
 * A fiber: a body of direct-style code that runs on a {@link FiberHome} and suspends, without
 * blocking the home, when it awaits a promise that is still pending.
 *
 * <h2>Reading guide</h2>
 * <ol>
 *   <li><b>Start.</b> {@link #start} runs the body at once, on the home's thread, as a runner of
 *       the continuation backend (the JDK's {@code jdk.internal.vm.Continuation} by default)
 *       of its own, until it ends or first suspends. Fibers use the backend directly, not
 *       through {@link loomcc.cont.Prompt}: an await then costs one small object (its
 *       {@link Wait}), one CAS and the JDK's freeze and thaw, and no thread-local.
 *   <li><b>Await.</b> {@link #await(Object, Awaiter)}: a completed promise answers at once (no
 *       capture, no allocation). A pending one: the fiber yields; then {@link #drive}, which
 *       runs after the capture and outside the fiber (Eio's Suspend), arms the await's
 *       {@link Wait} and registers it as the promise's callback. So a callback can never find a
 *       fiber half-suspended: there is no resume-before-suspend window to lose.
 *   <li><b>Wake.</b> The first of "the promise completed" and "the fiber was cancelled" wins the
 *       Wait's CAS; the loser does nothing. The winner resumes the fiber on its home: inline when
 *       already on the home thread (as one more callback of the promise), else through
 *       {@link FiberHome#execute}.
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
 * A fiber's state changes only on its home thread, in {@link #drive}, {@link Wait#arm},
 * {@link Wait#resume} and {@link Detached}:
 * <pre>
 *   RUNNING  -> WAITING   // await on a pending promise: captured, then a Wait is armed (shift's function)
 *   WAITING  -> RUNNING   // the Wait fired (completion or cancel) and the home resumed the continuation
 *   RUNNING  -> DETACHED  // detached(block): captured, then the block is handed to the pool
 *   DETACHED -> RUNNING   // the block ended: its outcome was posted to the home, which resumes the fiber
 *   RUNNING  -> DONE      // the body returned or threw; onDone is called on the home
 * </pre>
 * A {@link Wait} (one per suspending await) is the part other threads touch:
 * <pre>
 *   ARMED -> FIRED       // the promise's callback: first CAS wins (a plain check on the home,
 *                        // where cancel also runs), resume is sent to the home
 *   ARMED -> CANCELLED   // cancel() on the home: first CAS wins, Awaiter.abandon, resume with the reason
 *   FIRED | CANCELLED    // a later callback or cancel finds the CAS lost and does nothing
 * </pre>
 *
 * <h2>Cancellation</h2>
 * {@link #cancel} makes a pending await throw the given exception inside the fiber (its
 * {@code finally} blocks run) and abandons the awaited promise (the {@link Awaiter} decides
 * whether that cancels it). A fiber that catches the exception and goes on is an ordinary fiber
 * again: its later awaits work as usual. A fiber that is running or detached is not interrupted.
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

    enum State { RUNNING, WAITING, DETACHED, DONE }

    private final FiberHome home;
    private final BiConsumer<? super T, ? super Throwable> onDone;
    private final Runner runner;
    private Supplier<? extends T> body;
    private State state = State.RUNNING;
    /** The armed wait while WAITING, else null. */
    private Wait wait;
    /** A wait that fired and that nothing refers to any more, for the next await. */
    private Wait spareWait;
    private IdentityHashMap<FiberLocal<?>, Object> locals;
    /** The block in flight while DETACHED, else null. Home thread. */
    private Detached<?> detaching;

    // The hand-offs between the body (inside the runner) and drive (outside it). The body does as
    // little as it can before it yields: the smaller the await path, the more of it the JIT
    // inlines into the caller's frame, and the fewer frames each suspension freezes and thaws.
    /** Set by an await before it yields: drive arms a wait on {@link #awaited} with this awaiter. */
    private Awaiter<?, ?> awaiting;
    private Object awaited;
    /** Set by detached before it yields: what drive runs once the capture is done. */
    private Runnable afterYield;
    /** Counts drive's runs of the runner, so a suspension tells a real resume from a refused yield. */
    private int resumes;
    /** What the suspended call returns or throws; set by drive before it resumes the runner. */
    private Object resumeValue;
    private Throwable resumeError;
    /** The body's outcome, set inside the runner when the body ends. */
    private T result;
    private Throwable failure;

    private Fiber(FiberHome home, Supplier<? extends T> body, BiConsumer<? super T, ? super Throwable> onDone,
            Fiber<?> starter) {
        this.home = home;
        this.body = body;
        this.onDone = onDone;
        this.runner = BACKEND.newRunner(SCOPE, this::runBody);
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
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(onDone, "onDone");
        if (!onHome(home)) {
            throw new IllegalStateException("Fiber.start called on " + Thread.currentThread()
                    + ", which is not the home's thread: start fibers from the home's thread (post the"
                    + " start with home.execute(...) from other threads)");
        }
        Fiber<T> f = new Fiber<>(home, body, onDone, current());
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
        Fiber<?> f = requireSuspendable("await");
        if (awaiter.isDone(promise)) {
            try {
                return awaiter.getNow(promise);
            } catch (Throwable t) {
                AwaitedHere.annotate(t, f.toString());
                throw t;
            }
        }
        f.awaited = promise;
        f.awaiting = awaiter;
        @SuppressWarnings("unchecked")
        V v = (V) f.suspend(true);
        return v;
    }

    /**
     * Waits for a {@code CompletionStage}. A completion on another thread resumes the fiber on
     * its home, never on the completing thread. The stage's exception is thrown as itself: a
     * {@link java.util.concurrent.CompletionException} around it is taken off on every path.
     * Cancelling the fiber while it waits cancels the stage if it is a pending {@code Future}.
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
        requireSuspendable("awaitCallback");
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
        Detached<V> d = new Detached<>(f, block);
        f.afterYield = () -> d.start(pool);            // after the capture, on the home
        @SuppressWarnings("unchecked")
        V v = (V) f.suspend(false);
        return v;
    }

    /**
     * If this fiber is waiting in an await, makes that await throw {@code reason} in the fiber
     * (at once: the fiber runs until its next suspension before this returns) and abandons the
     * awaited promise. Otherwise does nothing.
     *
     * In a {@link #detached} block, the block goes on and {@code detached} throws
     * {@code reason} when it returns.
     *
     * @return true when a pending await was interrupted, or a detached block will be
     * @throws IllegalStateException if not called on the home thread
     */
    public boolean cancel(Throwable reason) {
        Objects.requireNonNull(reason, "reason");
        if (!onHome(home)) {
            throw new IllegalStateException("Fiber.cancel must be called on the fiber's home thread");
        }
        Detached<?> d = detaching;
        if (state == State.DETACHED && d != null) {
            return d.cancel(reason);
        }
        Wait w = wait;
        return state == State.WAITING && w != null && w.cancel(reason);
    }

    @Override
    public String toString() {
        // identity, not a counter: a shared counter would cost every start a contended atomic
        return "Fiber@" + Integer.toHexString(System.identityHashCode(this)) + "[" + state + "]";
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
        resumeValue = value;
        resumeError = error;
        resumes++;
        if (runner.runUntilYield()) {
            complete(result, failure);
            return;
        }
        Awaiter<?, ?> a = awaiting;                // the body yielded: finish its suspension here
        if (a != null) {
            Object p = awaited;
            awaiting = null;
            awaited = null;
            Wait w = spareWait;
            if (w == null) {
                w = new Wait(this);
            } else {
                spareWait = null;
            }
            w.arm(p, a);
        } else {
            Runnable r = afterYield;
            afterYield = null;
            r.run();
        }
    }

    private void runBody() {
        Supplier<? extends T> b = body;
        body = null;
        try {
            result = b.get();
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void complete(T value, Throwable error) {
        if (!onHome(home)) { // the body ended off the home (a detached block that could not get back)
            home.execute(() -> complete(value, error));
            return;
        }
        state = State.DONE;
        wait = null;
        locals = null;
        result = null;
        failure = null;
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
        Throwable e = resumeError;
        Object v = resumeValue;
        resumeError = null;
        resumeValue = null;
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
            fiber.detaching = this;
            try {
                pool.execute(this);
            } catch (RejectedExecutionException e) {
                fiber.state = State.RUNNING;
                fiber.detaching = null;
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
            fiber.detaching = null;
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
        private Object promise;
        private Awaiter<Object, Object> awaiter;
        @SuppressWarnings("unused") // through STATE
        private volatile int state;
        private Object registration;
        /** True while onComplete runs on the home thread: a callback then must not resume inline. */
        private boolean registering;
        private Object value;
        private Throwable error;

        Wait(Fiber<?> fiber) {
            this.fiber = fiber;
        }

        /**
         * In {@link Fiber#drive}, on the thread that was running the fiber, after the capture:
         * this wait is for {@code promise}. If the registration itself fails, the await throws
         * that failure.
         */
        @SuppressWarnings("unchecked")
        void arm(Object promise, Awaiter<?, ?> awaiter) {
            this.promise = promise;
            this.awaiter = (Awaiter<Object, Object>) awaiter;
            STATE.set(this, ARMED); // plain: the registration publishes this wait to other threads
            fiber.state = State.WAITING;
            fiber.wait = this;
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
                if (!STATE.compareAndSet(this, ARMED, FIRED)) {
                    // The outcome arrived before the registration failed, and its resume is on
                    // its way: the fiber goes on with it, and the failure goes to our caller.
                    throw Throwing.sneaky(refused);
                }
                error = refused;
                resume(false); // not reused: the awaiter may have registered it before it threw
            }
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
            if (local && !registering) {
                resume(true);
            } else {
                // From another thread, or called back inside onComplete itself: resume on the
                // home's next task, so the continuation never runs inside its own registration.
                home.execute(this::resumeFired);
            }
        }

        /** On the home thread. */
        boolean cancel(Throwable reason) {
            if (!STATE.compareAndSet(this, ARMED, CANCELLED)) {
                return false; // the completion won; its resume is on its way
            }
            try {
                awaiter.abandon(promise, registration);
            } catch (Throwable t) {
                reason.addSuppressed(t);
            }
            error = reason;
            resume(false);
            return true;
        }

        private void resumeFired() {
            resume(true);
        }

        /**
         * On the home: resumes the fiber with this wait's outcome. A wait that fired through its
         * callback becomes the fiber's spare first, since nothing will call it again.
         */
        private void resume(boolean reuse) {
            Object v = value;
            Throwable e = error;
            promise = null;
            awaiter = null;
            registration = null;
            value = null;
            error = null;
            fiber.wait = null;
            fiber.state = State.RUNNING;
            if (reuse) {
                fiber.spareWait = this;
            }
            fiber.drive(v, e);
        }
    }
}
