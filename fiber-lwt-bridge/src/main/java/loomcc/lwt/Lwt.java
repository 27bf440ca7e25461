package loomcc.lwt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Supplier;
import loomcc.internal.lwt.Engine;
import loomcc.internal.lwt.EventLoop;
import loomcc.internal.Throwing;

/**
 * A promise in the manner of OCaml's Lwt: pending, then fulfilled with a value or rejected with an
 * exception, once and for all. Code continues with {@link #bind} ({@code >>=}), {@link #map}
 * ({@code >|=}), {@link #recover} ({@code Lwt.catch}) and {@link #whenDone} ({@code Lwt.finalize});
 * {@link #cancel} rejects a cancelable {@link #task()} with {@link Canceled}, travelling back through
 * the chain to the promise being waited on.
 *
 * <h2>Threading contract</h2>
 * <ul>
 * <li><b>Loop thread only.</b> A pending promise belongs to the thread that created it (the thread of
 *     its loop): it is resolved, cancelled and given callbacks on that thread only; doing so from
 *     another thread throws {@link IllegalStateException}. Other threads reach the loop through
 *     {@link LwtPreemptive#runInMain} and {@link LwtPreemptive#runInMainAsync}.</li>
 * <li><b>Any thread</b> for {@link #resolved}, {@link #failed}, {@link #pending()} and {@link #task()}
 *     (the new promise belongs to the calling thread) and for reading a promise that is already
 *     resolved ({@link #isPending()}, {@link #getNow()}, and {@code bind}/{@code map}/... which then
 *     run at once), provided its resolution <i>happens-before</i> the read (for instance through a
 *     {@code runInMain} hand-off). A promise never changes after it is resolved.</li>
 * <li>Callbacks run on the thread that resolves the promise, in the order they were added
 *     ({@link #onCancel} ones first when the promise is cancelled), nested at most
 *     {@link Engine#MAX_NESTING} deep; past that they are deferred to a queue that the outermost frame
 *     drains, so a chain of a million resolutions never overflows the stack.</li>
 * </ul>
 *
 * <h2>What is thrown, when</h2>
 * No method here throws the exception of a function it was given: an exception thrown by the function
 * of {@code bind}/{@code map}/{@code recover} (or by a {@code whenDone} cleanup) rejects the returned
 * promise instead (<i>ours</i>: Lwt raises it out of {@code bind}). {@link #getNow()} throws the
 * rejection itself, the same instance (checked ones too, undeclared). Null arguments throw
 * {@link NullPointerException}; a function that returns a null promise rejects the result with one.
 * Wrong-thread use throws {@link IllegalStateException}; so do {@link #pause()} outside a running loop
 * and {@link #getNow()} on a pending promise. {@link #pick} and {@link #choose} on an empty list throw
 * {@link IllegalArgumentException}.
 *
 * <p>Where this contract is silent it follows Lwt's documented semantics (lwt.mli), and says so.
 *
 * @param <T> the value type
 */
public final class Lwt<T> {

    /* =============================================================================================
     * Reading guide
     *
     * This file is the promise core. Like Lwt's src/core/lwt.ml it does no I/O and knows nothing of
     * time: the loop (loomcc.internal.lwt.EventLoop, behind LwtMain/LwtUnix/LwtPreemptive) resolves
     * promises through the same Resolver API as user code. Sections, in order:
     *
     *   1. State        the three states and PROXY, the state table, the one method that changes
     *                   state (complete), underlying(). Fields: state, result, two callback lists,
     *                   howToCancel, owner.
     *   2. Resolvers    creating promises: resolved/failed/pending/task/pause; Resolver's back door
     *                   (tryComplete) with Lwt's rule that resolving a cancelled promise is ignored.
     *   3. Callbacks    the Callback node (a doubly-linked list entry, so that removal is O(1)), the
     *                   resolution loop: dispatch in registration order, onCancel ones first, nesting
     *                   bounded by Engine.MAX_NESTING (Lwt's 42) with a deferred queue past it.
     *   4. Sequencing   bind, map, recover, whenDone, and follow(): the promise that a function
     *                   returned is merged into the promise that waits for it (proxies, below).
     *   5. Cancellation cancel (an iterative walk over howToCancel links), onCancel.
     *   6. Combinators  all, join, both, pick, choose, async.
     *   7. Hooks        package-private entry points for LwtFiber (removable callbacks, fast reads).
     *
     * Callback nesting ("bounded re-entrancy", STYLE.md #6): resolving a promise runs its callbacks
     * at once, which may resolve more promises, and so on. Each such level goes one frame deeper in
     * Engine.depth; at Engine.MAX_NESTING the next resolution's callbacks are queued instead, and the
     * outermost frame (the one that brought depth back to 0) drains the queue. The promise's STATE is
     * always set at once; only its callbacks wait.
     *
     * Proxies (Lwt's "underlying" and make_into_proxy, lwt.ml "Sequential_composition"): when the
     * function of p.bind(f) returns a promise q that is still pending, bind's own promise r (the
     * "outer" one) and q become one promise. q's callbacks move to r, in front of r's own (as if q
     * had resolved first and passed its outcome on, which is what a forwarding callback did), r takes
     * q's way to cancel, and q turns into a PROXY whose result field points at r. Every operation on a
     * promise first goes to its underlying promise (underlying()), so a proxy answers getNow,
     * isPending, bind, cancel, onCancel, and its Resolver, exactly as r does. Without this a
     * recursive loop, loop() = read().bind(n -> loop()), kept one promise and one forwarding callback
     * per turn (each turn's promise forwarded to the previous one's) until the loop ended; with it
     * the first turn's promise stays the one underlying promise and each later turn's promise is a
     * proxy of it that nothing keeps once its read has resolved. As in Lwt, the promise the function
     * returned becomes the proxy, never the outer one: the outer one is what the caller holds.
     *
     * Fibers (see Engine's class comment for the mechanics): a function that bind/map/recover/
     * whenDone runs at once is bounded by the nesting of the code that called it. Inside a fiber that
     * is the fiber's own nesting, and past the bound the function waits on the fiber's own queue
     * (Engine.mustDeferAtOnce/deferAtOnce), which the fiber drains in itself: it may await there.
     * A resolution's callbacks (complete/dispatch, a fiber's resume among them) are bounded by the
     * thread's whole depth (Engine.mustDefer/defer). A suspended fiber holds no depth: the levels of
     * its frames leave the count when it suspends and come back on top of whoever resumes it.
     * ========================================================================================== */

