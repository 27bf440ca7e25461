package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import loomcc.fiber.Callback;

/**
 * Cancelling a fiber (DESIGN.md, LwtFiber): a suspended fiber's await throws {@code Canceled} before
 * {@code cancel()} returns, even when what it awaited already completed from another thread and its
 * resume is still queued; a running fiber's next suspension point throws it, once; and the
 * direct-style calls refuse to start anything outside a fiber.
 */
class FiberCancelTest {

    // ------------------------------------------------------------- cancel vs a completion in flight

    @Test
    void aCancelWinsOverACompletionFromAnotherThreadWhoseResumeIsStillQueued() throws Exception {
        List<String> seen = new ArrayList<>();
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        LwtMain.run(() -> {
            Lwt<Integer> f = LwtFiber.start(() -> {
                try {
                    return LwtFiber.await(cf);
                } catch (Lwt.Canceled c) {
                    seen.add("await threw Canceled");
                    throw c;
                } finally {
                    seen.add("finally");
                }
            });
            Thread t = new Thread(() -> cf.complete(7)); // the fiber's resume is now queued on the loop
            t.start();
            sneakJoin(t);
            assertTrue(f.isPending());
            f.cancel();
            seen.add("cancel returned");
            assertTrue(f.isRejected());
            assertInstanceOf(Lwt.Canceled.class, f.rawResult());
            return Lwt.pause(); // the queued resume runs now: it must find nothing to do
        });
        assertEquals(List.of("await threw Canceled", "finally", "cancel returned"), seen);
        assertEquals(7, cf.getNow(0), "the stage keeps its outcome");
    }

    @Test
    void aCancelWinsOverACallbackCalledFromAnotherThreadWhoseResumeIsStillQueued() {
        List<String> seen = new ArrayList<>();
        AtomicReference<Callback<String>> cb = new AtomicReference<>();
        LwtMain.run(() -> {
            Lwt<String> f = LwtFiber.start(() -> {
                try {
                    return LwtFiber.awaitCallback((Consumer<Callback<String>>) cb::set);
                } finally {
                    seen.add("finally");
                }
            });
            Thread t = new Thread(() -> cb.get().success("late"));
            t.start();
            sneakJoin(t);
            f.cancel();
            seen.add("cancel returned");
            return Lwt.pause();
        });
        assertEquals(List.of("finally", "cancel returned"), seen);
    }

    @Test
    void theFinallyRunsWhenTheLoopEndsRightAfterTheCancel() {
        AtomicInteger finallies = new AtomicInteger();
        for (int i = 0; i < 20; i++) {
            CompletableFuture<Integer> cf = new CompletableFuture<>();
            LwtMain.run(() -> {
                Lwt<Integer> f = LwtFiber.start(() -> {
                    try {
                        return LwtFiber.await(cf);
                    } finally {
                        finallies.incrementAndGet();
                    }
                });
                Thread t = new Thread(() -> cf.complete(1));
                t.start();
                sneakJoin(t);
                f.cancel();
                return Lwt.resolved(null); // the loop ends before the queued resume could run
            });
        }
        assertEquals(20, finallies.get());
    }

    // ------------------------------------------------------------- cancel while running

    @Test
    void aFiberThatCancelsItselfGetsCanceledFromItsNextAwaitEvenOnAResolvedPromiseOnce() {
        List<String> seen = new ArrayList<>();
        Lwt<?>[] self = new Lwt<?>[1];
        LwtMain.run(() -> {
            Resolver<Void> done = Lwt.pending();
            self[0] = LwtFiber.start(() -> {
                LwtFiber.pause(); // self[0] is set by now
                self[0].cancel();
                seen.add("cancel returned, promise " + (self[0].isRejected() ? "rejected" : "pending"));
                Lwt.Canceled c = assertThrows(Lwt.Canceled.class, () -> LwtFiber.await(Lwt.resolved(1)));
                assertSame(self[0].rawResult(), c, "the promise's own Canceled");
                seen.add("await threw");
                seen.add("then " + LwtFiber.await(Lwt.resolved(2))); // that one call only
                LwtFiber.pause();
                seen.add("paused");
                done.resolve(null);
                return 0;
            });
            return done.promise();
        });
        assertEquals(List.of("cancel returned, promise rejected", "await threw", "then 2", "paused"), seen);
    }

