package loomcc.lwt;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import loomcc.fiber.Fiber;
import loomcc.internal.Throwing;

/**
 * Structured concurrency on the loop: fibers forked in a scope are owned by it, and the scope does
 * not end before they do. The JDK's {@code StructuredTaskScope} shape, Eio's {@code Switch} rules:
 *
 * <pre>{@code
 * try (LwtScope scope = LwtScope.open()) {
 *     Lwt<String> user  = scope.fork(() -> fetchUser(id));
 *     Lwt<Integer> cart = scope.fork(() -> fetchCart(id));
 *     scope.join();                         // both done; or the first failure, the other cancelled
 *     return render(user.getNow(), cart.getNow());
 * }                                         // close: cancels what runs, waits, closes resources
 * }</pre>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>{@link #fork} starts a fiber ({@link LwtFiber#start}'s rules) owned by the scope. The first
 *       fork to fail (with anything, a {@link Lwt.Canceled} the scope did not cause included)
 *       cancels all the others at once; later failures, including one thrown by a fork while it is
 *       being cancelled, are added to the first as suppressed (never sent to the loop's handler),
 *       and forks asked for afterwards are not started (their promise is rejected with
 *       {@code Canceled}). To stop one fork without failing the scope, catch {@code Canceled} in it.
 *   <li>{@link #join} waits until every fork's body has ended (its {@code finally} blocks, awaits
 *       included, have run) and throws the first failure, once: the same instance, checked ones
 *       included, undeclared.
 *   <li>{@link #close} cancels the forks still running, waits until every body has ended, then
 *       closes the resources registered with {@link #onClose}, last first; it throws the first
 *       failure if {@code join} did not (a failure nobody joined comes out here), with the
 *       resources' failures suppressed; with no fork failure, the first resource failure, with the
 *       others suppressed. Nothing is lost. Its wait cannot be cut short: a {@code Canceled} sent to
 *       the closing fiber meanwhile is thrown once every fork has ended.
 * </ul>
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>; {@link #open}, {@link #join} and {@link #close} in a fiber (they block
 * it, never the loop), and never in one of the scope's own forks, which would wait for itself.
 * {@link #fork} and {@link #onClose} from any code of the loop, forks included.
 */
public final class LwtScope implements AutoCloseable {

    /*
     * State table (the scope):
     *
     *   FROM       -> TO        // cause
     *   OPEN       -> FAILED    // a fork failed: every other live fork is cancelled at once
     *   OPEN       -> CLOSING   // close(): every live fork is cancelled
     *   FAILED     -> CLOSING   // close()
     *   CLOSING    -> CLOSED    // every fork's body ended; resources closed, last first
     *
     * One fork: RUNNING -> DONE once both its body ended (returned or threw: finally blocks ran) and
     * its promise settled, in either order (a cancelled fork's promise settles first, its body ends
     * later); it then leaves the live set, and joiners are woken when it was the last. `cancelled` marks the forks the scope itself cancelled: their
     * Canceled is not a failure.
     */
    private static final int OPEN = 0;
    private static final int FAILED = 1;
    private static final int CLOSING = 2;
    private static final int CLOSED = 3;

    private int state = OPEN;
    private final Set<Fork<?>> live = new LinkedHashSet<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Throwable firstFailure;
    private boolean failureThrown;
    /** Resolved when the last live fork ends; null while nobody waits. */
    private Resolver<Void> idle;

    private LwtScope() {
    }

    /**
     * Opens a scope, owned by the calling fiber.
     *
     * @return the new scope
     * @throws IllegalStateException outside a fiber
     */
    public static LwtScope open() {
        requireFiber("LwtScope.open");
        return new LwtScope();
    }

    /**
     * Forks {@code body} into a new fiber owned by this scope: {@link LwtFiber#start}, whose body
     * starts at once and runs until its first await of a pending promise.
     *
     * @param body the fork's body
     * @param <T>  its value type
     * @return the fork's promise (cancelling it fails the scope, unless the body catches the
     *         {@code Canceled}); rejected with {@code Canceled}, the body not run, after the scope
     *         failed
     * @throws IllegalStateException once {@link #close} was called
     */
    public <T> Lwt<T> fork(Supplier<T> body) {
        Objects.requireNonNull(body, "LwtScope.fork: body");
        if (state >= CLOSING) {
            throw new IllegalStateException("LwtScope.fork: " + this + " is closed; fork before close(),"
                    + " e.g. inside the try-with-resources block that opened it");
        }
        if (state == FAILED) {
            return Lwt.failed(new Lwt.Canceled());
        }
        Fork<T> f = new Fork<>();
        live.add(f);
        Lwt<T> p = LwtFiber.start(() -> f.run(this, body));
        f.promise = p;
        if (f.cancelled && !f.bodyEnded) {
            p.cancel();        // the scope failed while the body ran before its first suspension
        }
        p.addCallback(new Lwt.Callback() {    // done = body ended and promise settled, either order
            @Override
            void run(Lwt<?> src, loomcc.internal.lwt.Engine e) {
                f.settled = true;
                if (f.bodyEnded) {
                    done(f);
                }
            }
        });
        return p;
    }

    /**
     * Registers {@code resource} to be closed when the scope closes, after every fork has ended,
     * in the reverse order of registration.
     *
     * @param resource what to close
     * @param <C>      its type
     * @return {@code resource}
     * @throws IllegalStateException once {@link #close} was called; the resource is closed first
     *         (its failure suppressed in this exception), so nothing leaks
     */
    public <C extends AutoCloseable> C onClose(C resource) {
        Objects.requireNonNull(resource, "LwtScope.onClose: resource");
        if (state >= CLOSING) {
            IllegalStateException e = new IllegalStateException("LwtScope.onClose: " + this + " is closed;"
                    + " the resource was closed at once");
            try {
                resource.close();
            } catch (Throwable t) {
                e.addSuppressed(t);
            }
            throw e;
        }
        resources.add(resource);
        return resource;
    }

