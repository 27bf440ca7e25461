package loomcc.fiber;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

import loomcc.internal.Throwing;

/**
 * Awaiting a {@link CompletionStage}, after kotlinx.coroutines' {@code future/Future.kt}: a fast
 * path when it is already complete; {@link CompletionException} taken off on every path; on cancel,
 * a pending {@code Future} is cancelled and a completed one never is.
 *
 * <p>Any stage works. A plain {@code CompletableFuture} (or another {@code Future}) is asked
 * directly. A {@code CompletableFuture} subclass may refuse its own {@code isDone()}: the JDK's
 * {@code completedStage(x)}, {@code failedStage(e)} and {@code minimalCompletionStage()} throw
 * {@code UnsupportedOperationException} from it, so those (and stages that are no {@code Future}
 * at all) are asked through {@code toCompletableFuture()}, which kotlinx uses on every stage and the
 * JDK's minimal stages support (a copy that completes with them). A stage that refuses that too
 * goes the slow way: {@code whenComplete}, which every stage has, and which calls back at once
 * when the stage is complete (the fiber then goes on without waiting for a turn of its home).
 */
final class CompletionStageAwaiter implements Awaiter<CompletionStage<Object>, Object> {
    static final CompletionStageAwaiter INSTANCE = new CompletionStageAwaiter();

    private CompletionStageAwaiter() {
    }

    @Override
    public boolean isDone(CompletionStage<Object> stage) {
        Future<?> f = asFuture(stage);
        return f != null && f.isDone();
    }

    /**
     * A {@code Future} that may be asked {@code isDone()} and {@code get()} about {@code stage}
     * without blocking once done, or null when the stage offers none.
     */
    private static Future<?> asFuture(CompletionStage<?> stage) {
        if (stage.getClass() == CompletableFuture.class) {
            return (Future<?>) stage;                  // the common case, asked directly
        }
        if (stage instanceof Future<?> f && !(stage instanceof CompletableFuture<?>)) {
            return f;
        }
        try {
            return stage.toCompletableFuture();        // a subclass (maybe a minimal stage), or no Future
        } catch (UnsupportedOperationException refused) {
            return null;                               // "does not choose to interoperate" (its Javadoc)
        }
    }

    @Override
    public Object getNow(CompletionStage<Object> stage) {
        Future<?> f = asFuture(stage);
        if (f instanceof CompletableFuture<?> cf) {
            switch (cf.state()) {
                case SUCCESS:
                    return cf.resultNow();
                case FAILED:
                    throw Throwing.sneaky(unwrap(cf.exceptionNow()));
                default:
                    break; // CANCELLED: get throws the CancellationException itself
            }
        }
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw Throwing.sneaky(unwrap(e.getCause() != null ? e.getCause() : e));
        } catch (CancellationException e) {
            throw e;
        } catch (InterruptedException e) { // cannot block: the future is done
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Object onComplete(CompletionStage<Object> stage, BiConsumer<? super Object, ? super Throwable> callback) {
        stage.whenComplete((v, e) -> callback.accept(v, e == null ? null : unwrap(e)));
        return null;
    }

    @Override
    public void abandon(CompletionStage<Object> stage, Object registration) {
        if (!(stage instanceof Future<?> f)) {
            return;                                    // nothing to cancel on a bare stage
        }
        try {
            if (!f.isDone()) {
                f.cancel(false);
            }
        } catch (UnsupportedOperationException notCancelable) {
            // NOTE: a minimal stage refuses isDone and cancel: it is not cancelable, as a
            // pending() Lwt is not; the fiber's await throws the cancel reason all the same.
        }
    }

    @Override
    public String describe(CompletionStage<Object> stage) {
        return "a CompletionStage, " + stage;
    }

    static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
