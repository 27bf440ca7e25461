package loomcc.lwt;

import static loomcc.lwt.Support.sneak;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import loomcc.cont.PinnedException;
import loomcc.fiber.Fiber;
import loomcc.fiber.FiberLocal;
import loomcc.internal.fiber.AwaitedHere;

/** The bridge: fibers that block on Lwt promises (DESIGN.md, "LwtFiber"). */
class LwtFiberTest {

    // ---------------------------------------------------------------- start

    @Test
    void startRunsTheBodyAtOnceUntilItsFirstAwaitOfAPendingPromise() {
        Order o = new Order();
        String r = LwtMain.run(() -> {
            Resolver<String> gate = Lwt.pending();
            o.expect(1);
            Lwt<String> f = LwtFiber.start(() -> {
                o.expect(2);
                String v = LwtFiber.await(Lwt.resolved("quick")); // no suspension
                o.expect(3);
                String w = LwtFiber.await(gate.promise());
                o.expect(5); // inside gate.resolve: the fiber is one of the gate's callbacks
                return v + "+" + w;
            });
            o.expect(4);
            assertTrue(f.isPending());
            gate.resolve("slow");
            o.finish(6);
            assertTrue(f.isFulfilled());
            return f;
        });
        assertEquals("quick+slow", r);
    }