    // ===== 1. State ===============================================================================

    /*
     * State table (one promise; "owner" is the thread that created it):
     *
     *   FROM      -> TO         // cause
     *   PENDING   -> FULFILLED  // Resolver.resolve/tryResolve; a derived promise (bind/map/recover/
     *                           //   whenDone/all/join/pick/choose) whose source or function delivered
     *   PENDING   -> REJECTED   // Resolver.reject/tryReject; a function or cleanup threw; a source
     *                           //   was rejected; cancel() reached a task (with Lwt.Canceled)
     *   PENDING   -> PROXY      // follow(): a bind/recover function returned this promise while it
     *                           //   and the promise waiting for it were both pending; the two are
     *                           //   now one, the other one underlying (see "Proxies" above)
     *   FULFILLED, REJECTED     // final: nothing ever changes them (resolving again throws or is
     *                           //   ignored, see Resolver)
     *   PROXY                   // final for this object; result = a promise of the same chain
     *                           //   (underlying() shortens the chain), which goes on as usual
     *
     * A promise born resolved (resolved/failed) never was PENDING, has no owner and is never written
     * to, so it may be shared freely between threads. Every transition goes through complete(), on the
     * owner thread, which asserts that the promise was PENDING.
     */
    static final int PENDING = 0;
    static final int FULFILLED = 1;
    static final int REJECTED = 2;
    /** Not a state of its own: the promise behaves as the one underlying() returns. Never exposed. */
    private static final int PROXY = 3;

    /** howToCancel of a task: cancel() rejects this very promise (Lwt: Cancel_this_promise). */
    private static final Object CANCEL_SELF = new Object();

    private static final Lwt<?> NULL_VALUE = new Lwt<>(FULFILLED, null, null, null);

    private int state;
    /** The value (FULFILLED), the Throwable (REJECTED), the next promise (PROXY); null while PENDING. */
    private Object result;
    /** Regular callbacks, in registration order. */
    private Callback head;
    private Callback tail;
    /** onCancel callbacks, in registration order; they run first, and only on Lwt.Canceled. */
    private Callback cancelHead;
    private Callback cancelTail;
    /**
     * What cancel() does while PENDING (Lwt's how_to_cancel): null = not cancelable (pending()),
     * CANCEL_SELF = a task, an Lwt = propagate to the promise being waited on, an Lwt[] = propagate to
     * each (combinators). Cleared on resolution so that finished chains do not keep sources alive.
     */
    private Object howToCancel;
    /** The engine (thread) that may change this promise; null for promises born resolved. */
    private final Engine owner;
    /**
     * For fiber dumps ({@link #describedAs}): while pending, what this promise stands for (its
     * {@code toString} is taken only when a dump is made); once rejected, {@link #OBSERVED}
     * when someone has looked at the error (a callback, getNow, an await). With the default
     * object layout this field lives in what was padding: a promise is no bigger for it.
     */
    private Object debug;

    /** {@link #debug} of a rejected promise whose error someone has seen. */
    private static final Object OBSERVED = new Object();

    private Lwt(int state, Object result, Engine owner, Object howToCancel) {
        this.state = state;
        this.result = result;
        this.owner = owner;
        this.howToCancel = howToCancel;
    }

    /**
     * The one place a promise leaves PENDING. Runs the callbacks at once, or defers them past the
     * nesting bound. Owner thread only; {@code e} is the owner's engine.
     */
    void complete(Engine e, int newState, Object value) {
        assert state == PENDING : "complete() on a promise that is not pending";
        assert newState == FULFILLED || newState == REJECTED;
        assert e == owner : "complete() off the owner thread";
        state = newState;
        result = value;
        howToCancel = null;
        debug = null;                         // a label describes a wait; it must not keep its object
        if (head == null && cancelHead == null) {
            return;
        }
        if (e.mustDefer()) {
            e.defer(() -> dispatch(e));
            return;
        }
        e.depth++;
        try {
            dispatch(e);
        } finally {
            e.leave();
        }
    }

    private boolean isCanceled() {
        return state == REJECTED && result instanceof Canceled;
    }

    /**
     * The promise this one behaves as: itself, unless it became a proxy (see "Proxies" in the reading
     * guide), then the end of its chain of proxies, which it links to directly from then on. Any
     * thread that may read this promise.
     */
    @SuppressWarnings("unchecked")
    private Lwt<T> underlying() {
        if (state != PROXY) {
            return this;
        }
        Lwt<T> next = (Lwt<T>) result;
        return next.state != PROXY ? next : (Lwt<T>) shortenChain();
    }

    private Lwt<?> shortenChain() {
        Lwt<?> root = this;
        while (root.state == PROXY) {
            root = (Lwt<?>) root.result;
        }
        // NOTE: benign race. A resolved chain may be read by several threads at once, so two of them
        // may shorten it together. PROXY is final and result only ever moves from one promise of
        // the chain to a later one (a reference write is atomic), so every reader still reaches the
        // same root, whose state was published to it with the resolution.
        Lwt<?> p = this;
        while (p != root) {
            Lwt<?> next = (Lwt<?>) p.result;
            p.result = root;
            p = next;
        }
        return root;
    }

    /** The state of the underlying promise: PENDING, FULFILLED or REJECTED, never PROXY. */
    private int stateNow() {
        int s = state;
        return s != PROXY ? s : underlying().state;
    }

    private void checkOwner(Engine e, String what) {
        if (owner != e) {
            throw new IllegalStateException(what + ": this pending promise belongs to thread '"
                    + owner.thread.getName() + "' (its loop) but was used from thread '"
                    + Thread.currentThread().getName() + "'. A promise is resolved only on its loop's"
                    + " thread: from another thread, go through LwtPreemptive.runInMain(...)");
        }
    }

