package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * 8 threads × N calls into one loop (runInMain, runInMainAsync) and 8 × N detach calls out of it;
 * every call runs once and every result is delivered exactly once. N = 10 000 × loomcc.stress.factor.
 */
class PreemptiveStressTest {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 10_000 * Support.stressFactor();

    @Test
    void eightThreadsCallIntoTheLoopAndEachResultArrivesOnce() throws InterruptedException {
        int total = THREADS * PER_THREAD;
        int[] ranOnLoop = new int[total];                 // touched on the loop thread only
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        int[] finished = {0};
        LwtMain.run(() -> {
            Resolver<Void> allDone = Lwt.pending();
            for (int t = 0; t < THREADS; t++) {
                int base = t * PER_THREAD;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; i < PER_THREAD; i++) {
                            int id = base + i;
                            int got = (i % 4 == 3)
                                    ? LwtPreemptive.runInMainAsync(() -> Lwt.pause().map(v -> ++ranOnLoop[id] == 1 ? id : -id))
                                    : LwtPreemptive.runInMain(() -> ++ranOnLoop[id] == 1 ? id : -id);
                            if (got != id) {
                                failures.add(new AssertionError("call " + id + " returned " + got));
                            }
                        }
                    } catch (Throwable x) {
                        failures.add(x);
                    } finally {
                        LwtPreemptive.runInMain(() -> {
                            if (++finished[0] == THREADS) {
                                allDone.resolve(null);
                            }
                            return null;
                        });
                    }
                }, "stress-caller-" + t);
                threads.add(th);
                th.start();
            }
            return allDone.promise();
        });
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first: " + failures.peek());
        for (int id = 0; id < total; id++) {
            assertEquals(1, ranOnLoop[id], "call " + id + " ran on the loop");
        }
    }

    @Test
    void eightThreadsWorthOfDetachCallsEachDeliveredOnce() {
        int total = THREADS * PER_THREAD;
        AtomicIntegerArray ranOnPool = new AtomicIntegerArray(total);
        int[] delivered = new int[total];
        int before = LwtPreemptive.maxThreads();
        LwtPreemptive.setMaxThreads(THREADS);
        try {
            LwtMain.run(() -> {
                List<Lwt<Void>> all = new ArrayList<>(total);
                for (int id = 0; id < total; id++) {
                    int me = id;
                    all.add(LwtPreemptive.detach(() -> {
                        ranOnPool.incrementAndGet(me);
                        return me;
                    }).map(v -> {
                        delivered[v]++;
                        return null;
                    }));
                }
                return Lwt.join(all);
            });
        } finally {
            LwtPreemptive.setMaxThreads(before);
        }
        for (int id = 0; id < total; id++) {
            assertEquals(1, ranOnPool.get(id), "detach " + id + " ran");
            assertEquals(1, delivered[id], "detach " + id + " delivered");
        }
    }
}
