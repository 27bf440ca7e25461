package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import loomcc.internal.lwt.EventLoop;
import org.junit.jupiter.api.Test;

/**
 * Lwt_unix's "sleep" and "with_timeout" suites. Timer tests run on the virtual clock
 * ({@link LwtMain#runWithVirtualClock}): same order as a real run, with exact times and no real waiting.
 */
class SleepTest {

    @Test
    void timersFireInDeadlineOrder() {
        List<Integer> fired = new ArrayList<>();
        List<Double> at = new ArrayList<>();
        LwtMain.runWithVirtualClock(() -> {
            List<Lwt<Boolean>> all = new ArrayList<>();
            all.add(LwtUnix.sleep(0.06).map(v -> fired.add(3) && at.add(LwtUnix.now())));
            all.add(LwtUnix.sleep(0.02).map(v -> fired.add(1) && at.add(LwtUnix.now())));
            all.add(LwtUnix.sleep(0.04).map(v -> fired.add(2) && at.add(LwtUnix.now())));
            return Lwt.all(all);
        });
        assertEquals(List.of(1, 2, 3), fired);
        assertEquals(List.of(0.02, 0.04, 0.06), at);
    }

    @Test
    void zeroSleepsFireInCreationOrderOnTheNextTurn() {
        List<Integer> fired = new ArrayList<>();
        Support.inLoop(() -> {
            List<Lwt<Boolean>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i;
                all.add(LwtUnix.sleep(0).map(v -> fired.add(n)));
            }
            assertTrue(fired.isEmpty(), "sleep(0) goes through the loop");
            return Lwt.all(all);
        });
        for (int i = 0; i < 50; i++) {
            assertEquals(i, fired.get(i));
        }
    }

    /**
     * A zero sleep may take the loop's last clock reading as its deadline (no clock call) only
     * when no timer is due after that reading; here one is (a short sleep made earlier that came
     * due while the loop thread slept), so the zero sleep, due later, must fire after it. On the
     * real clock: the thread sleeps past the short timer's deadline before the zero sleep is made.
     */
    @Test
    void aZeroSleepFiresAfterAnEarlierTimerThatCameDueBeforeIt() {
        List<String> fired = new ArrayList<>();
        Support.inLoop(() -> {
            Lwt<Boolean> shortOne = LwtUnix.sleep(0.001).map(v -> fired.add("short"));
            holdTheLoopThread(20);                        // past its deadline, with no loop clock read
            Lwt<Boolean> zero = LwtUnix.sleep(0).map(v -> fired.add("zero"));
            return Lwt.all(List.of(shortOne, zero));
        });
        assertEquals(List.of("short", "zero"), fired);
    }

    /** The same for fibers' own timers: a zero sleep after a due short one wakes after it. */
    @Test
    void aFibersZeroSleepWakesAfterAnEarlierTimerThatCameDueBeforeIt() {
        List<String> fired = new ArrayList<>();
        Support.inLoop(() -> {
            Lwt<Boolean> shortOne = LwtUnix.sleep(0.001).map(v -> fired.add("short"));
            Lwt<Boolean> fiber = LwtFiber.start(() -> {
                holdTheLoopThread(20);
                LwtFiber.sleep(0);
                return fired.add("fiber");
            });
            return Lwt.all(List.of(shortOne, fiber));
        });
        assertEquals(List.of("short", "fiber"), fired);
    }

    /** A loop of zero sleeps, fiber and promise alike, interleaves with pauses in creation order. */
    @Test
    void zeroSleepsInALoopKeepTheirOrder() {
        List<String> fired = new ArrayList<>();
        Support.inLoop(() -> {
            Lwt<Void> a = LwtFiber.start(() -> {
                for (int i = 0; i < 3; i++) {
                    LwtFiber.sleep(0);
                    fired.add("a" + i);
                }
                return null;
            });
            Lwt<Void> b = LwtFiber.start(() -> {
                for (int i = 0; i < 3; i++) {
                    LwtFiber.sleep(0);
                    fired.add("b" + i);
                }
                return null;
            });
            return Lwt.all(List.of(a, b));
        });
        assertEquals(List.of("a0", "b0", "a1", "b1", "a2", "b2"), fired);
    }

    @Test
    void badDurationsAreRejected() {
        Support.inLoop(() -> {
            assertThrows(IllegalArgumentException.class, () -> LwtUnix.sleep(-1));
            assertThrows(IllegalArgumentException.class, () -> LwtUnix.sleep(Double.NaN));
            assertThrows(IllegalArgumentException.class, () -> LwtUnix.withTimeout(-0.5, () -> Lwt.resolved(1)));
        });
        assertThrows(IllegalArgumentException.class, () -> LwtUnix.sleep(Double.NaN));
    }

    @Test
    void aCancelledSleepIsRejectedAndLeavesNoTimer() {
        Support.inLoop(() -> {
            Lwt<Void> s = LwtUnix.sleep(10);
            assertEquals(1, EventLoop.current().timerCount());
            s.cancel();
            assertThrows(Lwt.Canceled.class, s::getNow);
            assertEquals(0, EventLoop.current().timerCount());
        });
    }

    @Test
    void aHundredThousandCancelledSleepsLeaveTheHeapEmpty() {
        Support.inLoop(() -> {
            List<Lwt<Void>> sleeps = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                sleeps.add(LwtUnix.sleep(1 + (i % 1000) * 0.001));
            }
            assertEquals(100_000, EventLoop.current().timerCount());
            for (int i = 0; i < sleeps.size(); i += 2) {
                sleeps.get(i).cancel();                   // every other one, from the middle of the heap
            }
            for (int i = 1; i < sleeps.size(); i += 2) {
                sleeps.get(i).cancel();
            }
            assertEquals(0, EventLoop.current().timerCount());
            assertTrue(sleeps.stream().allMatch(Lwt::isRejected));
        });
    }

    @Test
    void anInfiniteSleepNeverFiresButCancels() {
        LwtMain.runWithVirtualClock(() -> {
            Lwt<Void> s = LwtUnix.sleep(Double.POSITIVE_INFINITY);
            assertEquals(0, EventLoop.current().timerCount());
            return LwtUnix.sleep(1e6).map(v -> {
                assertTrue(s.isPending());
                s.cancel();
                assertTrue(s.isRejected());
                return null;
            });
        });
    }

    @Test
    void withTimeoutRejectsWithTimeoutExceptionAndCancelsTheWork() {
        List<Lwt<Void>> work = new ArrayList<>();
        double[] cancelledAt = {-1};
        TimeoutException e = assertThrows(TimeoutException.class, () -> LwtMain.runWithVirtualClock(() ->
                LwtUnix.withTimeout(0.02, () -> {
                    Lwt<Void> w = LwtUnix.sleep(30).onCancel(() -> cancelledAt[0] = LwtUnix.now());
                    work.add(w);
                    return w;
                })));
        assertTrue(e.getMessage().contains("0.02"), e.getMessage());
        assertThrows(Lwt.Canceled.class, work.get(0)::getNow);
        assertEquals(0.02, cancelledAt[0], "the work is cancelled at the deadline");
    }

    @Test
    void withTimeoutPassesAResultThroughAndRemovesItsTimer() {
        LwtMain.runWithVirtualClock(() -> {
            Lwt<Integer> r = LwtUnix.withTimeout(30, () -> LwtUnix.sleep(29.99).map(v -> 5));
            return r.map(v -> {
                assertEquals(5, v);
                assertEquals(29.99, LwtUnix.now());
                assertEquals(0, EventLoop.current().timerCount());
                return null;
            });
        });
    }

    @Test
    void withTimeoutPassesAFailureThroughAsTheSameInstance() {
        IllegalStateException x = new IllegalStateException();
        assertSame(x, assertThrows(IllegalStateException.class,
                () -> LwtMain.run(() -> LwtUnix.withTimeout(30, () -> {
                    throw x;
                }))));
    }

    /** Blocks the loop's thread for {@code ms}: time passes with no turn of the loop to read its clock. */
    private static void holdTheLoopThread(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
