package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import loomcc.fiber.Callback;
import loomcc.fiber.FiberLocal;
import loomcc.internal.lwt.EventLoop;

/**
 * {@code LwtFiber.detached} in the configuration users run (no diagnostic JVM flag, C2 on):
 * the block runs on the pool thread in frames of its own, so {@code Thread.currentThread()} and
 * {@code ThreadLocal}s in it are the pool thread's, however hot the code is (DESIGN.md, LwtFiber,
 * "detached never leaves the fiber's frames on another thread"), and the edges around it. The
 * name matches the Surefire execution that runs the fiber tests on the virtual-thread backend too.
 */
class DetachedFiberTest {
    private static final ThreadLocal<String> WHERE = new ThreadLocal<>();

    @Test
    void theBlockSeesThePoolThreadAndItsThreadLocalsEvenOnceTheFiberIsCompiled() {
        int rounds = 20_000; // enough for C2 to compile the fiber's loop (and the block into it)
        List<String> wrong = LwtMain.run(() -> LwtFiber.start(() -> {
                Thread loop = Thread.currentThread(); // the loop's (a virtual thread's on that backend)
                WHERE.set("loop");
                List<String> bad = new ArrayList<>();
                int[] stale = {0, 0, 0};
                for (int i = 0; i < rounds; i++) {
                    String seen = LwtFiber.detached(() -> {
                        String before = WHERE.get();
                        WHERE.set("pool");
                        return Thread.currentThread() == loop ? "loop thread" : before;
                    });
                    if ("loop thread".equals(seen)) {
                        stale[0]++;
                    } else if (seen != null && !"pool".equals(seen)) {
                        stale[1]++; // the block read the loop thread's thread-local
                    }
                    if (!"loop".equals(WHERE.get())) {
                        stale[2]++; // the block wrote into the loop thread's map
                        WHERE.set("loop");
                    }
                }
                if (stale[0] + stale[1] + stale[2] > 0) {
                    bad.add("of " + rounds + " blocks, " + stale[0] + " saw the loop thread, " + stale[1]
                            + " read its thread-locals, " + stale[2] + " wrote into them");
                }
                WHERE.remove();
                return bad;
            }));
        assertEquals(List.of(), wrong);
    }

    @Test
    void theBlockSeesTheFibersLocalsAndMayNeitherAwaitNorDetach() {
        FiberLocal<String> who = new FiberLocal<>();
        List<String> r = LwtMain.run(() -> LwtFiber.start(() -> {
            who.set("me");
            return LwtFiber.detached(() -> {
                List<String> out = new ArrayList<>();
                out.add(who.get());
                who.set("set in the block");
                for (Runnable misuse : List.<Runnable>of(() -> LwtFiber.await(Lwt.resolved(1)),
                        () -> LwtFiber.detached(() -> 1), LwtFiber::pause)) {
                    try {
                        misuse.run();
                        out.add("allowed");
                    } catch (IllegalStateException e) {
                        out.add(e.getMessage().contains("detached block") ? "refused" : e.getMessage());
                    }
                }
                return out;
            });
        }).map(out -> {
            out.add(String.valueOf(Thread.currentThread().getName().startsWith("loomcc-preemptive")));
            return out;
        }));
        assertEquals(List.of("me", "refused", "refused", "refused", "false"), r);
    }

