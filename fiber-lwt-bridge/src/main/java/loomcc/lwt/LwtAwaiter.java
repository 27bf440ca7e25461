package loomcc.lwt;

import java.util.function.BiConsumer;

import loomcc.fiber.Awaiter;
import loomcc.fiber.Fiber;
import loomcc.internal.fiber.FiberAccess;
import loomcc.internal.fiber.ParkingAwaiter;
import loomcc.internal.lwt.Engine;

/**
 * How a fiber awaits an {@link Lwt}: the fast path reads the state (no allocation); the slow path
 * parks the fiber ({@link ParkingAwaiter}) in a removable callback node of the promise, so the
 * fiber resumes as one of the promise's callbacks, in registration order and under the loop's
 * nesting bound, like the rest of a {@code bind}'s body; a cancel of the fiber unlinks that node
 * and cancels the promise, which does something only when it is, or waits on, a
 * {@link Lwt#task()}. A promise is resolved on its loop's thread only, so the node hands the
 * outcome to the fiber directly: no wait object, no CAS.
 */
final class LwtAwaiter implements ParkingAwaiter<Lwt<Object>, Object> {
    private static final FiberAccess FIBERS = FiberAccess.get();
    private static final LwtAwaiter INSTANCE = new LwtAwaiter();

    private LwtAwaiter() {
    }

    @SuppressWarnings("unchecked")
    static <T> Awaiter<Lwt<T>, T> get() {
        return (Awaiter<Lwt<T>, T>) (Awaiter<?, ?>) INSTANCE;
    }

    @Override
    public boolean isDone(Lwt<Object> p) {
        return p.state() != Lwt.PENDING;
    }

    @Override
    public Object getNow(Lwt<Object> p) {
        return p.getNow();
    }

    @Override
    public Object park(Lwt<Object> p, Fiber<?> fiber, int ticket) {
        if (p.state() != Lwt.PENDING) {
            // Cannot happen: the fiber found it pending just before it yielded, and nothing ran since.
            throw new IllegalStateException("LwtAwaiter.park: " + p + " completed between the await's check and the park");
        }
        Resume node = new Resume(fiber, ticket);
        p.addCallback(node);
        return node;
    }

    @Override
    public void unpark(Lwt<Object> p, Object registration) {
        abandon(p, registration);
    }

    /** For an awaiter that waits on an Lwt on the way (LwtFiber.detach): the outcome goes to {@code callback}. */
    @Override
    public Object onComplete(Lwt<Object> p, BiConsumer<? super Object, ? super Throwable> callback) {
        Relay node = new Relay(callback);
        p.addCallback(node);
        return node;
    }

    @Override
    public void abandon(Lwt<Object> p, Object registration) {
        if (p.removeCallback((Resume) registration) && p.state() == Lwt.FULFILLED) {
            p.undelivered(); // fulfilled but not yet delivered: a toolkit grant (a lock, a value) goes on
        }
        p.cancel();
    }

    @Override
    public String describe(Lwt<Object> p) {
        Object what = p.description();
        if (what == null) {
            what = p.waitsFor();   // a promise that waits on a toolkit waiter: withLock, await(mutex)
        }
        return what != null ? what.toString() : "a promise " + p;
    }

    /** The callback node of {@link #onComplete}: hands the outcome to a callback. */
    private static final class Relay extends Lwt.Callback {
        private final BiConsumer<? super Object, ? super Throwable> callback;

        Relay(BiConsumer<? super Object, ? super Throwable> callback) {
            this.callback = callback;
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            if (src.state() == Lwt.FULFILLED) {
                callback.accept(src.rawResult(), null);
            } else {
                callback.accept(null, (Throwable) src.rawResult());
            }
        }
    }

    /** The callback node that hands the outcome to the parked fiber (a stale ticket does nothing). */
    private static final class Resume extends Lwt.Callback {
        private final Fiber<?> fiber;
        private final int ticket;

        Resume(Fiber<?> fiber, int ticket) {
            this.fiber = fiber;
            this.ticket = ticket;
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            if (src.state() == Lwt.FULFILLED) {
                FIBERS.wake(fiber, ticket, src.rawResult(), null);
            } else {
                FIBERS.wake(fiber, ticket, null, (Throwable) src.rawResult());
            }
        }
    }
}
