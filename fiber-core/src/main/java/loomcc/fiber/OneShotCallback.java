package loomcc.fiber;

import java.util.Objects;
import java.util.function.BiConsumer;

import loomcc.internal.Throwing;

/**
 * A {@link Callback} that is also a promise a fiber can await: the first call completes it, a
 * second call throws to its caller. The outcome may arrive before or after the fiber registers.
 */
final class OneShotCallback<V> implements Callback<V> {
    private static final Object EMPTY = new Object();

    private Object value = EMPTY;
    private Throwable error;
    private BiConsumer<? super V, ? super Throwable> waiter;

    @Override
    public void success(V v) {
        settle(v, null);
    }

    @Override
    public void failure(Throwable e) {
        settle(null, Objects.requireNonNull(e, "error"));
    }

    private void settle(V v, Throwable e) {
        BiConsumer<? super V, ? super Throwable> w;
        synchronized (this) {
            if (value != EMPTY || error != null) {
                throw new IllegalStateException("this callback was already called: a callback passed by"
                        + " Fiber.awaitCallback completes once");
            }
            value = v;
            error = e;
            w = waiter;
        }
        if (w != null) {
            w.accept(v, e);
        }
    }

    synchronized boolean isDone() {
        return value != EMPTY || error != null;
    }

    @SuppressWarnings("unchecked")
    synchronized V getNow() {
        if (error != null) {
            throw Throwing.sneaky(error);
        }
        return (V) value;
    }

    void register(BiConsumer<? super V, ? super Throwable> w) {
        boolean done;
        V v;
        Throwable e;
        synchronized (this) {
            done = isDone();
            waiter = w;
            @SuppressWarnings("unchecked")
            V cur = (V) value;
            v = cur;
            e = error;
        }
        if (done) { // NOTE: settled between the fiber's fast-path check and now
            w.accept(v, e);
        }
    }

    private static final Awaiter<OneShotCallback<Object>, Object> AWAITER = new Awaiter<>() {
        @Override
        public boolean isDone(OneShotCallback<Object> p) {
            return p.isDone();
        }

        @Override
        public Object getNow(OneShotCallback<Object> p) {
            return p.getNow();
        }

        @Override
        public Object onComplete(OneShotCallback<Object> p, BiConsumer<? super Object, ? super Throwable> callback) {
            p.register(callback);
            return null;
        }

        @Override
        public String describe(OneShotCallback<Object> p) {
            return "a callback (awaitCallback), to be called from any thread";
        }
    };

    @SuppressWarnings("unchecked")
    static <V> Awaiter<OneShotCallback<V>, V> awaiter() {
        return (Awaiter<OneShotCallback<V>, V>) (Awaiter<?, ?>) AWAITER;
    }
}
