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
import loomcc.internal.fiber.FiberSuspendEvent;
import loomcc.internal.fiber.LiveFibers;
import loomcc.internal.fiber.LocalAwaiter;
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
 *   <li><b>Detached.</b> {@link #detached} moves the fiber's own continuation to a pool thread and
 *       back, as CPC's {@code cpc_detached} does.
 * </ol>
 *
 * <h2>Which fiber is running</h2>
 * The current fiber is the innermost runner of the fibers' scope on this thread's stack of
 * mounted continuations, the JDK's own bookkeeping, read in a few field loads: no thread-local
 * to keep in step with the fiber.
 *
 * <h2>States</h2>
 * A fiber's state changes only on its home thread (or, while DETACHED, on the pool thread that
 * runs it), in {@link #drive}, {@link Wait#arm} and {@link Wait#resume}:
 * <pre>
 *   RUNNING  -> WAITING   // await on a pending promise: captured, then a Wait is armed (shift's function)
 *   WAITING  -> RUNNING   // the Wait fired (completion or cancel) and the home resumed the continuation
 *   RUNNING  -> DETACHED  // detached(block): captured, then resumed on a pool thread
 *   DETACHED -> RUNNING   // the block ended: captured again, resumed on the home
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
    /** When the last suspension began, on {@link LiveFibers#clockNanos()}. */
    private long suspendedAt;

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

    private Fiber(FiberHome home, String name, Supplier<? extends T> body,
            BiConsumer<? super T, ? super Throwable> onDone, Fiber<?> starter) {
        this.home = home;
        this.name = name;
        this.id = home.nextFiberId();
        this.registry = home instanceof TrackedHome t ? t.fiberList() : null;
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
        return r == null ? null : (Fiber<?>) r.attachment();
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
     * Runs {@code block} on {@code pool}, as this fiber: the fiber's own continuation moves to a
     * pool thread, runs the block there, and comes back to the home, where this call returns the
     * block's value or throws its exception. The home goes on meanwhile. Fiber-locals are seen by
     * the block. The block must not await: it is not on the home.
     *
     * @throws RejectedExecutionException (thrown in the fiber) if the pool refuses the task
     */
    public static <V> V detached(Executor pool, Supplier<? extends V> block) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(block, "block");
        Fiber<?> f = requireSuspendable("detached");
        f.afterYield = () -> {                            // after the capture, on the home
            f.state = State.DETACHED;
            try {
                pool.execute(() -> f.drive(null, null));
            } catch (RejectedExecutionException e) {
                f.state = State.RUNNING;
                f.drive(null, e);
            }
        };
        f.suspend(false);
        V value = null;
        Throwable error = null;
        try {
            value = block.get();
        } catch (Throwable t) {
            error = t;
        }
        f.afterYield = () -> f.home.execute(() -> {      // after the capture, on the pool thread
            f.state = State.RUNNING;
            f.drive(null, null);
        });
        f.suspend(false);
        if (error != null) {
            throw Throwing.sneaky(error);
        }
        return value;
    }

    /**
     * If this fiber is waiting in an await, makes that await throw {@code reason} in the fiber
     * (at once: the fiber runs until its next suspension before this returns) and abandons the
     * awaited promise. Otherwise does nothing.
     *
     * @return true when a pending await was interrupted
     * @throws IllegalStateException if not called on the home thread
     */
    public boolean cancel(Throwable reason) {
        Objects.requireNonNull(reason, "reason");
        if (!onHome(home)) {
            throw new IllegalStateException("Fiber.cancel must be called on the fiber's home thread");
        }
        Wait w = wait;
        return state == State.WAITING && w != null && w.cancel(reason);
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
        resumeValue = value;
        resumeError = error;
        resumes++;
        LiveFibers reg = registry;
        boolean tracked = reg != null && state != State.DETACHED; // not on a pool thread
        Fiber<?> outer = null;
        if (tracked) {
            if (reg.jfr != null) {                 // JFR records suspensions: end this one's
                FiberSuspendEvent ev = reg.jfr.remove(this);
                if (ev != null) {
                    ev.commit();
                }
            }
            outer = reg.running;
            reg.running = this;
        }
        boolean done = runner.runUntilYield();
        if (tracked) {
            reg.running = outer;
            if (!done) {
                suspendedAt = reg.clockNanos();
            }
        }
        if (done) {
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
            if (registry != null && FiberSuspendEvent.recording()) {
                beginJfr(p, a);
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
        unlink();
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
        if (Suspend.isTooDeep(e)) {
            throw Suspend.tooDeep(e, verb, verb + " in " + this, "the " + verb + " and its fiber's start");
        }
        return e;
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
        if (e.shouldCommit()) {
            e.fiber = name();
            e.waitsFor = describe(promise, awaiter);
            e.begin();
            if (registry.jfr == null) {
                registry.jfr = new IdentityHashMap<>();
            }
            registry.jfr.put(this, e);
        }
    }

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
        return st == State.DETACHED
                || (st == State.WAITING && w != null && !(w.awaiter instanceof LocalAwaiter));
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
                Math.max(0, reg.clockNanos() - suspendedAt) / 1e9);
        switch (st) {
            case RUNNING -> sb.append("running");
            case DONE -> sb.append("done");
            case DETACHED -> sb.append("detached").append(since).append(", running a block on a pool thread");
            case WAITING -> {
                Wait w = wait;
                sb.append("suspended").append(since);
                if (w != null && w.awaiter != null) {
                    sb.append(", waits for ").append(describe(w.promise, w.awaiter));
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
