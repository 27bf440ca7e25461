package loomcc.fiber;

import java.util.function.BiConsumer;

/**
 * The SPI through which a fiber awaits a promise of type {@code P} with values of type {@code V}.
 * An adapter is stateless and shared; {@link Fiber#await(Object, Awaiter)} calls it as follows:
 * <ol>
 *   <li>{@link #isDone} (fast path, on the fiber's thread): when true, {@link #getNow} gives the
 *       outcome and the fiber does not suspend. Neither should allocate.
 *   <li>Otherwise the fiber's stack is captured, and then (outside the fiber, on the thread that
 *       was running it) {@link #onComplete} registers a one-shot callback. The callback may be
 *       called at once (the promise completed in between), later, or from any thread: the fiber
 *       is resumed on its home in every case.
 *   <li>If the fiber is cancelled while it waits, {@link #abandon} is called on the home thread
 *       with what {@code onComplete} returned: remove the callback first, then cancel the promise
 *       if that is what the promise type does. A callback that still arrives is ignored.
 * </ol>
 */
public interface Awaiter<P, V> {

    /** True when {@code promise} has completed (normally or not). */
    boolean isDone(P promise);

    /**
     * The outcome of a completed promise: its value, or its error thrown as the same instance
     * (undeclared when checked). Called only after {@link #isDone} returned true.
     */
    V getNow(P promise);

    /**
     * Calls {@code callback} once with {@code (value, null)} or {@code (null, error)} when
     * {@code promise} completes. Returns a registration for {@link #abandon}, or null.
     */
    Object onComplete(P promise, BiConsumer<? super V, ? super Throwable> callback);

    /**
     * The awaiting fiber was cancelled: deregister the callback, then cancel the promise if its
     * type cancels. The default does nothing (the late callback is ignored).
     */
    default void abandon(P promise, Object registration) {
    }

    /**
     * What a fiber suspended on {@code promise} waits for, in a few words, for fiber dumps and
     * JFR events (e.g. {@code "LwtFiber.sleep, due in 0.4 s"}); null lets the dump show the
     * promise's type and {@code toString}. Called only when a dump is taken or JFR records, on
     * the fiber's home thread; it should not fail.
     */
    default String describe(P promise) {
        return null;
    }

    /**
     * An awaiter for a wait that is never over at once (a pause, a timer, a one-off event): every
     * await suspends, and only the registration is left to write, e.g.
     * {@code Awaiter.Suspending<Loop, Void> pause = (loop, wakeUp) -> loop.onNextTurn(wakeUp);}
     * with {@code onNextTurn} returning the registration.
     */
    @FunctionalInterface
    interface Suspending<P, V> extends Awaiter<P, V> {
        @Override
        default boolean isDone(P promise) {
            return false;
        }

        @Override
        default V getNow(P promise) {
            throw new IllegalStateException("getNow on an awaiter whose waits are never already done");
        }
    }
}
