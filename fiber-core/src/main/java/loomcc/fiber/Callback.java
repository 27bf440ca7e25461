package loomcc.fiber;

/**
 * The callback {@link Fiber#awaitCallback} hands to a callback-style API. Call one of its
 * methods once, from any thread; a second call throws {@link IllegalStateException}.
 */
public interface Callback<V> {
    void success(V value);

    void failure(Throwable error);
}
