package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import loomcc.internal.lwt.EventLoop;
import org.junit.jupiter.api.Test;

/**
 * Other threads against one loop at its edges: 16 threads calling in while the loop shuts down, and
 * 8 threads racing to complete a {@code CompletableFuture} that fibers await while the loop cancels
 * some of them. Small counts by default; {@code -Dloomcc.stress.full=true} for the soak.
 */
class ShutdownStressTest {

    private static final int CALLERS = 16;

    /**
     * Each round: 16 threads call {@code runInMain} / {@code runInMainAsync} (some with a promise
     * that never resolves) in a loop, while the main promise resolves after a few hundred turns.
     * Every call returns its own right value, or throws an {@link IllegalStateException} that says
     * the loop stopped or that none runs; then its thread stops. No thread hangs (a join with a
     * generous bound is the hang detector; it is never a measure of speed).
     */
    @Test
    void sixteenThreadsCallingInWhileTheLoopShutsDownEachGetAResultOrAClearError() throws InterruptedException {
        int rounds = Support.stressCount(20, 2_000);
        long ok = 0;
        long refused = 0;
        for (int round = 0; round < rounds; round++) {
            ConcurrentLinkedQueue<Throwable> wrong = new ConcurrentLinkedQueue<>();
            AtomicLong results = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch allStarted = new CountDownLatch(CALLERS);
            LwtMain.run(() -> {
                for (int t = 0; t < CALLERS; t++) {
                    int me = t;
                    Thread th = Thread.ofPlatform().daemon().name("caller-" + t).start(() -> {
                        allStarted.countDown();
                        for (int i = 0; ; i++) {
                            int id = me * 1_000_000 + i;
                            try {
                                int got = switch (i % 3) {
                                    case 0 -> LwtPreemptive.runInMain(() -> id);
                                    case 1 -> LwtPreemptive.runInMainAsync(() -> Lwt.pause().map(v -> id));
                                    default -> i % 30 == 2
                                            ? LwtPreemptive.runInMainAsync(() -> Lwt.<Integer>pending().promise())
                                            : LwtPreemptive.runInMainAsync(() -> Lwt.resolved(id));
                                };
                                if (got != id) {
                                    wrong.add(new AssertionError("call " + id + " got " + got));
                                }
                                results.incrementAndGet();
                            } catch (IllegalStateException e) {
                                String msg = String.valueOf(e.getMessage());
                                if (!msg.contains("stopped") && !msg.contains("no event loop is running")) {
                                    wrong.add(e);
                                }
                                errors.incrementAndGet();
                                return;                   // the loop is gone: this caller is done
                            } catch (Throwable e) {
                                wrong.add(e);
                                return;
                            }
                        }
                    });
                    threads.add(th);
                }
                return waitTurns(200, allStarted);
            });
            for (Thread th : threads) {
                th.join(TimeUnit.SECONDS.toMillis(120));
                if (th.isAlive()) {
                    AssertionError hung = new AssertionError(th.getName() + " hangs after the loop stopped (round "
                            + round + ")");
                    hung.setStackTrace(th.getStackTrace());
                    throw hung;
                }
            }
            assertTrue(wrong.isEmpty(), "round " + round + ": " + wrong);
            assertEquals(CALLERS, errors.get(), "each caller ended on one clear error");
            ok += results.get();
            refused += errors.get();
        }
        System.out.printf("ShutdownStressTest: %,d rounds of %d callers: %,d calls answered, %,d refused with a"
                + " clear error, none hung%n", rounds, CALLERS, ok, refused);
    }

    /** A promise resolved {@code n} turns after every caller has started. */
    private static Lwt<Void> waitTurns(int n, CountDownLatch started) {
        if (started.getCount() > 0) {
            return LwtPreemptive.detach(() -> {
                started.await();
                return null;
            }).bind(v -> waitTurns(n, new CountDownLatch(0)));
        }
        return n == 0 ? Lwt.resolved(null) : Lwt.pause().bind(v -> waitTurns(n - 1, started));
    }