    @Test
    void pauseSleepDetachAndAwaitCallbackThrowCanceledAfterACancelWhileRunning() {
        List<String> seen = new ArrayList<>();
        AtomicInteger detachRan = new AtomicInteger();
        AtomicInteger registered = new AtomicInteger();
        List<Runnable> calls = List.of(
                LwtFiber::pause,
                () -> LwtFiber.sleep(0),
                () -> LwtFiber.detach(detachRan::incrementAndGet),
                () -> LwtFiber.awaitCallback(cb -> registered.incrementAndGet()));
        LwtMain.run(() -> {
            List<Lwt<Integer>> all = new ArrayList<>();
            for (int i = 0; i < calls.size(); i++) {
                Runnable call = calls.get(i);
                int me = i;
                Lwt<?>[] self = new Lwt<?>[1];
                Lwt<Integer> f = LwtFiber.start(() -> {
                    LwtFiber.pause();
                    self[0].cancel();
                    assertThrows(Lwt.Canceled.class, call::run);
                    seen.add("call " + me + " threw");
                    return me;
                });
                self[0] = f;
                all.add(f.recover(e -> Lwt.resolved(-1)));
            }
            return Lwt.join(all);
        });
        assertEquals(List.of("call 0 threw", "call 1 threw", "call 2 threw", "call 3 threw"), seen);
        assertEquals(0, detachRan.get(), "a refused detach starts no work");
        assertEquals(0, registered.get(), "a refused awaitCallback registers nothing");
    }

    @Test
    void codeOnTheFibersOwnStackCancelsItAndTheNextAwaitThrows() {
        List<String> seen = new ArrayList<>();
        LwtMain.run(() -> {
            Resolver<Integer> r = Lwt.pending();
            Lwt<?>[] self = new Lwt<?>[1];
            r.promise().map(v -> {         // runs on the fiber's stack when the fiber resolves r
                self[0].cancel();
                return v;
            });
            self[0] = LwtFiber.start(() -> {
                LwtFiber.pause();
                r.resolve(1);
                seen.add("resolve returned");
                try {
                    LwtFiber.sleep(10);
                    seen.add("slept");
                } catch (Lwt.Canceled c) {
                    seen.add("sleep threw");
                }
                return 0;
            });
            return self[0].recover(e -> Lwt.resolved(null));
        });
        assertEquals(List.of("resolve returned", "sleep threw"), seen);
    }

    @Test
    void cancellingAFiberInsideDetachedRejectsAtOnceAndDetachedThrowsWhenTheBlockReturns() throws Exception {
        List<String> seen = new ArrayList<>();
        CountDownLatch inBlock = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LwtMain.run(() -> {
            Resolver<Void> back = Lwt.pending();
            Lwt<String> f = LwtFiber.start(() -> {
                try {
                    String v = LwtFiber.detached(() -> {
                        inBlock.countDown();
                        sneakAwait(release);
                        seen.add("block ended");
                        return "value";
                    });
                    seen.add("detached returned " + v);
                } catch (Lwt.Canceled c) {
                    seen.add("detached threw Canceled");
                } finally {
                    back.resolve(null); // on the loop again
                }
                return "done";
            });
            return LwtPreemptive.detach(() -> {
                inBlock.await();
                return null;
            }).bind(x -> {
                f.cancel();
                seen.add("cancel returned, " + (f.isRejected() ? "rejected" : "pending"));
                release.countDown();
                return back.promise();
            });
        });
        assertEquals(List.of("cancel returned, rejected", "block ended", "detached threw Canceled"), seen);
    }

    // ------------------------------------------------------------- outside a fiber

    @Test
    void detachOutsideAFiberThrowsBeforeItRunsAnything() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        IllegalStateException e = LwtMain.run(() -> Lwt.resolved(assertThrows(IllegalStateException.class,
                () -> LwtFiber.detach(() -> {
                    ran.countDown();
                    return null;
                }))));
        assertTrue(e.getMessage().contains("LwtFiber.start"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> LwtFiber.detach(() -> {
            ran.countDown();
            return null;
        }));
        // The work would run on the pool at once; give it ample time to show up if it was started.
        assertFalse(ran.await(2, java.util.concurrent.TimeUnit.SECONDS), "the work never started");
    }

    @Test
    void cancelOfAFinishedFiberDoesNothing() {
        LwtMain.run(() -> {
            Lwt<Integer> f = LwtFiber.start(() -> 1);
            f.cancel();
            assertFalse(f.isRejected());
            return f;
        });
    }

    private static void sneakJoin(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void sneakAwait(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
