package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LwtMutex: Lwt_mutex's semantics, FIFO, every cancel path, bad input. */
class LwtMutexTest {

    @Test
    void anUnlockedMutexIsGrantedAtOnceAndUnlockedByUnlock() {
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            assertFalse(m.isLocked());
            Lwt<Void> l = m.lock();
            assertTrue(l.isFulfilled());
            assertTrue(m.isLocked());
            assertFalse(m.hasWaiters());
            m.unlock();
            assertFalse(m.isLocked());
        });
    }

    @Test
    void unlockOfAnUnlockedMutexSaysSo() {
        LwtMutex m = new LwtMutex();
        IllegalStateException e = assertThrows(IllegalStateException.class, m::unlock);
        assertTrue(e.getMessage().contains("LwtMutex.unlock") && e.getMessage().contains("is not locked"),
                e.getMessage());
        m.lock();
        m.unlock();
        assertThrows(IllegalStateException.class, m::unlock);     // once per lock
    }

    @Test
    void waitersGetTheMutexInTheOrderTheyAskedAndOneAtATime() {
        Order o = new Order();
        List<Integer> inside = new ArrayList<>();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            List<Lwt<Void>> fibers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int me = i;
                fibers.add(LwtFiber.start(() -> {
                    LwtFiber.await(m.lock());
                    try {
                        inside.add(me);
                        assertEquals(1, inside.size(), "two fibers inside the mutex");
                        o.expect(me + 1);
                        LwtFiber.pause();             // others run, and queue up
                        LwtFiber.sleep(0);
                    } finally {
                        inside.remove((Integer) me);
                        m.unlock();
                    }
                    return null;
                }));
            }
            return Lwt.join(fibers).map(v -> {
                assertFalse(m.isLocked());
                return null;
            });
        });
        o.finish(5);
    }

    @Test
    void aCancelledWaiterLeavesTheQueueAndTheMutexIsNotLeftLocked() {
        // lwt#202/#262: a cancelled lock() must neither be granted nor keep the mutex locked.
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            Lwt<Void> a = m.lock();
            Lwt<Void> b = m.lock();
            a.cancel();
            assertThrows(Lwt.Canceled.class, a::getNow);
            assertTrue(m.hasWaiters());
            b.cancel();
            assertFalse(m.hasWaiters());
            m.unlock();
            assertFalse(m.isLocked(), "the cancelled waiters must not hold the mutex");
        });
    }

    @Test
    void aCancelledWaiterInTheMiddleKeepsTheOthersInOrder() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            m.lock().map(v -> {
                o.expect(1);
                m.unlock();
                return null;
            });
            Lwt<Void> middle = m.lock();
            middle.map(v -> {
                o.unreached("cancelled waiter granted");
                return null;
            });
            m.lock().map(v -> {
                o.expect(2);
                m.unlock();
                return null;
            });
            middle.cancel();
            m.unlock();
            assertFalse(m.isLocked());
        });
        o.finish(3);
    }

    @Test
    void aFiberCancelledWhileWaitingLeavesTheQueue() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            Lwt<Void> waiting = LwtFiber.start(() -> {
                try {
                    LwtFiber.await(m.lock());
                    o.unreached("granted after cancel");
                } finally {
                    o.expect(1);
                }
                return null;
            });
            waiting.cancel();
            o.expect(2);
            assertFalse(m.hasWaiters());
            m.unlock();
            assertFalse(m.isLocked());
        });
        o.finish(3);
    }

    @Test
    void aWaiterGrantedTheMutexAndCancelledBeforeItRanPassesItOn() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            Toolkit.FiberRef b = new Toolkit.FiberRef();
            Lwt<Object> bDone = LwtFiber.start(b.capture(() -> {
                try {
                    LwtFiber.await(m.lock());
                    o.unreached("b ran with the lock after its cancel");
                } catch (Lwt.Canceled expected) {
                    o.expect(2);        // b: cancelled in its await, at once
                }
                return null;
            }));
            Lwt<Object> c = LwtFiber.start(() -> {
                LwtFiber.await(m.lock());
                o.expect(3);            // c: got the lock that b was granted but never saw
                m.unlock();
                return null;
            });
            Toolkit.pastTheNestingBound(() -> {
                m.unlock();            // b is granted the mutex; its resume is deferred
                o.expect(1);
                b.fiber.cancel(new Lwt.Canceled());   // ... and it is cancelled before it runs
            });
            return Lwt.both(bDone, c).map(v -> {
                assertFalse(m.isLocked(), "the mutex leaked to a cancelled fiber");
                return null;
            });
        });
        o.finish(4);
    }

    @Test
    void withLockUnlocksOnEveryPath() {
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            assertEquals(7, m.withLock(() -> Lwt.resolved(7)).getNow());
            assertFalse(m.isLocked());

            RuntimeException boom = new RuntimeException("boom");
            assertSame(boom, assertThrows(RuntimeException.class, m.withLock(() -> {
                throw boom;
            })::getNow));
            assertFalse(m.isLocked());

            assertSame(boom, assertThrows(RuntimeException.class, m.withLock(() -> Lwt.failed(boom))::getNow));
            assertFalse(m.isLocked());

            NullPointerException npe = assertThrows(NullPointerException.class, m.withLock(() -> null)::getNow);
            assertTrue(npe.getMessage().contains("withLock"), npe.getMessage());
            assertFalse(m.isLocked());

            Resolver<Integer> inside = Lwt.task();
            Lwt<Integer> running = m.withLock(inside::promise);
            assertTrue(m.isLocked());
            running.cancel();
            assertTrue(inside.promise().isRejected(), "cancel reaches the critical section's promise");
            assertFalse(m.isLocked());
        });
    }

    @Test
    void withLockCancelledBeforeTheGrantNeverRunsItsSection() {
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            Lwt<Integer> p = m.withLock(() -> {
                throw new AssertionError("ran after its cancel");
            });
            p.cancel();
            assertFalse(m.hasWaiters());
            m.unlock();
            assertFalse(m.isLocked());
        });
    }

    @Test
    void aWaitingLockSaysWhatItWaitsFor() {
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            Lwt<Void> w = m.lock();
            String desc = Toolkit.waitsFor(w);
            assertNotNull(desc);
            assertTrue(desc.startsWith("LwtMutex@") && desc.endsWith(".lock()"), desc);
            assertEquals(desc, Toolkit.waitsFor(m.withLock(() -> Lwt.resolved(1))), "a derived promise says it too");
            assertTrue(m.toString().contains("locked, 2 waiting"), m.toString());
            w.cancel();
            m.unlock();                 // to the withLock, which unlocks it when done
            assertFalse(m.isLocked());
        });
    }

    @Test
    void aFiberWaitingForTheMutexShowsItInTheDump() {
        Toolkit.inLoop(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            Lwt<Object> waiter = LwtFiber.start("waiter", () -> LwtFiber.await(m.lock()));
            Lwt<Object> inWithLock = LwtFiber.start("in-withLock", () -> LwtFiber.await(m.withLock(() -> Lwt.resolved(1))));
            String dump = LwtFiber.dump();
            String id = "LwtMutex@" + Integer.toHexString(System.identityHashCode(m)) + ".lock()";
            assertTrue(dump.contains(id), dump);
            assertEquals(2, dump.split(java.util.regex.Pattern.quote(id), -1).length - 1, "both fibers: " + dump);
            waiter.cancel();
            inWithLock.cancel();
            m.unlock();
            assertFalse(m.isLocked());
        });
    }

    @Test
    void uncontendedLockAllocatesNothing() {
        // A bound, not a time: the JMH benchmark (bench, MutexBench -prof gc) gives B/op.
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        LwtMutex m = new LwtMutex();
        int n = 200_000;
        long sink = 0;
        for (int i = 0; i < n; i++) {             // warm up: the counter itself allocates once
            sink += m.lock().isFulfilled() ? 1 : 0;
            m.unlock();
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
            sink += m.lock().isFulfilled() ? 1 : 0;
            m.unlock();
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(2L * n, sink);
        assertTrue(allocated < n / 10, allocated + " bytes allocated by " + n + " uncontended lock/unlock pairs");
    }
}
