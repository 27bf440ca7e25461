package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * Cancel against completions from another thread (issue: 9 085 of 20 000 fibers lost their
 * {@code finally}). Whoever wins, the fiber's {@code finally} has run when {@code cancel()}
 * returns, and none is lost when the loop ends right after. Small counts by default;
 * {@code -Dloomcc.stress.factor=10} gives the 20 000 loops.
 */
class FiberCancelStressTest {

    @Test
    void aCancelRacingACompletionThenTheLoopEndingLosesNoFinally() throws Exception {
        int n = 2_000 * Support.stressFactor();
        AtomicInteger finallies = new AtomicInteger();
        int[] fulfilled = {0};
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < n; i++) {
                CompletableFuture<Integer> cf = new CompletableFuture<>();
                int before = finallies.get();
                LwtMain.run(() -> {
                    Lwt<Integer> f = LwtFiber.start(() -> {
                        try {
                            return LwtFiber.await(cf);
                        } finally {
                            finallies.incrementAndGet();
                        }
                    });
                    other.execute(() -> cf.complete(1)); // races with the cancel below
                    Thread.onSpinWait();
                    f.cancel();
                    assertFalse(f.isPending());
                    assertEquals(before + 1, finallies.get(), "the finally ran before cancel() returned");
                    if (f.isFulfilled()) {
                        fulfilled[0]++;
                    }
                    return Lwt.resolved(null);       // the loop ends at once: a queued resume never runs
                });
            }
        } finally {
            other.shutdown();
        }
        assertEquals(n, finallies.get(), "no fiber lost its finally (" + fulfilled[0] + " finished first)");
    }

    @Test
    void manyFibersCancelledInBatchesWhileAnotherThreadCompletesTheirStages() {
        int n = 5_000 * Support.stressFactor();
        @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array
        CompletableFuture<Integer>[] stages = new CompletableFuture[n];
        boolean[] finallyRan = new boolean[n];
        for (int i = 0; i < n; i++) {
            stages[i] = new CompletableFuture<>();
        }
        ExecutorService other = Executors.newSingleThreadExecutor();
        List<Lwt<Integer>> fibers = new ArrayList<>();
        try {
            LwtMain.run(() -> {
                for (int i = 0; i < n; i++) {
                    int me = i;
                    fibers.add(LwtFiber.start(() -> {
                        try {
                            return LwtFiber.await(stages[me]);
                        } finally {
                            finallyRan[me] = true;
                        }
                    }));
                }
                other.execute(() -> {
                    for (CompletableFuture<Integer> s : stages) {
                        s.complete(1);
                    }
                });
                return cancelFrom(0, fibers, finallyRan);
            });
        } finally {
            other.shutdown();
        }
        for (int i = 0; i < n; i++) {
            assertTrue(finallyRan[i], "fiber " + i + " ran its finally");
            assertFalse(fibers.get(i).isPending(), "fiber " + i + " ended");
        }
    }

    /** Cancels 64 fibers a turn; each cancel returns only after that fiber's finally ran. */
    private static Lwt<Void> cancelFrom(int i, List<Lwt<Integer>> fibers, boolean[] finallyRan) {
        if (i >= fibers.size()) {
            return Lwt.resolved(null);
        }
        int end = Math.min(fibers.size(), i + 64);
        for (int j = i; j < end; j++) {
            fibers.get(j).cancel();
            assertTrue(finallyRan[j], "fiber " + j + ": finally ran before cancel() returned");
        }
        return Lwt.pause().bind(x -> cancelFrom(end, fibers, finallyRan));
    }
}
