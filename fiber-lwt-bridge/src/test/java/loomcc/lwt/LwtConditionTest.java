package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LwtCondition: Lwt_condition's semantics, the mutex hand-back on every path, FIFO, cancel. */
class LwtConditionTest {

    @Test
    void signalWakesTheOldestWaiterAndIsLostWhenNobodyWaits() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtCondition<String> c = new LwtCondition<>();
            c.signal("lost");
            c.await(null).map(v -> {
                assertEquals("one", v);
                o.expect(1);
                return null;
            });
            c.await(null).map(v -> {
                assertEquals("two", v);
                o.expect(2);
                return null;
            });
            assertTrue(c.hasWaiters());
            c.signal("one");
            c.signal("two");
            assertFalse(c.hasWaiters());
        });
        o.finish(3);
    }

    @Test
    void broadcastWakesEveryoneWaitingNowButNotWhoWaitsMeanwhile() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtCondition<Integer> c = new LwtCondition<>();
            c.await(null).map(v -> {
                o.expect(1);
                c.await(null).map(w -> {         // waits for the next one
                    assertEquals(2, w);
                    o.expect(3);
                    return null;
                });
                return null;
            });
            c.await(null).map(v -> {
                o.expect(2);
                return null;
            });
            c.broadcast(1);
            c.broadcast(2);
        });
        o.finish(4);
    }

    @Test
    void broadcastErrorRejectsEveryWaiter() {
        Toolkit.inLoop(() -> {
            LwtCondition<Integer> c = new LwtCondition<>();
            Lwt<Integer> a = c.await(null);
            Lwt<Integer> b = c.await(null);
            RuntimeException boom = new RuntimeException("boom");
            c.broadcastError(boom);
            assertSame(boom, assertThrows(RuntimeException.class, a::getNow));
            assertSame(boom, assertThrows(RuntimeException.class, b::getNow));
            assertThrows(NullPointerException.class, () -> c.broadcastError(null));
        });
    }

    @Test
    void awaitReleasesTheMutexAndHoldsItAgainWhenWoken() {
        List<String> log = new ArrayList<>();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            LwtCondition<Void> nonEmpty = new LwtCondition<>();
            ArrayDeque<String> queue = new ArrayDeque<>();
            Lwt<Object> consumer = LwtFiber.start(() -> {
                for (int i = 0; i < 3; i++) {
                    LwtFiber.await(m.lock());
                    try {
                        while (queue.isEmpty()) {
                            LwtFiber.await(nonEmpty.await(m));
                            assertTrue(m.isLocked(), "woken without the mutex");
                        }
                        log.add(queue.poll());
                    } finally {
                        m.unlock();
                    }
                }
                return null;
            });
            Lwt<Object> producer = LwtFiber.start(() -> {
                for (String s : List.of("a", "b", "c")) {
                    LwtFiber.await(m.lock());
                    try {
                        queue.add(s);
                        nonEmpty.signal(null);
                        LwtFiber.pause();        // holds the mutex: the woken consumer must wait
                    } finally {
                        m.unlock();
                    }
                    LwtFiber.pause();
                }
                return null;
            });
            return Lwt.both(consumer, producer).map(v -> {
                assertFalse(m.isLocked());
                return null;
            });
        });
        assertEquals(List.of("a", "b", "c"), log);
    }

    @Test
    void aCancelledAwaitHoldsTheMutexAgainBeforeCanceledComesOut() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            LwtCondition<Integer> c = new LwtCondition<>();
            m.lock();
            Lwt<Integer> w = c.await(m);
            assertFalse(m.isLocked(), "released while waiting");
            m.lock();                             // someone else holds it now
            w.recover(e -> {
                assertTrue(e instanceof Lwt.Canceled);
                assertTrue(m.isLocked());
                o.expect(2);
                m.unlock();
                return Lwt.resolved(0);
            });
            w.cancel();
            assertTrue(w.isPending(), "Canceled must wait for the mutex");
            assertFalse(c.hasWaiters(), "the waiter left the queue");
            w.cancel();                           // a second cancel cannot skip the relock
            assertTrue(w.isPending());
            o.expect(1);
            m.unlock();                           // the cancelled waiter holds it again, then sees Canceled
            assertThrows(Lwt.Canceled.class, w::getNow);
            assertFalse(m.isLocked());
        });
        o.finish(3);
    }

    @Test
    void aFiberCancelledInAwaitHoldsTheFreeMutexWhenCanceledComesOut() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            LwtCondition<Integer> c = new LwtCondition<>();
            Lwt<Object> f = LwtFiber.start(() -> {
                LwtFiber.await(m.lock());
                try {
                    LwtFiber.await(c.await(m));
                    o.unreached("woken");
                } catch (Lwt.Canceled e) {
                    assertTrue(m.isLocked(), "Canceled came out without the mutex");
                    o.expect(1);
                } finally {
                    m.unlock();
                }
                return null;
            });
            f.cancel();
            o.expect(2);
            assertFalse(m.isLocked());
            assertFalse(c.hasWaiters());
        });
        o.finish(3);
    }

    @Test
    void aFiberCancelledInAwaitWhileAnotherHoldsTheMutexQueuesItsClaimAndItsUnlockStaysRight() {
        // LwtFiber's rule makes the await throw at once; the mutex is busy, so the fiber's claim is
        // queued and counts as held: its finally's unlock() pays it back, and the mutex is neither
        // unlocked under the holder nor left locked.
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            LwtCondition<Integer> c = new LwtCondition<>();
            Lwt<Object> waiter = LwtFiber.start(() -> {
                LwtFiber.await(m.lock());
                try {
                    LwtFiber.await(c.await(m));
                } catch (Lwt.Canceled e) {
                    o.expect(2);
                } finally {
                    m.unlock();
                }
                return null;
            });
            Resolver<Void> release = Lwt.pending();
            Lwt<Object> holder = LwtFiber.start(() -> {
                LwtFiber.await(m.lock());
                o.expect(1);
                LwtFiber.await(release.promise());
                assertTrue(m.isLocked(), "unlocked under its holder");
                o.expect(4);
                m.unlock();
                return null;
            });
            waiter.cancel();
            assertTrue(m.isLocked());
            o.expect(3);
            release.resolve(null);
            return Lwt.both(waiter.recover(e -> Lwt.resolved(null)), holder).map(v -> {
                assertFalse(m.isLocked(), "left locked");
                assertFalse(m.hasWaiters());
                return null;
            });
        });
        o.finish(5);
    }

    @Test
    void aSignalLostToAFiberCancelledBeforeItRanGoesToTheNextWaiter() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtCondition<String> c = new LwtCondition<>();
            Toolkit.FiberRef b = new Toolkit.FiberRef();
            Lwt<Object> bDone = LwtFiber.start(b.capture(() -> {
                try {
                    LwtFiber.await(c.await(null));
                    o.unreached("b woke after its cancel");
                } catch (Lwt.Canceled expected) {
                    o.expect(1);
                }
                return null;
            }));
            Lwt<String> next = c.await(null);
            Toolkit.pastTheNestingBound(() -> {
                c.signal("hello");
                b.fiber.cancel(new Lwt.Canceled());
            });
            return bDone.map(v -> {
                assertEquals("hello", next.getNow());
                o.expect(2);
                return null;
            });
        });
        o.finish(3);
    }

    @Test
    void awaitWithAnUnlockedMutexSaysSo() {
        LwtMutex m = new LwtMutex();
        LwtCondition<Integer> c = new LwtCondition<>();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.await(m));
        assertTrue(e.getMessage().contains("not locked"), e.getMessage());
        assertFalse(c.hasWaiters());
    }

    @Test
    void aWaitingAwaitSaysWhatItWaitsFor() {
        Toolkit.inLoop(() -> {
            LwtCondition<Integer> c = new LwtCondition<>();
            LwtMutex m = new LwtMutex();
            m.lock();
            Lwt<Integer> w = c.await(m);
            assertTrue(Toolkit.waitsFor(w).startsWith("LwtCondition@") && Toolkit.waitsFor(w).endsWith(".await()"), Toolkit.waitsFor(w));
            c.signal(1);
            assertEquals(1, w.getNow());
            m.unlock();
        });
    }
}