    @Test
    void startOutsideARunningLoopSaysWhatToDo() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LwtFiber.start(() -> 1));
        assertTrue(e.getMessage().contains("LwtMain.run"), e.getMessage());
    }

    @Test
    void anExceptionEscapingTheBodyRejectsThePromiseWithTheSameInstance() {
        IOException io = new IOException("body failed");
        Lwt<?>[] kept = new Lwt<?>[1];
        LwtMain.run(() -> {
            kept[0] = LwtFiber.start(() -> {
                LwtFiber.pause();
                return sneak(io);
            });
            return kept[0].recover(e -> Lwt.resolved(null));
        });
        assertTrue(kept[0].isRejected());
        assertSame(io, assertThrows(IOException.class, kept[0]::getNow));
    }

    // ---------------------------------------------------------------- await

    @Test
    void awaitOutsideAFiberSaysToWrapTheCodeInLwtFiberStartEvenOnAResolvedPromise() {
        LwtMain.run(() -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> LwtFiber.await(Lwt.resolved(1)));
            assertTrue(e.getMessage().contains("LwtFiber.start"), e.getMessage());
            return Lwt.resolved(null);
        });
        assertThrows(IllegalStateException.class, () -> LwtFiber.await(Lwt.resolved(1)));
    }

    @Test
    void awaitOnARejectedPromiseThrowsTheSameInstanceWithTheFibersFramesAttached() {
        IOException io = new IOException("rejected");
        List<Throwable> seen = LwtMain.run(() -> LwtFiber.start(() -> {
            List<Throwable> out = new ArrayList<>();
            try {
                LwtFiber.await(Lwt.failed(io)); // fast path
            } catch (Exception e) {
                out.add(e);
            }
            Resolver<String> later = Lwt.pending();
            Lwt.async(() -> Lwt.pause().map(x -> {
                later.reject(io);
                return null;
            }));
            try {
                LwtFiber.await(later.promise()); // slow path
            } catch (Exception e) {
                out.add(e);
            }
            return out;
        }));
        assertEquals(2, seen.size());
        assertSame(io, seen.get(0));
        assertSame(io, seen.get(1));
        List<Throwable> sites = Arrays.stream(io.getSuppressed()).filter(s -> s instanceof AwaitedHere).toList();
        assertEquals(2, sites.size(), "one note per await that saw it");
        boolean fiberFrame = Arrays.stream(sites.get(1).getStackTrace())
                .anyMatch(f -> f.getMethodName().contains("awaitOnARejectedPromiseThrowsTheSameInstance"));
        assertTrue(fiberFrame, "the note carries the fiber's own frames: " + Arrays.toString(sites.get(1).getStackTrace()));
    }

    @Test
    void aWaitingFiberResumesAsOneOfThePromisesCallbacksInRegistrationOrder() {
        Order o = new Order();
        LwtMain.run(() -> {
            Resolver<Integer> r = Lwt.pending();
            r.promise().map(v -> {
                o.expect(1);
                return v;
            });
            LwtFiber.start(() -> {
                LwtFiber.await(r.promise());
                o.expect(2);
                return null;
            });
            r.promise().map(v -> {
                o.expect(3);
                return v;
            });
            r.resolve(0);
            o.finish(4);
            return Lwt.resolved(null);
        });
    }

    @Test
    void aChainOfTenThousandFibersEachAwaitingThePreviousDoesNotOverflowTheStack() {
        int n = 10_000;
        int r = LwtMain.run(() -> {
            Resolver<Integer> first = Lwt.pending();
            Lwt<Integer> prev = first.promise();
            for (int i = 0; i < n; i++) {
                Lwt<Integer> p = prev;
                prev = LwtFiber.start(() -> LwtFiber.await(p) + 1);
            }
            first.resolve(0); // each fiber resumes the next inside its callback: the nesting bound defers
            return prev;
        });
        assertEquals(n, r);
    }

    @Test
    void awaitingACompletionStageResumesOnTheLoopThreadNeverOnTheCompletingOne() throws Exception {
        CompletableFuture<String> cf = new CompletableFuture<>();
        Thread completer = new Thread(() -> cf.complete("from elsewhere"), "completer");
        List<String> r = LwtMain.run(() -> {
            Thread loop = Thread.currentThread();
            return LwtFiber.start(() -> {
                completer.start();
                String v = LwtFiber.await(cf);
                return List.of(v, String.valueOf(Fiber.onHome(Fiber.current().home())),
                        String.valueOf(Thread.currentThread() != completer), String.valueOf(EventLoopProbe.loopThread() == loop));
            });
        });
        completer.join();
        assertEquals(List.of("from elsewhere", "true", "true", "true"), r);
    }

    // ---------------------------------------------------------------- cancel

    @Test
    void cancellingTheFibersPromiseThrowsTheSameCanceledAtThePendingAwaitRunsFinallyAndCancelsTheTask() {
        Order o = new Order();
        AtomicReference<Throwable> inFiber = new AtomicReference<>();
        Lwt<?>[] kept = new Lwt<?>[2];
        LwtMain.run(() -> {
            Resolver<String> waitedOn = Lwt.task();
            kept[1] = waitedOn.promise();
            Lwt<String> f = LwtFiber.start(() -> {
                try {
                    return LwtFiber.await(waitedOn.promise());
                } catch (Lwt.Canceled c) {
                    inFiber.set(c);
                    o.expect(2);
                    throw c;
                } finally {
                    o.expect(3);
                }
            });
            kept[0] = f;
            o.expect(1);
            f.cancel();
            o.finish(4);
            return Lwt.resolved(null);
        });
        Lwt.Canceled promiseError = assertThrows(Lwt.Canceled.class, kept[0]::getNow);
        assertSame(promiseError, inFiber.get(), "the await throws the promise's own Canceled");
        assertTrue(kept[1].isRejected(), "the task it waited on was cancelled");
        assertInstanceOf(Lwt.Canceled.class, assertThrows(Lwt.Canceled.class, kept[1]::getNow));
    }

    @Test
    void cancellingLeavesAPendingPromiseAloneAndTakesTheFibersCallbackOffIt() {
        LwtMain.run(() -> {
            Resolver<String> notCancelable = Lwt.pending();
            Lwt<String> f = LwtFiber.start(() -> LwtFiber.await(notCancelable.promise()));
            assertEquals(1, notCancelable.promise().callbackCount());
            f.cancel();
            assertTrue(f.isRejected());
            assertTrue(notCancelable.promise().isPending(), "pending() promises are not cancelable");
            assertEquals(0, notCancelable.promise().callbackCount(), "the fiber's callback was removed");
            notCancelable.resolve("late"); // nobody resumes
            return Lwt.resolved(null);
        });
    }

    @Test
    void aFiberThatCatchesCanceledGoesOnItsResultIsDroppedAndItsLaterFailureIsNotLost() {
        List<String> trail = new ArrayList<>();
        IOException late = new IOException("failed after cancel");
        Lwt<?>[] kept = new Lwt<?>[1];
        IOException thrown = assertThrows(IOException.class, () -> LwtMain.runWithVirtualClock(() -> {
            kept[0] = LwtFiber.start(() -> {
                try {
                    LwtFiber.sleep(3600);
                } catch (Lwt.Canceled c) {
                    trail.add("caught");
                }
                LwtFiber.pause(); // awaits still work
                trail.add("went on");
                return sneak(late);
            });
            kept[0].cancel();
            return LwtUnix.sleep(0.001).bind(x -> Lwt.pause());
        }));
        assertSame(late, thrown, "the default async handler made LwtMain.run throw it");
        assertEquals(List.of("caught", "went on"), trail);
        assertInstanceOf(Lwt.Canceled.class, assertThrows(Lwt.Canceled.class, kept[0]::getNow));
    }

    @Test
    void aFiberThatReturnsAfterCancelHasItsValueDropped() {
        Lwt<?>[] kept = new Lwt<?>[1];
        String r = LwtMain.run(() -> {
            kept[0] = LwtFiber.start(() -> {
                try {
                    LwtFiber.sleep(3600);
                    return "slept";
                } catch (Lwt.Canceled c) {
                    LwtFiber.pause();
                    return "recovered";
                }
            });
            kept[0].cancel();
            return Lwt.pause().bind(x -> Lwt.pause()).map(x -> "main done");
        });
        assertEquals("main done", r);
        assertThrows(Lwt.Canceled.class, kept[0]::getNow);
    }

    // ---------------------------------------------------------------- pause, sleep, detach, detached

    @Test
    void fiberSleepsFireInDeadlineOrderWithSleepPromisesAndACancelRemovesTheTimer() {
        List<String> order = new ArrayList<>();
        int[] timers = new int[2];
        LwtMain.runWithVirtualClock(() -> {
            LwtFiber.start(() -> {
                LwtFiber.sleep(0.02);
                return order.add("fiber 20ms");
            });
            LwtUnix.sleep(0.01).map(x -> order.add("promise 10ms"));
            LwtFiber.start(() -> {
                LwtFiber.sleep(0);
                return order.add("fiber 0 a");
            });
            LwtUnix.sleep(0).map(x -> order.add("promise 0"));
            LwtFiber.start(() -> {
                LwtFiber.sleep(0);
                return order.add("fiber 0 b");
            });
            Lwt<Boolean> doomed = LwtFiber.start(() -> {
                LwtFiber.sleep(3600);
                return order.add("never");
            });
            timers[0] = loomcc.internal.lwt.EventLoop.current().timerCount();
            doomed.cancel();
            timers[1] = loomcc.internal.lwt.EventLoop.current().timerCount();
            LwtFiber.start(() -> { // its timer is the cancelled one's, reused: it must fire at its own time
                LwtFiber.sleep(0.005);
                return order.add("fiber 5ms");
            });
            LwtUnix.sleep(0.005).map(x -> order.add("promise 5ms"));
            return LwtUnix.sleep(0.05);
        });
        // on the virtual clock no time passes while the loop works, so the order is exact
        assertEquals(List.of("fiber 0 a", "promise 0", "fiber 0 b", "fiber 5ms", "promise 5ms", "promise 10ms",
                "fiber 20ms"), order);
        assertEquals(6, timers[0], "each sleep, fiber or promise, is one timer");
        assertEquals(5, timers[1], "the cancelled fiber's timer left the heap");
    }

    @Test
    void aNegativeOrNaNSleepIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> LwtFiber.sleep(-1));
        assertThrows(IllegalArgumentException.class, () -> LwtFiber.sleep(Double.NaN));
    }

    @Test
    void pauseAndSleepLetOtherFibersRun() {
        Order o = new Order();
        LwtMain.runWithVirtualClock(() -> {
            Lwt<Void> a = LwtFiber.start(() -> {
                o.expect(1);
                LwtFiber.pause();
                o.expect(3);
                LwtFiber.sleep(0);
                o.expect(5);
                return null;
            });
            Lwt<Void> b = LwtFiber.start(() -> {
                o.expect(2);
                LwtFiber.pause();
                o.expect(4);
                LwtFiber.sleep(0.02);
                o.expect(6);
                return null;
            });
            return Lwt.join(List.of(a, b)).map(x -> {
                o.finish(7);
                return null;
            });
        });
    }

    @Test
    void detachRunsTheBlockingCallOnThePoolWhileTheLoopAndOtherFibersGoOn() {
        CountDownLatch otherFiberRan = new CountDownLatch(1);
        String r = LwtMain.run(() -> {
            Thread loop = Thread.currentThread();
            LwtFiber.start(() -> {
                LwtFiber.sleep(0.001);
                otherFiberRan.countDown();
                return null;
            });
            return LwtFiber.start(() -> LwtFiber.detach(() -> {
                assertTrue(otherFiberRan.await(60, TimeUnit.SECONDS), "the loop went on meanwhile");
                return Thread.currentThread() != loop ? "off the loop" : "on the loop";
            }));
        });
        assertEquals("off the loop", r);
    }

    @Test
    @Tag("loom-only") // on the virtual-thread backend the body is on its own virtual thread throughout
    void detachedRunsTheBlockOnAPoolThreadAndTheFiberGoesOnOnTheLoop() {
        FiberLocal<String> who = new FiberLocal<>();
        List<String> r = LwtMain.run(() -> {
            Thread loop = Thread.currentThread();
            return LwtFiber.start(() -> {
                who.set("me");
                List<String> out = new ArrayList<>();
                out.add(LwtFiber.detached(() -> (Thread.currentThread() != loop) + " " + who.get() + " "
                        + LwtPreemptive.runInMain(() -> Thread.currentThread() == loop)));
                out.add(String.valueOf(Thread.currentThread() == loop));
                return out;
            });
        });
        assertEquals(List.of("true me true", "true"), r);
    }

    @Test
    void detachedThrowsTheBlocksExceptionAsTheSameInstanceBackOnTheLoop() {
        IOException io = new IOException("blocking call failed");
        Throwable t = LwtMain.run(() -> LwtFiber.start(() -> {
            try {
                LwtFiber.detached(() -> sneak(io));
                return null;
            } catch (Exception e) {
                return e;
            }
        }));
        assertSame(io, t);
    }

    // ---------------------------------------------------------------- callbacks

    @Test
    void awaitCallbackTurnsACallbackApiIntoAValueAndASecondCallIsAnError() {
        AtomicReference<loomcc.fiber.Callback<String>> saved = new AtomicReference<>();
        String r = LwtMain.run(() -> LwtFiber.start(() -> {
            String a = LwtFiber.awaitCallback(cb -> {
                saved.set(cb);
                Lwt.async(() -> Lwt.pause().map(x -> {
                    cb.success("later");
                    return null;
                }));
            });
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> saved.get().success("again"));
            return a + " / " + twice.getMessage().contains("already called");
        }));
        assertEquals("later / true", r);
    }

    // ---------------------------------------------------------------- pinning

    static final List<Object> pinned = new ArrayList<>();

    static final class AwaitsInItsInitializer {
        static {
            try {
                pinned.add(LwtFiber.await(Lwt.<String>pending().promise()));
            } catch (PinnedException e) {
                pinned.add(e);
            }
        }

        static void touch() {
        }
    }

    @Test
    @Tag("loom-only") // nothing pins on the virtual-thread backend
    void awaitWhilePinnedThrowsPinnedExceptionAtTheAwaitAndTheLoopKeepsRunning() {
        String r = LwtMain.run(() -> LwtFiber.start(() -> {
            AwaitsInItsInitializer.touch();
            LwtFiber.sleep(0.001);
            return "loop kept running";
        }));
        assertEquals("loop kept running", r);
        assertEquals(1, pinned.size());
        PinnedException e = assertInstanceOf(PinnedException.class, pinned.getFirst());
        assertTrue(e.getMessage().contains("class initializer"), e.getMessage());
    }

    @Test
    void fiberLocalsAreInheritedByFibersStartedInside() {
        FiberLocal<String> ctx = new FiberLocal<>();
        String r = LwtMain.run(() -> LwtFiber.start(() -> {
            ctx.set("request-42");
            Lwt<String> child = LwtFiber.start(() -> {
                LwtFiber.pause();
                String seen = ctx.get();
                ctx.set("child's own");
                return seen;
            });
            String fromChild = LwtFiber.await(child);
            return fromChild + " / " + ctx.get();
        }));
        assertEquals("request-42 / request-42", r);
    }

    /** The warnings loomcc logs while {@code body} runs. */
    static List<String> warningsDuring(Runnable body) {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("loomcc");
        List<String> seen = new ArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    seen.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            body.run();
        } finally {
            jul.removeHandler(h);
        }
        return seen;
    }

    @Test
    void aLoopThatEndsWithFibersStillSuspendedSaysSo() {
        List<String> warnings = warningsDuring(() -> LwtMain.run(() -> {
            Resolver<Void> never = Lwt.pending();
            LwtFiber.start(() -> LwtFiber.await(never.promise()));
            LwtFiber.start(() -> LwtFiber.await(never.promise()));
            LwtFiber.start(() -> "ends at once");
            return Lwt.resolved(null);
        }));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("2 fiber(s) still suspended")
                && warnings.getFirst().contains("aLoopThatEndsWithFibersStillSuspendedSaysSo"), warnings.getFirst());
    }

    @Test
    void aLoopWhoseFibersAllEndedOrWereCancelledIsSilent() {
        List<String> warnings = warningsDuring(() -> LwtMain.run(() -> {
            Resolver<Void> never = Lwt.pending();
            Lwt<Void> waiting = LwtFiber.start(() -> LwtFiber.await(never.promise()));
            Lwt<String> sleeper = LwtFiber.start(() -> {
                LwtFiber.sleep(0.001);
                return "done";
            });
            waiting.cancel();
            return sleeper;
        }));
        assertEquals(List.of(), warnings);
    }

    @Test
    void theLoopIsStillOneThreadFibersDoNotRunInParallel() {
        int fibers = 50;
        int[] counter = {0};
        boolean[] overlap = {false};
        LwtMain.run(() -> {
            List<Lwt<Void>> all = new ArrayList<>();
            int[] inside = {0};
            for (int i = 0; i < fibers; i++) {
                all.add(LwtFiber.start(() -> {
                    for (int k = 0; k < 20; k++) {
                        inside[0]++;
                        overlap[0] |= inside[0] > 1;
                        counter[0]++;
                        inside[0]--;
                        LwtFiber.pause();
                    }
                    return null;
                }));
            }
            return Lwt.join(all);
        });
        assertFalse(overlap[0]);
        assertEquals(fibers * 20, counter[0]);
    }

    @Test
    void pauseOutsideAFiberNamesWhatWasAwaitedAndTheFix() {
        IllegalStateException onLoop = LwtMain.run(() -> Lwt.resolved(
                assertThrows(IllegalStateException.class, LwtFiber::pause)));
        assertTrue(onLoop.getMessage().contains("LwtFiber.pause"), onLoop.getMessage());
        assertTrue(onLoop.getMessage().contains("outside a fiber"), onLoop.getMessage());
        assertTrue(onLoop.getMessage().contains("LwtFiber.start"), onLoop.getMessage());
        IllegalStateException offLoop = assertThrows(IllegalStateException.class, LwtFiber::pause);
        assertTrue(offLoop.getMessage().contains("outside a fiber"), offLoop.getMessage());
    }

    @Test
    void aFiberPausedManyTimesResumesOnItsOwnLoopInTurnOrder() {
        List<String> seen = new ArrayList<>();
        LwtMain.run(() -> {
            Lwt<Void> a = LwtFiber.start(() -> {
                for (int i = 0; i < 3; i++) {
                    seen.add("a" + i);
                    LwtFiber.pause();
                }
                return null;
            });
            Lwt<Void> b = LwtFiber.start(() -> {
                for (int i = 0; i < 3; i++) {
                    seen.add("b" + i);
                    LwtFiber.pause();
                }
                return null;
            });
            return Lwt.join(List.of(a, b));
        });
        assertEquals(List.of("a0", "b0", "a1", "b1", "a2", "b2"), seen);
    }

    @Test
    void aFiberResumedByAPromiseAwaitsTheNextOneWhileThatPromiseStillRunsItsOtherCallbacks() {
        // The fiber's wait is reused from one await to the next: here while the first promise is
        // still running the callbacks registered after the fiber's.
        List<String> seen = new ArrayList<>();
        LwtMain.run(() -> {
            Resolver<String> a = Lwt.pending();
            Resolver<String> b = Lwt.pending();
            Resolver<String> c = Lwt.task();
            Lwt<Void> f = LwtFiber.start(() -> {
                seen.add("a=" + LwtFiber.await(a.promise()));
                try {
                    LwtFiber.await(c.promise());
                } catch (Lwt.Canceled e) {
                    seen.add("c cancelled");
                }
                seen.add("b=" + LwtFiber.await(b.promise()));
                for (int i = 0; i < 100; i++) {
                    Resolver<Integer> r = Lwt.pending();
                    Lwt.pause().map(x -> {
                        r.resolve(1);
                        return x;
                    });
                    seen.add("r" + LwtFiber.await(r.promise()));
                }
                return null;
            });
            a.promise().map(v -> seen.add("after the fiber: " + v));
            a.resolve("1");
            c.promise().cancel();
            b.promise().map(v -> seen.add("b's own callback: " + v));
            b.resolve("2");
            return f;
        });
        assertEquals(List.of("a=1", "after the fiber: 1", "c cancelled", "b=2", "b's own callback: 2"),
                seen.subList(0, 5));
        assertEquals(105, seen.size());
        assertTrue(seen.subList(5, 105).stream().allMatch("r1"::equals), seen.toString());
    }
}
