package loomcc.lwt;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A mutual-exclusion lock for promise code and fibers on one loop ({@code Lwt_mutex}): not
 * reentrant, not owned (any code of the loop may unlock it, as in Lwt), FIFO.
 *
 * <pre>{@code
 * LwtMutex m = new LwtMutex();
 * LwtFiber.await(m.lock());
 * try {
 *     ... // awaits here are fine: other fibers that lock m wait, the loop goes on
 * } finally {
 *     m.unlock();
 * }
 * // or, on every path: m.withLock(() -> LwtFiber.start(() -> ...))
 * }</pre>
 *
 * <p>Why not {@code synchronized}: every fiber of a loop runs on the loop's one thread. A fiber
 * that suspends inside a monitor keeps it; the next fiber that tries to enter it blocks the loop
 * thread itself (state {@code BLOCKED}), so the first can never run again to leave it: the loop is
 * deadlocked. A {@code ReentrantLock} is no better: it belongs to the thread, which all the loop's
 * fibers share, so the second fiber walks right in. An {@code LwtMutex} blocks only the fiber (or
 * delays only the promise chain) that waits for it.
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>, like {@link Lwt}: a mutex belongs to the loop of the thread that first
 * waits on it; its waiters' promises are that loop's.
 *
 * <h2>Waiters and cancellation</h2>
 * {@link #lock} on a locked mutex returns a cancelable promise ({@link Lwt#task()}): cancelling it
 * (or the fiber that awaits it) takes the waiter off the queue. {@link #unlock} hands the mutex to
 * the oldest waiter, which then holds it. A waiter that was granted the mutex, and whose fiber was
 * cancelled before it ran again, unlocks it for the next one: a cancel never leaves the mutex
 * locked (Lwt had exactly that bug: lwt#202, lwt#262).
 */
public final class LwtMutex {

    /*
     * State table (one mutex):
     *
     *   FROM                  -> TO                     // cause
     *   UNLOCKED              -> LOCKED, no waiters     // lock(): granted at once (a resolved promise, no allocation)
     *   LOCKED                -> LOCKED, +1 waiter      // lock(): queued, last
     *   LOCKED, n waiters     -> LOCKED, n-1 waiters    // unlock(): the oldest waiter now holds it (its promise
     *                                                   //   is fulfilled); or a queued waiter was cancelled
     *   LOCKED, no waiters    -> UNLOCKED               // unlock()
     *   UNLOCKED              -> UNLOCKED               // unlock(): IllegalStateException, nothing changes
     *
     * A waiter granted the mutex whose fiber is cancelled before it runs again (Waiter.undelivered)
     * counts as an unlock by that waiter: the mutex passes to the next waiter, or is unlocked.
     */
    private boolean locked;
    private final WaitQueue<LockWaiter> waiters = new WaitQueue<>();

    /** A new, unlocked mutex. Any thread; it belongs to the loop that first waits on it. */
    public LwtMutex() {
    }

    /**
     * Locks the mutex: a promise fulfilled (with null) once this caller holds it. On an unlocked
     * mutex: an already-resolved promise, allocating nothing. On a locked one: a cancelable promise,
     * fulfilled when every earlier waiter has had its turn; cancelling it removes the waiter. Pair
     * each fulfilled {@code lock()} with one {@link #unlock()}.
     *
     * @return the promise of the lock
     * @throws IllegalStateException if the mutex is locked and this is not its loop's thread
     */
    public Lwt<Void> lock() {
        if (!locked) {
            locked = true;
            return Lwt.resolved(null);
        }
        LockWaiter w = new LockWaiter(this);
        waiters.add(w);
        return w.promise().describedAs(this); // fiber dumps: "waits for LwtMutex@..[locked, n waiting]"
    }

    /**
     * Unlocks the mutex: the oldest waiter now holds it, and its code runs (as its promise's
     * callbacks) before this returns, unless the loop's nesting bound defers it.
     *
     * @throws IllegalStateException if the mutex is not locked
     */
    public void unlock() {
        if (!locked) {
            throw new IllegalStateException("LwtMutex.unlock: " + this + " is not locked: call unlock()"
                    + " once for each lock() whose promise was fulfilled, after it was");
        }
        LockWaiter next = waiters.poll();
        if (next == null) {
            locked = false;
        } else {
            next.resolver.resolve(null);   // it holds the mutex now; `locked` stays true
        }
    }

    /**
     * Runs {@code f} with the mutex held and unlocks it when {@code f}'s promise resolves, on every
     * path: {@code f} throwing, returning null, its promise failing or being cancelled.
     * Cancelling the returned promise before the lock is granted removes the waiter, and {@code f}
     * never runs; after, it cancels {@code f}'s promise.
     *
     * @param f   the critical section
     * @param <T> its value type
     * @return a promise resolved like {@code f}'s, after the unlock
     */
    public <T> Lwt<T> withLock(Supplier<? extends Lwt<T>> f) {
        Objects.requireNonNull(f, "LwtMutex.withLock: f");
        return lock().bind(ignored -> {
            Lwt<T> inside;
            try {
                inside = f.get();
            } catch (Throwable t) {
                unlock();
                throw t;
            }
            if (inside == null) {
                unlock();
                throw new NullPointerException("LwtMutex.withLock: f returned null instead of a promise"
                        + " (return Lwt.resolved(null) for 'nothing')");
            }
            return inside.whenDone(this::unlock);
        });
    }

    /**
     * Whether some caller holds the mutex.
     *
     * @return true while some caller holds the mutex
     */
    public boolean isLocked() {
        return locked;
    }

    /**
     * Whether some {@code lock()} waits for the mutex.
     *
     * @return true when some {@code lock()} is waiting for it
     */
    public boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    @Override
    public String toString() {
        return "LwtMutex@" + Integer.toHexString(System.identityHashCode(this))
                + (locked ? "[locked, " + waiters.size() + " waiting]" : "[unlocked]");
    }

    /** One {@code lock()} that waits: its grant, cancel and lost-grant paths. */
    private static final class LockWaiter extends WaitQueue.Waiter<Void> {
        private final LwtMutex mutex;

        LockWaiter(LwtMutex mutex) {
            this.mutex = mutex;
        }

        @Override
        void cancelled() {
            mutex.waiters.remove(this);   // queued: leave the queue; granted: nothing to undo here
        }

        @Override
        void undelivered() {
            mutex.unlock();               // it held the mutex without knowing: pass it on
        }

        @Override
        String describe() {
            return "LwtMutex@" + Integer.toHexString(System.identityHashCode(mutex)) + ".lock()";
        }
    }
}