    // ===== 2. Creating and resolving ==============================================================

    /**
     * A promise already fulfilled with {@code value} ({@code Lwt.return}). Any thread.
     *
     * @param value the value, may be null
     * @param <T>   the value type
     * @return a resolved promise
     */
    @SuppressWarnings("unchecked")
    public static <T> Lwt<T> resolved(T value) {
        return value == null ? (Lwt<T>) NULL_VALUE : new Lwt<>(FULFILLED, value, null, null);
    }

    /**
     * A promise already rejected with {@code error} ({@code Lwt.fail}). Any thread.
     *
     * @param error the exception, not null
     * @param <T>   the value type
     * @return a rejected promise
     * @throws NullPointerException if {@code error} is null
     */
    public static <T> Lwt<T> failed(Throwable error) {
        Objects.requireNonNull(error, "Lwt.failed: error");
        return new Lwt<>(REJECTED, error, null, null);
    }

    /**
     * A promise that the running loop fulfils on its next turn, after the callbacks that are ready
     * now; paused promises are woken in the order they were created ({@code Lwt.pause}). Cancelable,
     * as in Lwt. Loop thread only.
     *
     * @return a pending promise
     * @throws IllegalStateException if no loop is running on this thread
     */
    public static Lwt<Void> pause() {
        return EventLoop.require("Lwt.pause()").pause();
    }

    /**
     * A new pending promise and its resolver ({@code Lwt.wait}; {@code Object.wait()} takes the name
     * in Java). It is not cancelable: {@link #cancel()} on it is a no-op, as in Lwt. Any thread; the
     * promise belongs to the calling thread.
     *
     * @param <T> the value type
     * @return the resolver; {@link Resolver#promise()} is the promise
     */
    public static <T> Resolver<T> pending() {
        return new Resolver<>(new Lwt<>(PENDING, null, Engine.current(), null));
    }

    /**
     * Like {@link #pending()}, but {@link #cancel()} rejects the promise with {@link Canceled}
     * ({@code Lwt.task}); resolving it after that is ignored, as in Lwt. Any thread; the promise
     * belongs to the calling thread.
     *
     * @param <T> the value type
     * @return the resolver; {@link Resolver#promise()} is the promise
     */
    public static <T> Resolver<T> task() {
        return new Resolver<>(new Lwt<>(PENDING, null, Engine.current(), CANCEL_SELF));
    }

    /** {@link #task()}'s promise alone, owned by {@code e} (a fiber's start: no thread-local lookup). */
    static <T> Lwt<T> taskOn(Engine e) {
        return new Lwt<>(PENDING, null, e, CANCEL_SELF);
    }

    /** A pending promise derived from {@code source}: cancelling it cancels {@code source}. */
    private static <U> Lwt<U> derived(Engine e, Object cancelTarget) {
        return new Lwt<>(PENDING, null, e, cancelTarget);
    }

    /** Resolver's outcomes. */
    static final int DONE = 0;
    static final int IGNORED_CANCELED = 1;
    static final int ALREADY_RESOLVED = 2;

    /** Resolver's back door: resolve from outside, with Lwt's rule for cancelled promises. */
    int tryComplete(int newState, Object value, String what) {
        Lwt<T> u = underlying();             // a proxy's Resolver resolves the one promise it is part of
        Engine e = Engine.current();
        if (u.state != PENDING) {
            return u.isCanceled() ? IGNORED_CANCELED : ALREADY_RESOLVED;
        }
        u.checkOwner(e, what);
        u.complete(e, newState, value);
        return DONE;
    }

    String describeState() {
        Lwt<T> u = underlying();
        return switch (u.state) {
            case PENDING -> "pending";
            case FULFILLED -> "fulfilled with " + u.result;
            default -> "rejected with " + u.result;
        };
    }

    // ===== 3. Callbacks and the resolution loop ===================================================

    /**
     * One registration on a promise: a node of a doubly-linked list, so that removing it is O(1)
     * (pick/choose remove theirs from the losers; a cancelled fiber removes the one it waited with).
     * {@link #run} is called once, on the owner thread, when the promise is resolved; whatever it
     * throws goes to the loop's async-exception handler. Package-private: the hook LwtFiber uses.
     */
    abstract static class Callback {
        Callback prev;
        Callback next;
        /** The promise whose list holds this node; null when it is not linked. */
        Lwt<?> list;
        /** True for onCancel callbacks (the other list). */
        boolean onCancel;

        /** Called with the resolved promise and the owner's engine. */
        abstract void run(Lwt<?> source, Engine e);
    }

    private void link(Callback c) {
        assert c.list == null : "callback registered twice";
        c.list = this;
        if (c.onCancel) {
            c.prev = cancelTail;
            if (cancelTail == null) {
                cancelHead = c;
            } else {
                cancelTail.next = c;
            }
            cancelTail = c;
        } else {
            c.prev = tail;
            if (tail == null) {
                head = c;
            } else {
                tail.next = c;
            }
            tail = c;
        }
    }

    private void unlink(Callback c) {
        assert c.list == this;
        Callback p = c.prev;
        Callback n = c.next;
        if (p == null) {
            if (c.onCancel) {
                cancelHead = n;
            } else {
                head = n;
            }
        } else {
            p.next = n;
        }
        if (n == null) {
            if (c.onCancel) {
                cancelTail = p;
            } else {
                tail = p;
            }
        } else {
            n.prev = p;
        }
        c.prev = null;
        c.next = null;
        c.list = null;
    }

    /**
     * Runs the callbacks of a just-resolved promise, at the current depth (the caller counted the
     * frame). Pops each node before running it, so that callbacks added meanwhile (see add) queue
     * behind the ones already there and registration order holds even under re-entrancy.
     */
    private void dispatch(Engine e) {
        Callback c;
        if (isCanceled()) {
            while ((c = cancelHead) != null) {
                unlink(c);
                fire(c, e);
            }
        } else {
            while ((c = cancelHead) != null) {   // they can never fire now
                unlink(c);
            }
        }
        while ((c = head) != null) {
            unlink(c);
            fire(c, e);
        }
    }