    /**
     * Waits until every fork's body has ended (forks forked meanwhile included), then throws the
     * first failure if there is one and no earlier {@code join} threw it. Blocks the calling fiber
     * only. If the calling fiber is cancelled meanwhile, this throws that {@code Canceled} at once
     * (the forks go on; {@code close} cancels them).
     *
     * @throws IllegalStateException outside a fiber, or in one of this scope's forks
     */
    public void join() {
        requireOwner("LwtScope.join");
        while (!live.isEmpty()) {
            LwtFiber.await(idlePromise());
        }
        throwFailureOnce();
    }

    /**
     * Cancels the forks still running, waits until every body has ended, closes the resources last
     * first, and throws what {@code join} did not (see the class rules). Closing a closed scope does
     * nothing.
     *
     * @throws IllegalStateException outside a fiber, or in one of this scope's forks
     */
    @Override
    public void close() {
        if (state == CLOSED) {
            return;
        }
        requireOwner("LwtScope.close");
        state = CLOSING;
        cancelLive();
        Throwable interrupted = null;
        while (!live.isEmpty()) {
            try {
                LwtFiber.await(idlePromise());
            } catch (Lwt.Canceled c) {
                interrupted = c;   // keep waiting: the forks' cleanup must end first (Eio's rule)
            }
        }
        state = CLOSED;
        Throwable primary = failureThrown ? null : firstFailure;
        failureThrown = true;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Throwable t) {
                if (primary == null) {
                    primary = t;
                } else if (primary != t) {
                    primary.addSuppressed(t);
                }
            }
        }
        resources.clear();
        if (interrupted != null) {
            if (primary != null && primary != interrupted) {
                interrupted.addSuppressed(primary);
            }
            primary = interrupted;
        }
        if (primary != null) {
            throw Throwing.sneaky(primary);
        }
    }

    @Override
    public String toString() {
        return "LwtScope@" + Integer.toHexString(System.identityHashCode(this)) + "["
                + switch (state) {
                    case OPEN -> "open";
                    case FAILED -> "failed";
                    case CLOSING -> "closing";
                    default -> "closed";
                } + ", " + live.size() + " running]";
    }

    // ----------------------------------------------------------------------------- internals

    private static void requireFiber(String what) {
        if (Fiber.current() == null) {
            throw new IllegalStateException(what + " called outside a fiber: a scope blocks the fiber that"
                    + " joins or closes it; run it in one, e.g. LwtFiber.start(() -> { try (LwtScope s ="
                    + " LwtScope.open()) { ... } })");
        }
    }

    private void requireOwner(String what) {
        requireFiber(what);
        Fiber<?> me = Fiber.current();
        for (Fork<?> f : live) {
            if (f.fiber == me && !f.bodyEnded) {
                throw new IllegalStateException(what + " called in a fork of " + this + ": it would wait"
                        + " for itself; join and close the scope in the fiber that opened it");
            }
        }
    }

    private Lwt<Void> idlePromise() {
        if (idle == null) {
            idle = Lwt.pending();
        }
        return idle.promise();
    }

    private void throwFailureOnce() {
        if (firstFailure != null && !failureThrown) {
            failureThrown = true;
            throw Throwing.sneaky(firstFailure);
        }
    }

    /** Cancels every live fork the scope has not cancelled yet. */
    private void cancelLive() {
        for (Fork<?> f : new ArrayList<>(live)) {
            if (!f.cancelled && !f.bodyEnded) {
                f.cancelled = true;
                if (f.promise != null) {
                    f.promise.cancel();   // its pending await throws Canceled now; it may go on awhile
                }                         // (else: still in its first run; fork() cancels it after)
            }
        }
    }

    /** A fork failed with {@code t}: the first failure cancels the others; later ones are suppressed. */
    private void failed(Throwable t) {
        if (firstFailure == null) {
            firstFailure = t;
            if (state == OPEN) {
                state = FAILED;
            }
            cancelLive();
        } else if (firstFailure != t) {
            firstFailure.addSuppressed(t);
        }
    }

    /** The fork's body has ended and its promise is settled. */
    private void done(Fork<?> f) {
        live.remove(f);
        if (live.isEmpty() && idle != null) {
            Resolver<Void> r = idle;
            idle = null;
            r.resolve(null);
        }
    }

    /** One forked fiber: its body runs inside {@link #run}, which tells the scope how it ended. */
    private static final class Fork<T> {
        Lwt<T> promise;        // null until LwtFiber.start returned
        Fiber<?> fiber;
        boolean cancelled;     // by the scope (a failure elsewhere, or close)
        boolean bodyEnded;     // the body returned or threw (its finally blocks ran)
        boolean settled;       // its promise is resolved (a cancelled fork's before its body ended)

        T run(LwtScope scope, Supplier<T> body) {
            fiber = Fiber.current();
            try {
                return body.get();
            } catch (Throwable t) {
                if (!(cancelled && t instanceof Lwt.Canceled)) {
                    scope.failed(t);
                }
                if (promise != null && !promise.isPending() && !(t instanceof Lwt.Canceled)) {
                    // Its promise was already rejected (cancelled): LwtFiber would send t to the
                    // loop's handler. The scope has it; end the fiber quietly.
                    throw new Lwt.Canceled();
                }
                throw t;
            } finally {
                bodyEnded = true;
                if (settled) {
                    scope.done(this);   // cancelled earlier: the promise settled first
                }
            }
        }
    }
}
