package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Many fibers on one mutex and one stream, with waits cut short at random by
 * {@link LwtFiber#withTimeout} (each cut is a cancel of the waiting promise): the invariants hold
 * whatever the interleaving. Small counts by default; {@code -Dloomcc.stress.factor=10} for a soak.
 */
class ToolkitStressTest {

    private static void yieldSomehow(Random rnd) {
        switch (rnd.nextInt(3)) {
            case 0 -> LwtFiber.pause();
            case 1 -> LwtFiber.sleep(0);
            default -> { }
        }
    }

    @Test
    void aMutexUnderTimeoutsNeverAdmitsTwoAndEndsUnlocked() {
        int fibers = 16;
        int rounds = 200 * Support.stressFactor();
        int[] inside = {0};
        int[] entered = {0};
        int[] timedOut = {0};
        LwtMutex m = new LwtMutex();
        LwtMain.run(() -> {
            List<Lwt<Object>> all = new ArrayList<>();
            for (int f = 0; f < fibers; f++) {
                Random rnd = new Random(f);
                all.add(LwtFiber.start(() -> {
                    for (int r = 0; r < rounds; r++) {
                        try {
                            LwtFiber.withTimeout(rnd.nextInt(4) * 0.0002, () -> LwtFiber.await(m.lock()));
                        } catch (TimeoutException e) {
                            timedOut[0]++;
                            continue;
                        }
                        try {
                            assertEquals(0, inside[0], "two fibers inside the mutex");
                            inside[0]++;
                            entered[0]++;
                            yieldSomehow(rnd);
                        } finally {
                            inside[0]--;
                            m.unlock();
                        }
                        yieldSomehow(rnd);
                    }
                    return null;
                }));
            }
            return Lwt.join(all);
        });
        assertEquals(fibers * rounds, entered[0] + timedOut[0]);
        assertTrue(entered[0] > 0 && timedOut[0] > 0, "entered " + entered[0] + ", timed out " + timedOut[0]
                + ": both paths must be exercised");
        assertFalse(m.isLocked(), "left locked");
        assertFalse(m.hasWaiters(), "a waiter left behind");
    }

    @Test
    void aStreamUnderTimeoutsLosesAndDuplicatesNothingAndKeepsOrder() {
        int producers = 4;
        int consumers = 4;
        int perProducer = 500 * Support.stressFactor();
        List<List<Integer>> accepted = new ArrayList<>();    // per producer: the values whose push succeeded
        List<List<Integer>> received = new ArrayList<>();    // per consumer: what it got, in order
        LwtStream<Integer> s = LwtStream.bounded(3);
        int[] nextTimedOut = {0};
        LwtMain.run(() -> {
            List<Lwt<Object>> prod = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int me = p;
                List<Integer> ok = new ArrayList<>();
                accepted.add(ok);
                Random rnd = new Random(100 + p);
                prod.add(LwtFiber.start(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        int v = me * 1_000_000 + i;
                        try {
                            LwtFiber.withTimeout(rnd.nextInt(3) * 0.0002, () -> LwtFiber.await(s.push(v)));
                            ok.add(v);
                        } catch (TimeoutException e) {
                            // not in the stream: must never be received
                        }
                        yieldSomehow(rnd);
                    }
                    return null;
                }));
            }
            List<Lwt<Object>> cons = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                List<Integer> got = new ArrayList<>();
                received.add(got);
                Random rnd = new Random(200 + c);
                cons.add(LwtFiber.start(() -> {
                    while (true) {
                        Optional<Integer> v;
                        try {
                            v = LwtFiber.withTimeout(rnd.nextInt(3) * 0.0002, () -> LwtFiber.await(s.next()));
                        } catch (TimeoutException e) {
                            nextTimedOut[0]++;
                            continue;           // a cancelled next(): nothing may be lost
                        }
                        if (v.isEmpty()) {
                            return null;
                        }
                        got.add(v.get());
                        yieldSomehow(rnd);
                    }
                }));
            }
            return Lwt.join(prod).bind(v -> {
                s.close();
                return Lwt.join(cons);
            });
        });
        Set<Integer> sent = new HashSet<>();
        accepted.forEach(sent::addAll);
        Set<Integer> got = new HashSet<>();
        int total = 0;
        for (List<Integer> r : received) {
            total += r.size();
            got.addAll(r);
            int[] last = new int[producers];
            java.util.Arrays.fill(last, -1);
            for (int v : r) {                 // FIFO: each producer's values in its order
                int p = v / 1_000_000;
                assertTrue(v % 1_000_000 > last[p], "out of order: " + v + " after " + last[p]);
                last[p] = v % 1_000_000;
            }
        }
        assertEquals(total, got.size(), "a value was received twice");
        assertEquals(sent, got, "received differs from what was accepted");
        assertEquals(0, s.size());
        assertTrue(nextTimedOut[0] > 0 && sent.size() < producers * perProducer, nextTimedOut[0]
                + " next() and " + (producers * perProducer - sent.size()) + " push() timed out: both must happen");
    }
}