    /** Two loops run: runInMain in a detached block reaches its fiber's loop (it used to say "ambiguous"). */
    @Test
    void runInMainFromABlockReachesItsFibersLoopWhileAnotherLoopRuns() throws Exception {
        CountDownLatch otherRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread other = new Thread(() -> LwtMain.run(() -> {
            otherRunning.countDown();
            return LwtPreemptive.detach(() -> release.await(30, TimeUnit.SECONDS));
        }), "other-loop");
        other.start();
        try {
            assertTrue(otherRunning.await(30, TimeUnit.SECONDS));
            String r = LwtMain.run(() -> {
                Thread loop = Thread.currentThread();
                return LwtFiber.start(() -> LwtFiber.detached(
                        () -> LwtPreemptive.runInMain(() -> Thread.currentThread() == loop ? "my loop" : "another")));
            });
            assertEquals("my loop", r);
        } finally {
            release.countDown();
            other.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    @Test
    void cancelledInsideDetachedThePromiseIsRejectedAtOnceTheBlockFinishesThenDetachedThrowsCanceled() {
        List<String> trail = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch blockStarted = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        Resolver<Void> ended = Lwt.pending();
        Lwt<?> fiber = LwtMain.run(() -> {
            Lwt<Object> f = LwtFiber.start(() -> {
                try {
                    LwtFiber.detached(() -> {
                        blockStarted.countDown();
                        try {
                            assertTrue(cancelled.await(30, TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            trail.add("interrupted");
                        }
                        trail.add("block finished");
                        return "value";
                    });
                    trail.add("detached returned");
                } catch (Lwt.Canceled c) {
                    trail.add("detached threw Canceled");
                    throw c;
                } finally {
                    trail.add("finally");
                    ended.resolve(null);
                }
                return null;
            });
            return LwtPreemptive.detach(() -> blockStarted.await(30, TimeUnit.SECONDS)).bind(started -> {
                f.cancel();
                trail.add("rejected at once: " + f.isRejected());
                cancelled.countDown();
                return ended.promise().map(v -> f);
            });
        });
        assertInstanceOf(Lwt.Canceled.class, assertThrows(Lwt.Canceled.class, fiber::getNow));
        assertEquals(List.of("rejected at once: true", "block finished", "detached threw Canceled", "finally"), trail);
    }

    // ---------------------------------------------------------------- after the loop ended

    @Test
    void aLoopThatEndsWhileABlockRunsCountsTheFiberAndDropsTheBlocksOutcomeWithoutThrowingOnThePool() throws Exception {
        CountDownLatch blockStarted = new CountDownLatch(1);
        CountDownLatch loopEnded = new CountDownLatch(1);
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        Thread.UncaughtExceptionHandler saved = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.compareAndSet(null, e));
        try {
            EventLoop[] loop = new EventLoop[1];
            List<String> warnings = LwtFiberTest.warningsDuring(() -> LwtMain.run(() -> {
                loop[0] = EventLoop.current();
                LwtFiber.start(() -> LwtFiber.detached(() -> {
                    blockStarted.countDown();
                    try {
                        return loopEnded.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        return false;
                    }
                }));
                return LwtPreemptive.detach(() -> blockStarted.await(30, TimeUnit.SECONDS));
            }));
            loopEnded.countDown();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().contains("1 fiber(s) still suspended (1 of them in a detached block"),
                    warnings.getFirst());
            waitFor(() -> loop[0].droppedAfterEnd() == 1, "the block's outcome reaches the ended loop and is dropped");
            // the pool thread that ran the block is alive and well: the pool runs the next task on it
            assertEquals("pool ok", LwtMain.run(() -> LwtPreemptive.detach(() -> "pool ok")));
            assertSame(null, uncaught.get());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(saved);
        }
    }

    @Test
    void aCallbackCompletedFromAnotherThreadAfterItsLoopEndedIsDroppedNotThrownIntoTheCaller() throws Exception {
        AtomicReference<Callback<String>> cb = new AtomicReference<>();
        EventLoop[] loop = new EventLoop[1];
        List<String> trail = new ArrayList<>();
        List<String> warnings = LwtFiberTest.warningsDuring(() -> LwtMain.run(() -> {
            loop[0] = EventLoop.current();
            LwtFiber.start(() -> {
                trail.add("got " + LwtFiber.<String>awaitCallback(cb::set));
                return null;
            });
            return Lwt.resolved(null);
        }));
        assertTrue(warnings.getFirst().contains("1 fiber(s) still suspended"), warnings.toString());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread late = new Thread(() -> {
            try {
                cb.get().success("late");
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "late-completer");
        late.start();
        late.join(TimeUnit.SECONDS.toMillis(30));
        assertSame(null, thrown.get());
        assertEquals(1, loop[0].droppedAfterEnd());
        assertEquals(List.of(), trail);
    }

    @Test
    void aFiberOfAnEndedLoopIsNotRunByALaterLoopOnTheSameThread() {
        Resolver<String> gate = Lwt.pending();
        EventLoop[] first = new EventLoop[1];
        List<String> trail = new ArrayList<>();
        LwtFiberTest.warningsDuring(() -> LwtMain.run(() -> {
            first[0] = EventLoop.current();
            LwtFiber.start(() -> {
                trail.add("got " + LwtFiber.await(gate.promise()));
                LwtFiber.pause(); // on the ended loop this would never come back
                trail.add("after pause");
                return null;
            });
            return Lwt.resolved(null);
        }));
        String r = LwtMain.run(() -> {
            gate.resolve("from the later loop");
            return LwtFiber.start(() -> {
                LwtFiber.pause();
                return "the later loop went on";
            });
        });
        assertEquals("the later loop went on", r);
        assertEquals(List.of(), trail, "the ended loop's fiber did not run on the later loop");
        assertEquals(1, first[0].droppedAfterEnd());
        assertFalse(first[0].inHome());
    }

    @Test
    void cancellingAnEndedLoopsFiberFromALaterLoopRejectsItsPromiseAndLeavesTheLaterLoopAlone() {
        Resolver<String> gate = Lwt.pending();
        List<String> trail = new ArrayList<>();
        AtomicReference<Lwt<String>> fiber = new AtomicReference<>();
        LwtFiberTest.warningsDuring(() -> LwtMain.run(() -> {
            fiber.set(LwtFiber.start(() -> {
                try {
                    return LwtFiber.await(gate.promise());
                } finally {
                    trail.add("finally ran on " + Thread.currentThread().getName());
                }
            }));
            return Lwt.resolved(null);
        }));
        String r = LwtMain.run(() -> {
            fiber.get().cancel();
            return LwtFiber.start(() -> {
                LwtFiber.pause();
                return "the later loop went on";
            });
        });
        assertEquals("the later loop went on", r);
        assertThrows(Lwt.Canceled.class, fiber.get()::getNow);
        assertEquals(List.of(), trail, "the ended loop's fiber did not run on the later loop");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "never happened: " + what);
            Thread.sleep(1);
        }
    }
}
