package loomcc.lwt;

import java.util.Objects;

/**
 * A condition variable ({@code Lwt_condition}): waiters wait for a signal that carries a value.
 * {@link #signal} wakes the oldest waiter, {@link #broadcast} all of them; a signal with nobody
 * waiting is lost, as in Lwt (keep the state itself under an {@link LwtMutex} and re-check it in a
 * loop after each wake-up).
 *
 * <pre>{@code
 * LwtFiber.await(mutex.lock());
 * try {
 *     while (queue.isEmpty()) {
 *         LwtFiber.await(nonEmpty.await(mutex));   // releases mutex while waiting
 *     }
 *     ... // mutex held
 * } finally {
 *     mutex.unlock();
 * }
 * }</pre>
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>, like {@link Lwt}.
 *
 * <h2>Cancellation</h2>
 * {@link #await} returns a cancelable promise; cancelling it takes the waiter off the queue. With a
 * mutex, the caller holds the mutex again before {@link Lwt.Canceled} comes out: promise code
 * continues only once the mutex is held again, whichever way the wait ends. A fiber's await throws
 * {@code Canceled} at once when the fiber is cancelled (LwtFiber's rule); the mutex is then taken
 * again at once when it is free, which is when {@code Canceled} comes out; when another holder has
 * it, the fiber's claim is queued and counts as held (so the {@code unlock()} in the fiber's
 * {@code finally} stays right), but the fiber's handler runs before that holder has unlocked.
 * A {@code signal} taken by a waiter whose fiber is cancelled before it ran again (its resume
 * deferred past the loop's nesting bound) goes to the next waiter when no mutex was given; with a
 * mutex it is spent on the cancelled waiter.
 *
 * @param <T> the type of the value a signal carries
 */
public final class LwtCondition<T> {

    /*
     * State table (one waiter of await(mutex)):
     *
     *   FROM        -> TO           // cause
     *   (new)       -> QUEUED       // await: queued last, then the mutex is unlocked (so a signal
     *                               //   sent by the next holder of the mutex reaches this waiter)
     *   QUEUED      -> RELOCKING    // signal/broadcast (value) or broadcastError, or its promise
     *                               //   was cancelled: taken off the queue, re-locks the mutex
     *   RELOCKING   -> DONE         // the mutex is held again: the returned promise resolves with
     *                               //   the value, the error or Canceled
     *
     * Without a mutex, QUEUED -> DONE directly. The re-lock cannot be cancelled (a second cancel
     * does nothing), so the returned promise never resolves without the mutex held.
     */
    private final WaitQueue<CondWaiter<T>> waiters = new WaitQueue<>();

    /** A new condition with nobody waiting. Any thread. */
    public LwtCondition() {
    }

    /**
     * Waits for the next {@link #signal} or {@link #broadcast}. With a {@code mutex} (held by the
     * caller), releases it while waiting and holds it again when the returned promise resolves,
     * whichever way (signal, error, cancel).
     *
     * @param mutex the mutex the caller holds, or null
     * @return the promise of the signalled value
     * @throws IllegalStateException if {@code mutex} is not locked
     */
    public Lwt<T> await(LwtMutex mutex) {
        if (mutex != null && !mutex.isLocked()) {
            throw new IllegalStateException("LwtCondition.await: " + mutex + " is not locked; lock it first"
                    + " (await releases it while waiting and holds it again when the wait ends), or pass null");
        }
        CondWaiter<T> w = new CondWaiter<>(this);
        waiters.add(w);
        if (mutex == null) {
            return w.promise().describedAs(this); // fiber dumps: the condition
        }
        mutex.unlock();
        // Relock on both paths before anything downstream runs; the relock itself is not
        // cancelable (relock() hands out a pending(), not a task), so a second cancel cannot
        // resolve this without the mutex.
        return w.promise()
                .recover(error -> relock(mutex).bind(held -> Lwt.<T>failed(error)))
                .bind(value -> relock(mutex).map(held -> value))
                .describedAs(this);               // fiber dumps: the condition
    }

    /** Locks {@code mutex} with a promise that cancel cannot reach. */
    private static Lwt<Void> relock(LwtMutex mutex) {
        Lwt<Void> l = mutex.lock();
        if (!l.isPending()) {
            return l;
        }
        Resolver<Void> shield = Lwt.pending();
        l.addCallback(new Lwt.Callback() {
            @Override
            void run(Lwt<?> src, loomcc.internal.lwt.Engine e) {
                shield.resolve(null);        // the lock task is never cancelled: only we hold it
            }
        });
        return shield.promise();
    }

    /**
     * Wakes the oldest waiter with {@code value}; lost when nobody waits (Lwt's rule).
     *
     * @param value the value, may be null
     */
    public void signal(T value) {
        CondWaiter<T> w = waiters.poll();
        if (w != null) {
            w.signalled = true;
            w.resolver.resolve(value);
        }
    }

    /**
     * Wakes every waiter queued now with {@code value}, oldest first; waiters that arrive meanwhile
     * (from the woken code) wait for the next signal.
     *
     * @param value the value, may be null
     */
    public void broadcast(T value) {
        WaitQueue<CondWaiter<T>> now = drain();
        CondWaiter<T> w;
        while ((w = now.poll()) != null) {
            w.resolver.resolve(value);
        }
    }

    /**
     * Rejects every waiter queued now with {@code error}, oldest first.
     *
     * @param error the error, not null
     */
    public void broadcastError(Throwable error) {
        Objects.requireNonNull(error, "LwtCondition.broadcastError: error");
        WaitQueue<CondWaiter<T>> now = drain();
        CondWaiter<T> w;
        while ((w = now.poll()) != null) {
            w.resolver.reject(error);
        }
    }

    /** Moves every queued waiter to a fresh queue, so that new waiters are not woken by this call. */
    private WaitQueue<CondWaiter<T>> drain() {
        WaitQueue<CondWaiter<T>> now = new WaitQueue<>();
        CondWaiter<T> w;
        while ((w = waiters.poll()) != null) {
            now.add(w);
        }
        return now;
    }

    /**
     * Whether some {@code await} is waiting.
     *
     * @return true when some {@code await} is waiting
     */
    public boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    @Override
    public String toString() {
        return "LwtCondition@" + Integer.toHexString(System.identityHashCode(this))
                + "[" + waiters.size() + " waiting]";
    }

    /** One {@code await} that waits: its cancel and lost-signal paths. */
    private static final class CondWaiter<T> extends WaitQueue.Waiter<T> {
        private final LwtCondition<T> condition;
        /** Woken by signal (not broadcast): a signal lost to a cancelled fiber goes to the next waiter. */
        boolean signalled;

        CondWaiter(LwtCondition<T> condition) {
            this.condition = condition;
        }

        @Override
        void cancelled() {
            if (queue != null) {
                queue.remove(this);       // the relock, if any, follows in await's chain
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        void undelivered() {
            if (signalled) {
                condition.signal((T) promise().rawResult());
            }
        }

        @Override
        String describe() {
            return "LwtCondition@" + Integer.toHexString(System.identityHashCode(condition)) + ".await()";
        }
    }
}