    /**
     * Each round: 64 fibers await one {@code CompletableFuture}; 8 threads race to complete it
     * (values, and one {@code completeExceptionally}); meanwhile the loop cancels every third fiber
     * (each awaiting a copy of the future, since cancelling a fiber cancels the future it awaits).
     * Exactly one completion wins; every fiber not cancelled gets that outcome, on the loop thread;
     * every cancelled one is rejected with {@link Lwt.Canceled}; none is left waiting (the join of
     * all of them resolves: no lost wake-up).
     */
    @Test
    void aFutureCompletedFromEightThreadsWhileFibersAwaitIt() throws InterruptedException {
        int rounds = Support.stressCount(300, 30_000);
        int fibers = 64;
        int completers = 8;
        long[] tally = new long[4];                       // value, failure, cancelled, late failures
        for (int round = 0; round < rounds; round++) {
            CompletableFuture<Integer> cf = new CompletableFuture<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            RuntimeException failure = new RuntimeException("completer 7");
            for (int c = 0; c < completers; c++) {
                int v = c;
                threads.add(Thread.ofPlatform().daemon().name("completer-" + c).start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (v == completers - 1) {
                        cf.completeExceptionally(failure);
                    } else {
                        cf.complete(v);
                    }
                }));
            }
            Object[] outcomes = new Object[fibers];
            boolean[] cancelled = new boolean[fibers];
            List<Throwable> handled = new ArrayList<>();
            LwtMain.run(() -> {
                LwtMain.setAsyncExceptionHandler(handled::add);
                EventLoop loop = EventLoop.current();
                List<Lwt<Integer>> ps = new ArrayList<>();
                for (int i = 0; i < fibers; i++) {
                    // a cancelled fiber cancels the pending future it awaits (LwtFiber.await's rule):
                    // the ones to be cancelled await a copy of their own, the others the shared one
                    CompletableFuture<Integer> awaited = i % 3 == 0 ? cf.copy() : cf;
                    ps.add(LwtFiber.start(() -> {
                        Integer v = LwtFiber.await(awaited);
                        // on the loop, never on a completer (by thread name: on the virtual-thread
                        // backend a fiber's body runs on a virtual thread of its own)
                        assertSame(loop, EventLoop.current(), "resumed on the loop");
                        assertFalse(Thread.currentThread().getName().startsWith("completer"), "resumed on a completer");
                        return v;
                    }));
                }
                go.countDown();
                for (int i = 0; i < fibers; i += 3) {
                    cancelled[i] = true;
                    ps.get(i).cancel();
                    if (i % 6 == 0) {
                        Thread.onSpinWait();              // spread the cancels over the completions
                    }
                }
                List<Lwt<Object>> settled = new ArrayList<>();
                for (int i = 0; i < fibers; i++) {
                    int me = i;
                    settled.add(ps.get(i).<Object>map(v -> v).recover(e -> Lwt.resolved(e))
                            .map(o -> outcomes[me] = o));
                }
                return Lwt.join(settled);
            });
            for (Thread th : threads) {
                th.join();
            }
            Object winner = cf.isCompletedExceptionally() ? failure : cf.join();
            for (int i = 0; i < fibers; i++) {
                if (cancelled[i]) {
                    assertInstanceOf(Lwt.Canceled.class, outcomes[i], "round " + round + ", fiber " + i);
                    tally[2]++;
                } else {
                    assertSame(winner, outcomes[i], "round " + round + ", fiber " + i + ": " + Arrays.toString(outcomes));
                    tally[winner == failure ? 1 : 0]++;
                }
            }
            assertFalse(cf.isCancelled(), "only the copies were cancelled");
            // The cancels run before any resume can (resumes come through the loop's inbox later):
            // a cancel wins even over a completion whose resume is already queued (the fiber's
            // wait: FIRED but not resumed -> CANCELLED), so no cancelled fiber goes on with the
            // future's failure, and nothing reaches the handler.
            assertEquals(List.of(), handled, "round " + round + ": a cancelled fiber went on with the future's outcome");
            tally[3] += handled.size();
        }
        System.out.printf("ShutdownStressTest: %,d rounds × %d fibers on a future completed by %d threads:"
                + " %,d got the value, %,d the failure, %,d were cancelled, %,d failures reached the handler%n",
                rounds, fibers, completers, tally[0], tally[1], tally[2], tally[3]);
    }
}
