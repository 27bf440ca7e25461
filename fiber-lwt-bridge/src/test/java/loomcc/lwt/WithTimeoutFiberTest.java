package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** LwtFiber.withTimeout: a catchable TimeoutException, finally blocks run, nothing else disturbed. */
class WithTimeoutFiberTest {

    private static <T> T inFiber(java.util.function.Supplier<T> body) {
        return LwtMain.runWithVirtualClock(() -> LwtFiber.start(body));
    }

    @Test
    void aBodyThatEndsInTimeReturnsItsValueAndLeavesNoTimer() {
        int[] timers = new int[1];
        int v = inFiber(() -> {
            try {
                int r = LwtFiber.withTimeout(10, () -> {
                    LwtFiber.sleep(0.001);
                    return 42;
                });
                timers[0] = loomcc.internal.lwt.EventLoop.current().timerCount();
                return r;
            } catch (TimeoutException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(42, v);
        assertEquals(0, timers[0], "the deadline's timer is removed when the body ends");
    }

    @Test
    void atTheDeadlineThePendingAwaitThrowsCanceledFinallyRunsThenTimeoutException() {
        Order o = new Order();
        inFiber(() -> {
            TimeoutException t = assertThrows(TimeoutException.class, () -> LwtFiber.withTimeout(0.01, () -> {
                try {
                    LwtFiber.await(Lwt.<Integer>task().promise());     // never resolves
                    o.unreached("resolved");
                } catch (Lwt.Canceled c) {
                    o.expect(1);
                    throw c;
                } finally {
                    LwtFiber.sleep(0.001);                        // awaits work in finally
                    o.expect(2);
                }
                return 0;
            }));
            o.expect(3);
            assertInstanceOf(Lwt.Canceled.class, t.getCause());
            assertTrue(t.getMessage().contains("0.01"), t.getMessage());
            LwtFiber.sleep(0.001);                                // the fiber is an ordinary fiber again
            return null;
        });
        o.finish(4);
    }

    @Test
    void theTimeoutCancelsWhatTheBodyWaitedOn() {
        inFiber(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            assertThrows(TimeoutException.class, () -> LwtFiber.withTimeout(0.005, () -> LwtFiber.await(m.lock())));
            assertFalse(m.hasWaiters(), "the lock wait left the queue");
            m.unlock();
            assertFalse(m.isLocked());

            LwtStream<Integer> s = LwtStream.unbounded();
            assertThrows(TimeoutException.class, () -> LwtFiber.withTimeout(0.005, () -> LwtFiber.await(s.next())));
            s.push(1);
            assertEquals(Optional.of(1), LwtFiber.await(s.next()), "no value lost to the timed-out next()");
            return null;
        });
    }

    @Test
    void aBodyThatSwallowsTheCancelStillTimesOutAndOtherFailuresAreSuppressed() {
        inFiber(() -> {
            assertThrows(TimeoutException.class, () -> LwtFiber.withTimeout(0.005, () -> {
                try {
                    LwtFiber.sleep(10);
                } catch (Lwt.Canceled ignored) {
                    // swallowed: the timeout still wins
                }
                return 1;
            }));
            IllegalStateException late = new IllegalStateException("cleanup");
            TimeoutException t = assertThrows(TimeoutException.class, () -> LwtFiber.withTimeout(0.005, () -> {
                try {
                    LwtFiber.sleep(10);
                } catch (Lwt.Canceled c) {
                    throw late;
                }
                return 1;
            }));
            assertEquals(List.of(late), List.of(t.getSuppressed()));
            return null;
        });
    }

    @Test
    void theOuterDeadlineIsNotTakenForTheInnerOne() {
        inFiber(() -> {
            boolean[] innerTimedOut = {false};
            assertThrows(TimeoutException.class, () -> LwtFiber.withTimeout(0.005, () -> {
                try {
                    return LwtFiber.withTimeout(10, () -> {
                        LwtFiber.sleep(10);
                        return 1;
                    });
                } catch (TimeoutException e) {
                    innerTimedOut[0] = true;
                    return 2;
                }
            }));
            assertFalse(innerTimedOut[0], "the inner withTimeout took the outer deadline as its own");
            return null;
        });
    }

    @Test
    void theInnerDeadlineComesOutAsItsOwnTimeout() {
        Object r = inFiber(() -> {
            try {
                return LwtFiber.withTimeout(10, () -> {
                    try {
                        return LwtFiber.withTimeout(0.005, () -> {
                            LwtFiber.sleep(10);
                            return "no";
                        });
                    } catch (TimeoutException e) {
                        return "inner";
                    }
                });
            } catch (TimeoutException e) {
                return "outer";
            }
        });
        assertEquals("inner", r);
    }

    @Test
    void cancellingTheFiberIsNotATimeout() {
        Lwt<?>[] f = new Lwt<?>[1];
        Object[] seen = new Object[1];
        LwtMain.runWithVirtualClock(() -> {
            f[0] = LwtFiber.start(() -> {
                try {
                    return LwtFiber.withTimeout(10, () -> {
                        LwtFiber.sleep(10);
                        return 1;
                    });
                } catch (Throwable t) {
                    seen[0] = t;
                    return 0;
                }
            });
            return LwtUnix.sleep(0.001).map(v -> {
                f[0].cancel();
                return null;
            });
        });
        assertInstanceOf(Lwt.Canceled.class, seen[0]);
        assertSame(seen[0], assertThrows(Lwt.Canceled.class, f[0]::getNow));
    }

    @Test
    void badInputAndMisuse() {
        LwtMain.runWithVirtualClock(() -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> LwtFiber.withTimeout(1, () -> 1));
            assertTrue(e.getMessage().contains("outside a fiber"), e.getMessage());
            return LwtFiber.start(() -> {
                assertThrows(IllegalArgumentException.class, () -> LwtFiber.withTimeout(-1, () -> 1));
                assertThrows(IllegalArgumentException.class, () -> LwtFiber.withTimeout(Double.NaN, () -> 1));
                assertThrows(NullPointerException.class, () -> LwtFiber.withTimeout(1, null));
                return null;
            });
        });
    }
}
