package loomcc.bench;

import java.util.concurrent.CompletableFuture;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/**
 * The workload as {@code CompletableFuture} {@code thenCompose} chains (the JDK's monadic
 * promise), written as the 2011 Lwt code was written with {@code >>=}, driven by a
 * {@link BenchLoop} on the caller's thread.
 *
 * <p>Blockers: quick = {@code completedFuture(v)}; medium = a future completed by a task
 * {@link BenchLoop#execute executed} on the loop (its next turn); slow = a future completed by a
 * {@link BenchLoop#schedule zero-delay timer} on the loop. See {@link BenchLoop} for why the JDK's
 * own executors cannot tell medium from slow without extra thread hand-offs.
 */
public class CompletableWorkloads extends Workloads {

    private final BenchLoop loop = new BenchLoop();
    private Blocker blocker;

    @Override
    public long run(Experiment experiment, Blocker blocker, int n) {
        this.blocker = blocker;
        CompletableFuture<Long> op = switch (experiment) {
            case BASIC -> basic(0, n, 0L);
            case RECURSE -> recurse(n);
            case RECURSE2 -> recurse2(n);
        };
        loop.runUntilIdle();
        if (!op.isDone()) {
            throw new IllegalStateException("completable: the loop ran dry before the workload ended");
        }
        return op.join();
    }

    private CompletableFuture<Long> block(long v) {
        awaits++;
        switch (blocker) {
            case QUICK -> {
                return CompletableFuture.completedFuture(v);
            }
            case MEDIUM -> {
                CompletableFuture<Long> f = new CompletableFuture<>();
                loop.execute(() -> {
                    suspensions++;
                    f.complete(v);
                });
                return f;
            }
            case SLOW -> {
                CompletableFuture<Long> f = new CompletableFuture<>();
                loop.schedule(0, () -> {
                    suspensions++;
                    f.complete(v);
                });
                return f;
            }
            default -> throw new AssertionError(blocker);
        }
    }

    /** let rec loop i acc = if i = n then return acc else b i >>= fun v -> loop (i+1) (acc+v) */
    private CompletableFuture<Long> basic(int i, int n, long acc) {
        if (i == n) {
            return CompletableFuture.completedFuture(acc);
        }
        return block(i).thenCompose(v -> basic(i + 1, n, acc + v));
    }

    /** let rec r k = if k = 0 then b 0 else r (k-1) >>= fun x -> return (x+k) */
    private CompletableFuture<Long> recurse(int k) {
        if (k == 0) {
            return block(0);
        }
        return recurse(k - 1).thenCompose(x -> CompletableFuture.completedFuture(x + k));
    }

    /** let rec r k = if k = 0 then return 0 else b k >>= fun v -> r (k-1) >>= fun x -> return (v+x) */
    private CompletableFuture<Long> recurse2(int k) {
        if (k == 0) {
            return CompletableFuture.completedFuture(0L);
        }
        return block(k).thenCompose(v -> recurse2(k - 1).thenCompose(x -> CompletableFuture.completedFuture(v + x)));
    }

    /** The loop's turns so far (for tests). */
    public long turns() {
        return loop.turns();
    }
}
