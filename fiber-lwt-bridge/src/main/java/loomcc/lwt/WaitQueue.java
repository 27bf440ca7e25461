package loomcc.lwt;

import loomcc.internal.lwt.Engine;

/**
 * The FIFO queue of waiters that each of the toolkit's primitives ({@link LwtMutex},
 * {@link LwtCondition}, {@link LwtMvar}, {@link LwtStream}) keeps: an intrusive doubly-linked list,
 * so that a cancelled waiter leaves it in O(1) and the others keep their order. Not API; loop thread
 * only, like the primitives.
 *
 * <p>Each primitive's own file holds its waiter class (a {@link Waiter} subclass) with the three
 * things that can happen to a waiter side by side: it is granted (the primitive takes it off the
 * queue and resolves its promise), it is cancelled while queued ({@link Waiter#cancelled}), or it
 * is granted and then abandoned by a cancelled fiber before it ran again
 * ({@link Waiter#undelivered}), in which case the primitive passes the grant on.
 */
final class WaitQueue<W extends WaitQueue.Waiter<?>> {
    private Waiter<?> head;
    private Waiter<?> tail;
    private int size;

    boolean isEmpty() {
        return head == null;
    }

    int size() {
        return size;
    }

    /** Appends {@code w}: it is woken after every waiter already queued. */
    void add(W w) {
        assert w.queue == null : "waiter queued twice";
        w.queue = this;
        w.qprev = tail;
        if (tail == null) {
            head = w;
        } else {
            tail.qnext = w;
        }
        tail = w;
        size++;
    }

    /** Puts {@code w} first: it is woken before every waiter already queued. */
    void addFirst(W w) {
        assert w.queue == null : "waiter queued twice";
        w.queue = this;
        w.qnext = head;
        if (head == null) {
            tail = w;
        } else {
            head.qprev = w;
        }
        head = w;
        size++;
    }

    /** The oldest waiter, taken off the queue; null when empty. */
    @SuppressWarnings("unchecked")
    W poll() {
        Waiter<?> w = head;
        if (w != null) {
            remove(w);
        }
        return (W) w;
    }

    /** Takes {@code w} off this queue; false if it is not (or no longer) on it. */
    boolean remove(Waiter<?> w) {
        if (w.queue != this) {
            return false;
        }
        Waiter<?> p = w.qprev;
        Waiter<?> n = w.qnext;
        if (p == null) {
            head = n;
        } else {
            p.qnext = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.qprev = p;
        }
        w.qprev = null;
        w.qnext = null;
        w.queue = null;
        size--;
        return true;
    }

    /**
     * One waiting operation: the write end of the cancelable promise ({@link Lwt#task()}) handed to
     * the caller, and its place in a {@link WaitQueue}. It is registered as the promise's
     * {@code onCancel} callback (no extra node: the waiter is the callback), so cancelling the
     * promise runs {@link #cancelled} before the promise's other callbacks; and it is the promise's
     * label for fiber dumps ({@link Lwt#describedAs}), so a fiber waiting on it shows as waiting
     * for {@code LwtMutex@1b2c3d.lock()}, {@code LwtStream@....next()} and so on.
     *
     * @param <V> the promise's value type
     */
    abstract static class Waiter<V> extends Lwt.Callback {
        final Resolver<V> resolver;
        WaitQueue<?> queue;
        Waiter<?> qprev;
        Waiter<?> qnext;

        Waiter() {
            this(true);
        }

        /**
         * {@code withPromise} false: a queue entry with no promise and nobody waiting on it (a value
         * given back to a queue by a cancelled fiber); its {@link #resolver} is null.
         */
        Waiter(boolean withPromise) {
            if (withPromise) {
                this.resolver = Lwt.task();
                this.onCancel = true;
                resolver.promise().addCallback(this);
                resolver.promise().describedAs(this);   // LwtFiber.dump(): "LwtMutex@1b2c3d.lock()"
            } else {
                this.resolver = null;
            }
        }

        /** The promise the caller waits on. */
        final Lwt<V> promise() {
            return resolver.promise();
        }

        /** True while the waiter is on a queue (neither granted nor cancelled yet). */
        final boolean isQueued() {
            return queue != null;
        }

        @Override
        final void run(Lwt<?> source, Engine e) {
            cancelled();
        }

        /**
         * Its promise was cancelled (rejected with {@link Lwt.Canceled}). Runs before the promise's
         * other callbacks, so before a fiber waiting on it goes on. Also runs when the primitive
         * itself rejected the promise with a {@code Canceled} (a stream failed with one): the
         * waiter is then no longer queued, and this must do nothing.
         */
        abstract void cancelled();

        /**
         * The promise was fulfilled (the grant: a lock, a value), but the fiber waiting on it was
         * cancelled before it ran again, so the grant would be lost: pass it on. The default does
         * nothing (a grant that costs nothing to lose, like a finished push).
         */
        void undelivered() {
        }

        /** What the waiter waits for, for {@code LwtFiber.dump()}: "LwtMutex@1b2c3d.lock()". */
        abstract String describe();

        @Override
        public String toString() {
            return describe();
        }
    }
}