    private void fire(Callback c, Engine e) {
        try {
            c.run(this, e);
        } catch (Throwable t) {
            e.reportAsync(t);
        }
    }

    /** Registers {@code c}: linked while pending, run at once (or deferred past the bound) otherwise. */
    private void add(Callback c, Engine e) {
        if (state == PROXY) {
            underlying().add(c, e);
            return;
        }
        if (state == PENDING) {
            checkOwner(e, "adding a callback");
            link(c);
            return;
        }
        if (state == REJECTED && !c.onCancel) {
            debug = OBSERVED;
        }
        if (c.onCancel) {
            if (!isCanceled()) {
                return;                       // Lwt.on_cancel on a promise resolved otherwise: never
            }
        } else if (head != null) {
            link(c);                          // earlier callbacks still queued: keep their order
            return;
        }
        if (e.mustDeferAtOnce()) {
            e.deferAtOnce(() -> fire(c, e));  // in a fiber: on its own queue, so it runs in the fiber
            return;
        }
        e.depth++;
        try {
            fire(c, e);
        } finally {
            e.leave();
        }
    }

    // ===== 4. Sequencing ==========================================================================

    /**
     * {@code p.bind(f)} ({@code p >>= f}): when this promise is fulfilled with {@code v}, the
     * returned promise follows {@code f(v)}; when it is rejected, the returned promise is rejected with
     * the same exception and {@code f} never runs. On a resolved promise {@code f} runs at once (within
     * the nesting bound, past which it is deferred). An exception thrown by {@code f} rejects the
     * returned promise; a null promise from {@code f} rejects it with {@link NullPointerException}.
     * Cancelling the returned promise cancels this one, then the one {@code f} returned. Loop thread
     * only (any thread if this promise is resolved).
     *
     * <p>When {@code f}'s promise is still pending, it and the returned promise become one promise
     * (Lwt's proxies): resolving, cancelling, reading or adding callbacks to either acts on both; the
     * callbacks {@code f}'s promise had run first, then the returned promise's, then any added later,
     * in the order added. So a recursive loop, {@code loop() = read().bind(n -> loop())}, runs in
     * constant memory however many turns it takes. The same holds for {@link #recover}.
     *
     * @param f   the continuation
     * @param <U> the new value type
     * @return the promise of {@code f}'s promise
     */
    @SuppressWarnings("unchecked")
    public <U> Lwt<U> bind(Function<? super T, ? extends Lwt<U>> f) {
        Objects.requireNonNull(f, "Lwt.bind: f");
        if (head == null) {                   // fast paths: nothing queued on a resolved promise
            if (state == REJECTED) {
                return (Lwt<U>) this;         // as Lwt: same rejection, and it is never written to
            }
            if (state == FULFILLED) {
                Engine e = Engine.current();
                if (!e.mustDeferAtOnce()) {
                    e.depth++;
                    try {
                        Lwt<U> q = f.apply((T) result);
                        return q != null ? q : failed(nullPromise("bind"));
                    } catch (Throwable t) {
                        return failed(t);
                    } finally {
                        e.leave();
                    }
                }
            }
        }
        if (state == PROXY) {
            return underlying().bind(f);
        }
        Engine e = Engine.current();
        Lwt<U> r = derived(e, this);
        add(new Follow(FULFILLED, f, r, "bind"), e);
        return r;
    }

    /**
     * {@code p.map(f)} ({@code p >|= f}): the returned promise is fulfilled with {@code f(v)}, or
     * rejected like this one, or with what {@code f} threw. Runs at once on a resolved promise (within
     * the nesting bound). Cancelling the returned promise cancels this one. Loop thread only (any
     * thread if this promise is resolved).
     *
     * @param f   the function
     * @param <U> the new value type
     * @return the promise of {@code f}'s value
     */
    @SuppressWarnings("unchecked")
    public <U> Lwt<U> map(Function<? super T, ? extends U> f) {
        Objects.requireNonNull(f, "Lwt.map: f");
        if (head == null) {
            if (state == REJECTED) {
                return (Lwt<U>) this;
            }
            if (state == FULFILLED) {
                Engine e = Engine.current();
                if (!e.mustDeferAtOnce()) {
                    e.depth++;
                    try {
                        return resolved(f.apply((T) result));
                    } catch (Throwable t) {
                        return failed(t);
                    } finally {
                        e.leave();
                    }
                }
            }
        }
        if (state == PROXY) {
            return underlying().map(f);
        }
        Engine e = Engine.current();
        Lwt<U> r = derived(e, this);
        add(new MapCb<>(f, r), e);
        return r;
    }

    /**
     * {@code Lwt.catch}: when this promise is rejected with {@code x}, the returned promise follows
     * {@code h(x)}; when it is fulfilled, the returned promise is fulfilled with the same value. As in
     * Lwt, {@link Canceled} is caught like any other exception. An exception thrown by {@code h}
     * rejects the returned promise. Cancelling the returned promise cancels this one, then the one
     * {@code h} returned. Loop thread only (any thread if this promise is resolved).
     *
     * @param h the handler
     * @return the recovered promise
     */
    public Lwt<T> recover(Function<? super Throwable, ? extends Lwt<T>> h) {
        Objects.requireNonNull(h, "Lwt.recover: h");
        if (state == PROXY) {
            return underlying().recover(h);
        }
        Engine e = Engine.current();
        Lwt<T> r = derived(e, this);
        add(new Follow(REJECTED, h, r, "recover"), e);
        return r;
    }

    /**
     * {@code Lwt.finalize}: runs {@code cleanup} when this promise is resolved, either way, then
     * resolves the returned promise like this one. If {@code cleanup} throws, the returned promise is
     * rejected with that exception when this one was fulfilled; when this one was rejected too, its
     * exception wins and the cleanup's is added to it as suppressed (<i>ours</i>: Java's
     * {@code finally} rule). Cancelling the returned promise cancels this one (and the cleanup then
     * runs). Loop thread only (any thread if this promise is resolved).
     *
     * @param cleanup what to run
     * @return a promise resolved like this one, after {@code cleanup}
     */
    public Lwt<T> whenDone(Runnable cleanup) {
        Objects.requireNonNull(cleanup, "Lwt.whenDone: cleanup");
        if (state == PROXY) {
            return underlying().whenDone(cleanup);
        }
        Engine e = Engine.current();
        Lwt<T> r = derived(e, this);
        add(new WhenDone<>(cleanup, r), e);
        return r;
    }

