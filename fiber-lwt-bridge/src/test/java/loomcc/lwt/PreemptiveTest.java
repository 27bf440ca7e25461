package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Lwt_preemptive: detach, runInMain, runInMainAsync. */
class PreemptiveTest {

    @Test
    void detachRunsOnAPoolThreadAndResolvesOnTheLoopThread() {
        Thread loopThread = Thread.currentThread();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        int v = LwtMain.run(() -> LwtPreemptive.detach(() -> {
            ranOn.set(Thread.currentThread());
            return 5;
        }).map(x -> {
            assertSame(loopThread, Thread.currentThread(), "resolved on the loop thread");
            return x;
        }));
        assertEquals(5, v);
        assertTrue(ranOn.get().getName().startsWith("loomcc-preemptive-"), ranOn.get().getName());
        assertTrue(ranOn.get().isDaemon(), "pool threads never keep the JVM alive");
    }

    @Test
    void aDetachedFailureRejectsWithTheSameCheckedInstance() {
        IOException x = new IOException();
        assertSame(x, assertThrows(IOException.class, () -> LwtMain.run(() -> LwtPreemptive.detach(() -> {
            throw x;
        }))));
    }

    @Test
    void cancellingADetachRejectsAtOnceAndTheLateResultIsIgnored() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        LwtMain.run(() -> {
            Lwt<Integer> d = LwtPreemptive.detach(() -> {
                release.await();
                finished.countDown();
                return 1;
            });
            d.cancel();
            assertThrows(Lwt.Canceled.class, d::getNow);
            release.countDown();
            return LwtPreemptive.detach(() -> {
                finished.await();
                return null;
            }).bind(v -> Lwt.pause());                    // the late result arrives meanwhile
        });
        assertTrue(finished.await(10, TimeUnit.SECONDS));
    }

    @Test
    void runInMainFromTheLoopThreadThrows() {
        Support.inLoop(() -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> LwtPreemptive.runInMain(() -> 1));
            assertTrue(e.getMessage().contains("wait for itself"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> LwtPreemptive.runInMainAsync(() -> Lwt.resolved(1)));
        });
    }

    @Test
    void runInMainWithNoLoopRunningThrows() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LwtPreemptive.runInMain(() -> 1));
        assertTrue(e.getMessage().contains("no event loop"), e.getMessage());
    }

    @Test
    void runInMainFromADetachedCallableRunsOnThatLoop() {
        Thread loopThread = Thread.currentThread();
        Thread got = LwtMain.run(() -> LwtPreemptive.detach(() -> LwtPreemptive.runInMain(Thread::currentThread)));
        assertSame(loopThread, got);
    }

    @Test
    void runInMainThrowsWhatTheFunctionThrewAsTheSameInstance() {
        IOException x = new IOException();
        Throwable got = LwtMain.run(() -> LwtPreemptive.detach(() -> {
            try {
                LwtPreemptive.runInMain(() -> {
                    throw x;
                });
                return null;
            } catch (Throwable t) {
                return t;
            }
        }));
        assertSame(x, got);
    }

    @Test
    void runInMainAsyncWaitsForThePromiseTheLoopResolves() {
        int v = LwtMain.run(() -> LwtPreemptive.detach(() ->
                LwtPreemptive.runInMainAsync(() -> LwtUnix.sleep(0.01).map(x -> 9))));
        assertEquals(9, v);
        IOException x = new IOException();
        Throwable got = LwtMain.run(() -> LwtPreemptive.detach(() -> {
            try {
                return LwtPreemptive.runInMainAsync(() -> Lwt.pause().bind(ignored -> Lwt.failed(x)));
            } catch (Throwable t) {
                return t;
            }
        }));
        assertSame(x, got);
    }

    @Test
    void aPlainThreadReachesTheOnlyRunningLoop() throws InterruptedException {
        AtomicReference<Thread> helper = new AtomicReference<>();
        int v = LwtMain.run(() -> {
            Resolver<Integer> r = Lwt.pending();
            Thread t = new Thread(() -> LwtPreemptive.runInMain(() -> {
                r.resolve(11);
                return null;
            }));
            helper.set(t);
            t.start();
            return r.promise();
        });
        assertEquals(11, v);
        helper.get().join();
    }

    @Test
    void runInMainAsyncThrowsWhenTheLoopStopsBeforeThePromiseResolves() throws InterruptedException {
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        LwtMain.run(() -> {
            Resolver<Void> main = Lwt.pending();
            LwtPreemptive.detach(() -> {
                try {
                    LwtPreemptive.runInMainAsync(() -> {
                        main.resolve(null);                        // the loop stops after this turn...
                        return Lwt.<Integer>pending().promise();   // ...with this still pending
                    });
                    outcome.set(new AssertionError("runInMainAsync returned"));
                } catch (Throwable t) {
                    outcome.set(t);
                }
                done.countDown();
                return null;
            });
            return main.promise();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS), "the waiting thread was never released");
        assertInstanceOf(IllegalStateException.class, outcome.get());
        assertTrue(outcome.get().getMessage().contains("stopped"), outcome.get().getMessage());
    }

    @Test
    void setMaxThreadsValidates() {
        assertThrows(IllegalArgumentException.class, () -> LwtPreemptive.setMaxThreads(0));
        int before = LwtPreemptive.maxThreads();
        try {
            LwtPreemptive.setMaxThreads(before + 3);
            assertEquals(before + 3, LwtPreemptive.maxThreads());
        } finally {
            LwtPreemptive.setMaxThreads(before);
        }
        assertEquals(before, LwtPreemptive.maxThreads());
    }
}
