package loomcc.lwt;

import java.util.function.BiConsumer;

import loomcc.fiber.Awaiter;
import loomcc.internal.fiber.LocalAwaiter;
import loomcc.internal.lwt.Engine;

/**
 * How a fiber awaits an {@link Lwt}: the fast path reads the state (no allocation); the slow path
 * adds a removable callback node, so the fiber resumes as one of the promise's callbacks, in
 * registration order and under the loop's nesting bound, like the rest of a {@code bind}'s body;
 * abandoning (the fiber was cancelled) unlinks that node and cancels the promise, which does
 * something only when it is, or waits on, a {@link Lwt#task()}.
 */
final class LwtAwaiter implements Awaiter<Lwt<Object>, Object>, LocalAwaiter {
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
    public Object onComplete(Lwt<Object> p, BiConsumer<? super Object, ? super Throwable> callback) {
        Resume node = new Resume(callback);
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

    /** The callback node that hands the outcome to the waiting fiber. */
    private static final class Resume extends Lwt.Callback {
        private final BiConsumer<? super Object, ? super Throwable> fiber;

        Resume(BiConsumer<? super Object, ? super Throwable> fiber) {
            this.fiber = fiber;
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            if (src.state() == Lwt.FULFILLED) {
                fiber.accept(src.rawResult(), null);
            } else {
                fiber.accept(null, (Throwable) src.rawResult());
            }
        }
    }
}