    /**
     * This derived promise (pending, not a proxy) adopts the outcome of {@code returned}, the promise
     * its function returned: at once if that one is resolved, else by merging it into this one (it
     * becomes a proxy of this one; see "Proxies" in the reading guide).
     */
    private void follow(Lwt<T> returned, Engine e) {
        assert state == PENDING;
        Lwt<T> q = returned.underlying();
        if (q.state != PENDING) {
            complete(e, q.state, q.result);
            return;
        }
        if (q == this) {
            complete(e, REJECTED, new IllegalStateException(
                    "a function returned the very promise that waits for it: it could never resolve"));
            return;
        }
        try {
            q.checkOwner(e, "adding a callback");
        } catch (IllegalStateException wrongThread) {
            complete(e, REJECTED, wrongThread);
            return;
        }
        absorb(q);
    }

    /**
     * Makes pending {@code q} a proxy of this pending promise (Lwt's make_into_proxy): q's callbacks
     * go in front of this one's (they ran first when q passed its outcome on through a callback),
     * each node now names this promise as its list, and cancelling either one now does what
     * cancelling q did. O(number of q's callbacks), usually none.
     */
    private void absorb(Lwt<T> q) {
        assert state == PENDING && q.state == PENDING && q != this;
        for (Callback c = q.head; c != null; c = c.next) {
            c.list = this;
        }
        for (Callback c = q.cancelHead; c != null; c = c.next) {
            c.list = this;
        }
        if (q.head != null) {
            if (head == null) {
                tail = q.tail;
            } else {
                q.tail.next = head;
                head.prev = q.tail;
            }
            head = q.head;
        }
        if (q.cancelHead != null) {
            if (cancelHead == null) {
                cancelTail = q.cancelTail;
            } else {
                q.cancelTail.next = cancelHead;
                cancelHead.prev = q.cancelTail;
            }
            cancelHead = q.cancelHead;
        }
        howToCancel = q.howToCancel;          // cancel now does what cancelling q did
        q.head = null;
        q.tail = null;
        q.cancelHead = null;
        q.cancelTail = null;
        q.howToCancel = null;
        q.result = this;
        q.state = PROXY;
    }

    private static NullPointerException nullPromise(String what) {
        return new NullPointerException("Lwt." + what + ": the function returned null instead of a promise"
                + " (return Lwt.resolved(null) for 'nothing')");
    }

    /**
     * {@code bind} and {@code recover}, one callback mirrored: when the source ends in state
     * {@code on}, the result follows the promise {@code f} makes of the source's value (bind) or
     * exception (recover); when it ends the other way, the result takes that outcome as it is.
     */
    private static final class Follow extends Callback {
        private final int on;
        private final Function<Object, ? extends Lwt<?>> f;
        private final Lwt<Object> r;
        private final String what;

        @SuppressWarnings("unchecked")
        Follow(int on, Function<?, ? extends Lwt<?>> f, Lwt<?> r, String what) {
            this.on = on;
            this.f = (Function<Object, ? extends Lwt<?>>) f;
            this.r = (Lwt<Object>) r;
            this.what = what;
        }

        @Override
        @SuppressWarnings("unchecked")
        void run(Lwt<?> src, Engine e) {
            if (r.stateNow() != PENDING) {
                return;
            }
            if (src.state != on) {
                r.underlying().complete(e, src.state, src.result);
                return;
            }
            Lwt<Object> q;
            try {
                q = (Lwt<Object>) f.apply(src.result);
                if (q == null) {
                    q = failed(nullPromise(what));
                }
            } catch (Throwable t) {
                settle(r, e, REJECTED, t);
                return;
            }
            Lwt<Object> u = r.underlying();   // f may have resolved r, or merged it into another
            if (u.state == PENDING) {
                u.follow(q, e);
            }
        }
    }

    private static final class MapCb<T, U> extends Callback {
        private final Function<? super T, ? extends U> f;
        private final Lwt<U> r;

        MapCb(Function<? super T, ? extends U> f, Lwt<U> r) {
            this.f = f;
            this.r = r;
        }

        @Override
        @SuppressWarnings("unchecked")
        void run(Lwt<?> src, Engine e) {
            if (r.stateNow() != PENDING) {
                return;
            }
            if (src.state == REJECTED) {
                r.underlying().complete(e, REJECTED, src.result);
                return;
            }
            U v;
            try {
                v = f.apply((T) src.result);
            } catch (Throwable t) {
                settle(r, e, REJECTED, t);
                return;
            }
            settle(r, e, FULFILLED, v);
        }
    }

    private static final class WhenDone<T> extends Callback {
        private final Runnable cleanup;
        private final Lwt<T> r;

        WhenDone(Runnable cleanup, Lwt<T> r) {
            this.cleanup = cleanup;
            this.r = r;
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            if (r.stateNow() != PENDING) {
                return;
            }
            Throwable failure = null;
            try {
                cleanup.run();
            } catch (Throwable t) {
                failure = t;
            }
            if (failure == null) {
                settle(r, e, src.state, src.result);
            } else if (src.state == FULFILLED) {
                settle(r, e, REJECTED, failure);
            } else {
                Throwable original = (Throwable) src.result;
                if (original != failure) {
                    original.addSuppressed(failure);
                }
                settle(r, e, REJECTED, original);
            }
        }
    }

    /**
     * Resolves the derived promise {@code r} (through its underlying promise: r may have become a
     * proxy), unless user code that ran meanwhile (a function, a cleanup) already resolved it.
     */
    private static void settle(Lwt<?> r, Engine e, int newState, Object value) {
        Lwt<?> u = r.underlying();
        if (u.state == PENDING) {
            u.complete(e, newState, value);
        }
    }

    // ===== 5. Cancellation ========================================================================

