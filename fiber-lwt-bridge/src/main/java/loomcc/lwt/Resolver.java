package loomcc.lwt;

import java.util.Objects;

/**
 * The write end of a pending promise ({@code 'a Lwt.u}), returned by {@link Lwt#pending()} and
 * {@link Lwt#task()}. It resolves {@link #promise()} once.
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>: the thread that created the promise. Resolving it from another thread
 * throws {@link IllegalStateException}; other threads use {@link LwtPreemptive#runInMain}. The
 * promise's callbacks run inside {@code resolve}/{@code reject}, on this thread, before they return
 * (past the nesting bound, before the outermost resolution on this thread returns).
 *
 * <h2>What is thrown, when</h2>
 * <ul>
 * <li>{@link #resolve}/{@link #reject} on a promise already resolved: {@link IllegalStateException}
 *     (as Lwt's {@code Invalid_argument}); except on a promise rejected with {@link Lwt.Canceled},
 *     where they do nothing, as in Lwt (a task cancelled while its work was in flight).</li>
 * <li>{@link #tryResolve}/{@link #tryReject} never throw for that: they return false.</li>
 * <li>{@link #reject} with null: {@link NullPointerException}.</li>
 * <li>Outside a running loop, an {@link Lwt#async} failure reached by this resolution is thrown from
 *     here once the callbacks have run (see {@link Lwt#async}).</li>
 * </ul>
 *
 * @param <T> the value type
 */
public final class Resolver<T> {

    private final Lwt<T> promise;

    Resolver(Lwt<T> promise) {
        this.promise = promise;
    }

    /** @return the promise this resolves */
    public Lwt<T> promise() {
        return promise;
    }

    /**
     * Fulfils the promise with {@code value} and runs its callbacks.
     *
     * @param value the value, may be null
     * @throws IllegalStateException if it is already resolved (and not cancelled), or on the wrong thread
     */
    public void resolve(T value) {
        check(promise.tryComplete(Lwt.FULFILLED, value, "Resolver.resolve"), "resolve");
    }

    /**
     * Rejects the promise with {@code error} and runs its callbacks.
     *
     * @param error the exception, not null
     * @throws IllegalStateException if it is already resolved (and not cancelled), or on the wrong thread
     */
    public void reject(Throwable error) {
        Objects.requireNonNull(error, "Resolver.reject: error");
        check(promise.tryComplete(Lwt.REJECTED, error, "Resolver.reject"), "reject");
    }

    /**
     * Fulfils the promise unless it is already resolved.
     *
     * @param value the value, may be null
     * @return true if this call resolved it
     * @throws IllegalStateException on the wrong thread
     */
    public boolean tryResolve(T value) {
        return promise.tryComplete(Lwt.FULFILLED, value, "Resolver.tryResolve") == Lwt.DONE;
    }

    /**
     * Rejects the promise unless it is already resolved.
     *
     * @param error the exception, not null
     * @return true if this call resolved it
     * @throws IllegalStateException on the wrong thread
     */
    public boolean tryReject(Throwable error) {
        Objects.requireNonNull(error, "Resolver.tryReject: error");
        return promise.tryComplete(Lwt.REJECTED, error, "Resolver.tryReject") == Lwt.DONE;
    }

    private void check(int outcome, String what) {
        if (outcome == Lwt.ALREADY_RESOLVED) {
            throw new IllegalStateException("Resolver." + what + ": the promise is already "
                    + promise.describeState() + "; a promise is resolved once (use tryResolve/tryReject"
                    + " when several parties may race)");
        }
    }

    @Override
    public String toString() {
        return "Resolver[" + promise.describeState() + "]";
    }
}
