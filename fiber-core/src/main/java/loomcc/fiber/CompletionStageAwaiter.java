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
 * path when it is a completed {@code Future}; {@link CompletionException} taken off on every path;
 * on cancel, a pending {@code Future} is cancelled and a completed one never is.
 */
final class CompletionStageAwaiter implements Awaiter<CompletionStage<Object>, Object> {
    static final CompletionStageAwaiter INSTANCE = new CompletionStageAwaiter();

    private CompletionStageAwaiter() {
    }

    @Override
    public boolean isDone(CompletionStage<Object> stage) {
        return stage instanceof Future<?> f && f.isDone();
    }

    @Override
    public Object getNow(CompletionStage<Object> stage) {
        Future<?> f = (Future<?>) stage;
        if (f instanceof CompletableFuture<?> cf) {
            switch (cf.state()) {
                case SUCCESS:
                    return cf.resultNow();
                case FAILED:
                    throw Throwing.sneaky(unwrap(cf.exceptionNow()));
                default:
                    break; // CANCELLED: join throws the CancellationException itself
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
        if (stage instanceof Future<?> f && !f.isDone()) {
            f.cancel(false);
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