    /**
     * {@code Lwt.cancel}: if this promise is a pending {@link #task()}, rejects it with a new
     * {@link Canceled}; if it waits on other promises (bind/map/recover/whenDone, combinators),
     * cancels those instead, recursively, so that the rejection travels back to this promise. A
     * {@link #pending()} promise, or a chain ending in one, is not cancelable: nothing happens, as in
     * Lwt. A resolved promise: nothing happens. Loop thread only.
     *
     * @throws IllegalStateException if called on a pending promise from a thread other than its own
     */
    public void cancel() {
        if (stateNow() != PENDING) {
            return;
        }
        Engine e = Engine.current();
        underlying().checkOwner(e, "Lwt.cancel");
        // Lwt's cancel collects every cancelable task first, then rejects them (lwt.ml, "cancel").
        // Walked with an explicit stack: a chain of a million binds must not overflow it.
        List<Lwt<?>> tasks = null;
        Lwt<?> single = null;
        ArrayDeque<Lwt<?>> todo = null;
        // Waits can form a cycle (f returning a promise that waits on bind's own result): past a
        // short walk, remember where we have been so that the walk ends anyway.
        Set<Lwt<?>> seen = null;
        int steps = 0;
        Lwt<?> p = this;
        while (p != null) {
            p = p.underlying();               // howToCancel links may name promises that became proxies
            if (++steps > 64) {
                if (seen == null) {
                    seen = Collections.newSetFromMap(new IdentityHashMap<>());
                }
                if (!seen.add(p)) {
                    p = todo == null ? null : todo.poll();
                    continue;
                }
            }
            if (p.state == PENDING) {
                Object h = p.howToCancel;
                if (h == CANCEL_SELF) {
                    if (single == null) {
                        single = p;
                    } else {
                        if (tasks == null) {
                            tasks = new ArrayList<>();
                            tasks.add(single);
                        }
                        tasks.add(p);
                    }
                } else if (h instanceof Lwt<?> q) {
                    p = q;
                    continue;
                } else if (h instanceof Lwt<?>[] many) {
                    if (todo == null) {
                        todo = new ArrayDeque<>();
                    }
                    for (int i = many.length - 1; i >= 0; i--) {
                        todo.push(many[i]);           // so that list order is kept
                    }
                }
            }
            p = todo == null ? null : todo.poll();
        }
        if (single == null) {
            return;
        }
        Canceled c = new Canceled();
        e.depth++;
        try {
            if (tasks == null) {
                settle(single, e, REJECTED, c);
            } else {
                for (Lwt<?> t : tasks) {      // an earlier one's callbacks may have merged this one
                    settle(t, e, REJECTED, c);
                }
            }
        } finally {
            e.leave();
        }
    }

    /**
     * {@code Lwt.on_cancel}: runs {@code r} if this promise is cancelled (rejected with
     * {@link Canceled}), before its other callbacks; at once if it already is; never if it resolves
     * otherwise. What {@code r} throws goes to the loop's async-exception handler, as in Lwt. Loop
     * thread only.
     *
     * @param r what to run
     * @return this same promise
     */
    public Lwt<T> onCancel(Runnable r) {
        Objects.requireNonNull(r, "Lwt.onCancel: r");
        onCancel(new RunOnCancel(r));
        return this;
    }

    /** {@link #onCancel(Runnable)} with a callback node of the caller's own (a fiber's Done). */
    void onCancel(Callback c) {
        Lwt<T> u = underlying();
        if (u.state != PENDING && !u.isCanceled()) {
            return;
        }
        c.onCancel = true;
        u.add(c, u.engineHere());
    }

    private static final class RunOnCancel extends Callback {
        private final Runnable r;

        RunOnCancel(Runnable r) {
            this.r = r;
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            r.run();
        }
    }

    // ===== State reads ============================================================================

    /** @return true while neither fulfilled nor rejected */
    public boolean isPending() {
        return stateNow() == PENDING;
    }

    /** @return true once fulfilled */
    public boolean isFulfilled() {
        return stateNow() == FULFILLED;
    }

    /** @return true once rejected (cancelled included) */
    public boolean isRejected() {
        return stateNow() == REJECTED;
    }

    /**
     * The value, if fulfilled. If rejected, throws the rejection itself (the same instance, checked
     * or not, undeclared).
     *
     * @return the value
     * @throws IllegalStateException if the promise is still pending
     */
    @SuppressWarnings("unchecked")
    public T getNow() {
        Lwt<T> u = underlying();
        if (u.state == FULFILLED) {
            return (T) u.result;
        }
        if (u.state == REJECTED) {
            debug = OBSERVED;
            u.debug = OBSERVED;
            throw Throwing.sneaky((Throwable) u.result);
        }
        throw new IllegalStateException("Lwt.getNow: the promise is still pending; continue with"
                + " bind/map, or LwtMain.run(() -> promise) to run the loop until it resolves");
    }

    @Override
    public String toString() {
        return "Lwt[" + describeState() + "]";
    }

    // ===== 6. Combinators =========================================================================

    /**
     * Waits for every promise; the returned promise is fulfilled with their values in list order (an
     * unmodifiable list), or, once all are resolved, rejected with the first rejection to happen (with
     * several already rejected: the first in list order). As Lwt's {@code Lwt.all}. Cancelling it
     * cancels every input. An empty list gives an empty list at once. Loop thread only.
     *
     * @param ps  the promises
     * @param <T> the value type
     * @return the promise of all the values
     */
    public static <T> Lwt<List<T>> all(List<? extends Lwt<T>> ps) {
        Lwt<?>[] in = toArray(ps, "all", false);
        JoinState s = new JoinState(in.length, true);
        return s.start(in);
    }

    /**
     * Waits for every promise; the returned promise is fulfilled with null once all are fulfilled,
     * or, once all are resolved, rejected with the first rejection to happen ({@code Lwt.join}).
     * Cancelling it cancels every input. An empty list gives a resolved promise. Loop thread only.
     *
     * @param ps the promises
     * @return the promise of them all
     */
    public static Lwt<Void> join(List<? extends Lwt<?>> ps) {
        Lwt<?>[] in = toArray(ps, "join", false);
        JoinState s = new JoinState(in.length, false);
        return s.start(in);
    }

    /**
     * {@code Lwt.both} without the pair: {@code join(List.of(a, b))}. Loop thread only.
     *
     * @param a   the first promise
     * @param b   the second promise
     * @param <A> a's value type
     * @param <B> b's value type
     * @return the promise of both
     */
    public static <A, B> Lwt<Void> both(Lwt<A> a, Lwt<B> b) {
        Objects.requireNonNull(a, "Lwt.both: a");
        Objects.requireNonNull(b, "Lwt.both: b");
        JoinState s = new JoinState(2, false);
        return s.start(new Lwt<?>[] {a, b});
    }

    /**
     * The first of the promises to resolve wins: the returned promise resolves like it, and all the
     * others are cancelled and lose the callbacks this registered on them. When several are already
     * resolved, the first in list order wins (<i>ours</i>: Lwt picks at random). Cancelling the
     * returned promise cancels every input. Loop thread only.
     *
     * @param ps  the promises, at least one
     * @param <T> the value type
     * @return the winner's outcome
     * @throws IllegalArgumentException if {@code ps} is empty (as Lwt)
     */
    public static <T> Lwt<T> pick(List<? extends Lwt<T>> ps) {
        return race(ps, true);
    }

    /**
     * Like {@link #pick}, but the others are left to go on (only this combinator's callbacks are
     * removed from them). Loop thread only.
     *
     * @param ps  the promises, at least one
     * @param <T> the value type
     * @return the winner's outcome
     * @throws IllegalArgumentException if {@code ps} is empty (as Lwt)
     */
    public static <T> Lwt<T> choose(List<? extends Lwt<T>> ps) {
        return race(ps, false);
    }

    private static Lwt<?>[] toArray(List<? extends Lwt<?>> ps, String what, boolean nonEmpty) {
        Objects.requireNonNull(ps, "Lwt." + what + ": list");
        Lwt<?>[] in = ps.toArray(new Lwt<?>[0]);
        if (nonEmpty && in.length == 0) {
            throw new IllegalArgumentException("Lwt." + what + ": the list is empty; it needs at least"
                    + " one promise to wait for");
        }
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) {
                throw new NullPointerException("Lwt." + what + ": the promise at index " + i + " is null");
            }
        }
        return in;
    }

    private static final class JoinState {
        private final Object[] values;       // null for join
        private int remaining;
        private Throwable firstError;
        private Lwt<?> result;

        JoinState(int n, boolean keepValues) {
            this.values = keepValues ? new Object[n] : null;
            this.remaining = n;
        }

        @SuppressWarnings("unchecked")
        <R> Lwt<R> start(Lwt<?>[] in) {
            if (in.length == 0) {
                return (Lwt<R>) (values == null ? resolved(null) : resolved(List.of()));
            }
            Engine e = Engine.current();
            result = derived(e, in);
            for (int i = 0; i < in.length; i++) {
                in[i].add(new JoinCb(this, i), e);
            }
            return (Lwt<R>) result;
        }

        void arrived(int i, Lwt<?> src, Engine e) {
            if (src.state == FULFILLED) {
                if (values != null) {
                    values[i] = src.result;
                }
            } else if (firstError == null) {
                firstError = (Throwable) src.result;
            }
            if (--remaining == 0) {
                if (firstError != null) {
                    settle(result, e, REJECTED, firstError);
                } else {
                    settle(result, e, FULFILLED,
                            values == null ? null : Collections.unmodifiableList(Arrays.asList(values)));
                }
            }
        }
    }

    private static final class JoinCb extends Callback {
        private final JoinState s;
        private final int index;

        JoinCb(JoinState s, int index) {
            this.s = s;
            this.index = index;
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            s.arrived(index, src, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Lwt<T> race(List<? extends Lwt<T>> ps, boolean cancelLosers) {
        String what = cancelLosers ? "pick" : "choose";
        Lwt<?>[] in = toArray(ps, what, true);
        for (Lwt<?> p : in) {
            if (p.stateNow() != PENDING) {    // first in list order wins (ours)
                if (cancelLosers) {
                    for (Lwt<?> q : in) {
                        if (q != p) {
                            q.cancel();
                        }
                    }
                }
                return (Lwt<T>) p;
            }
        }
        Engine e = Engine.current();
        RaceState s = new RaceState(in, derived(e, in), cancelLosers);
        for (int i = 0; i < in.length; i++) {
            RaceCb c = new RaceCb(s);
            s.callbacks[i] = c;
            in[i].add(c, e);
        }
        return (Lwt<T>) s.result;
    }

    private static final class RaceState {
        final Lwt<?>[] in;
        final RaceCb[] callbacks;
        final Lwt<?> result;
        final boolean cancelLosers;
        /** Set by the winner before it cancels the losers, whose callbacks must then not count. */
        boolean decided;

        RaceState(Lwt<?>[] in, Lwt<?> result, boolean cancelLosers) {
            this.in = in;
            this.callbacks = new RaceCb[in.length];
            this.result = result;
            this.cancelLosers = cancelLosers;
        }
    }

    private static final class RaceCb extends Callback {
        private final RaceState s;

        RaceCb(RaceState s) {
            this.s = s;
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            RaceState st = s;
            if (st.decided || st.result.stateNow() != PENDING) {
                return;
            }
            st.decided = true;
            for (int i = 0; i < st.in.length; i++) {    // the losers forget us: nothing accumulates
                RaceCb c = st.callbacks[i];
                if (c != this && c.list != null) {
                    c.list.unlink(c);
                }
            }
            if (st.cancelLosers) {
                for (Lwt<?> p : st.in) {
                    if (p != src) {
                        p.cancel();
                    }
                }
            }
            settle(st.result, e, src.state, src.result);
        }
    }

    /**
     * {@code Lwt.async}: runs {@code f} at once and forgets its promise, except for a failure: what
     * {@code f} throws, or the rejection of its promise (now or later, {@link Canceled} included, as
     * in Lwt), goes to the running loop's async-exception handler
     * ({@link LwtMain#setAsyncExceptionHandler}); the default one stops the loop and makes
     * {@link LwtMain#run} throw it. With no loop running on this thread there is no handler: the
     * failure is thrown, as the same instance, out of the outermost call running on this thread (this
     * one, or the resolve that rejected the promise) once its callbacks have run. Never dropped.
     *
     * @param f what to run
     */
    public static void async(Supplier<? extends Lwt<?>> f) {
        Objects.requireNonNull(f, "Lwt.async: f");
        Engine e = Engine.current();
        Lwt<?> p;
        try {
            p = f.get();
        } catch (Throwable t) {
            e.reportAsync(t);
            return;
        }
        if (p == null) {
            e.reportAsync(nullPromise("async"));
            return;
        }
        Lwt<?> u = p.underlying();
        if (u.state == REJECTED) {
            e.reportAsync((Throwable) u.result);
        } else if (u.state == PENDING) {
            u.add(new AsyncCb(), e);
        }
    }

    private static final class AsyncCb extends Callback {
        @Override
        void run(Lwt<?> src, Engine e) {
            if (src.state == REJECTED) {
                e.reportAsync((Throwable) src.result);
            }
        }
    }

    // ===== 7. Hooks for LwtFiber (package-private) ================================================

    /**
     * Labels this promise for {@link LwtFiber#dump()} and the {@code loomcc.FiberSuspend} JFR
     * event: a fiber awaiting it is shown as waiting for {@code what.toString()}. That is called
     * only when a dump is made or JFR records, so pass something cheap to keep: a constant
     * string, or the object waited on (an {@code LwtMutex} whose {@code toString} says who holds
     * it). A label set on a resolved promise is ignored. Loop thread.
     *
     * @return this promise
     */
    public Lwt<T> describedAs(Object what) {
        Objects.requireNonNull(what, "Lwt.describedAs: what");
        if (state == PENDING) {
            debug = what;
        }
        return this;
    }

    /** What {@link #describedAs} said, or null. */
    Object description() {
        Lwt<T> u = underlying();              // a proxy answers for the promise it stands for
        if (u.state != PENDING) {
            return null;
        }
        return debug != null ? debug : u.debug;
    }

    /** True when this promise has callbacks that will run when it resolves (not counting onCancel). */
    boolean hasCallbacks() {
        return underlying().head != null;
    }

    /** True when this rejected promise's error has been seen (a callback, getNow, an await). */
    boolean errorObserved() {
        return debug == OBSERVED || underlying().debug == OBSERVED;
    }

    /** Fast read of the state: {@link #PENDING}, {@link #FULFILLED} or {@link #REJECTED}. */
    int state() {
        return stateNow();
    }

    /** Fast read: the value if fulfilled, the Throwable if rejected, null while pending. */
    Object rawResult() {
        return underlying().result;
    }

    /**
     * Registers a one-shot callback; it runs like any other (in registration order, within the
     * nesting bound): once, when this promise resolves, or at once if it already is. Owner thread
     * only while pending.
     */
    void addCallback(Callback c) {
        Objects.requireNonNull(c, "callback");
        add(c, engineHere());
    }

    /**
     * The calling thread's engine: this promise's owner when the caller runs on the owner's thread
     * (the await path, a fiber's start: no thread-local lookup), else {@link Engine#current()},
     * with which add() checks the thread.
     */
    private Engine engineHere() {
        Engine o = owner;
        return o != null && o.thread == Thread.currentThread() ? o : Engine.current();
    }

    /**
     * Unlinks a callback registered with {@link #addCallback} before it ran, in O(1). Returns false if
     * it is not (or no longer) registered here. Owner thread only.
     */
    boolean removeCallback(Callback c) {
        Lwt<T> u = underlying();             // absorb() moved the node along with q's other callbacks
        if (c.list != u) {
            return false;
        }
        u.unlink(c);
        return true;
    }

    /**
     * What this pending promise waits for, when a toolkit primitive made it ("LwtMutex@1b2c3d.lock()",
     * "LwtStream@...next()", ...), for fiber dumps: the description of its waiter (the
     * {@link WaitQueue.Waiter} registered on it as an onCancel callback), or of the promise it
     * follows ({@code withLock}, {@code LwtCondition.await(mutex)}); null when none says.
     */
    String waitsFor() {
        Lwt<?> p = underlying();              // a waiter moves with the callbacks of a proxy
        for (int hops = 0; p != null && p.state == PENDING && hops < 16; hops++) {
            for (Callback c = p.cancelHead; c != null; c = c.next) {
                if (c instanceof WaitQueue.Waiter<?> w) {
                    return w.describe();
                }
            }
            p = p.howToCancel instanceof Lwt<?> q ? q.underlying() : null;
        }
        return null;
    }

    /**
     * LwtAwaiter's hook: this promise was fulfilled, but the fiber that waited on it was cancelled
     * before its callback ran (the callbacks were deferred past the nesting bound), so the value
     * will never reach it. A toolkit waiter registered on it passes its grant on (a lock to the
     * next waiter, a value back to the stream or box).
     */
    void undelivered() {
        Lwt<T> u = underlying();
        if (u.state != FULFILLED) {
            return;
        }
        for (Callback c = u.cancelHead; c != null; c = c.next) {
            if (c instanceof WaitQueue.Waiter<?> w) {
                w.undelivered();
                return;
            }
        }
    }

    /** Number of callbacks registered and not yet run (both lists); for tests and diagnostics. */
    int callbackCount() {
        Lwt<T> u = underlying();
        int n = 0;
        for (Callback c = u.head; c != null; c = c.next) {
            n++;
        }
        for (Callback c = u.cancelHead; c != null; c = c.next) {
            n++;
        }
        return n;
    }

    /** True if this promise became a proxy (see "Proxies" in the reading guide); for tests. */
    boolean isProxy() {
        return state == PROXY;
    }

    // ===== Canceled ===============================================================================

    /**
     * The exception a cancelled promise is rejected with ({@code Lwt.Canceled}). Each
     * {@link Lwt#cancel()} call creates one instance and rejects every task it reaches with it.
     */
    public static class Canceled extends CancellationException {
        private static final long serialVersionUID = 1L;

        /** A cancellation with the standard message. */
        public Canceled() {
            super("Lwt.Canceled");
        }
    }
}
