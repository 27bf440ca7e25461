package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import loomcc.fiber.Callback;
import loomcc.internal.lwt.EventLoop;
import org.junit.jupiter.api.Test;

/**
 * {@link LwtMain#runWithVirtualClock} and {@link LwtUnix#now()} (DESIGN.md, "Testing with a virtual
 * clock"): time starts at 0 and jumps to the next deadline; events come in a real run's order; waits
 * that another thread ends hold the clock; a loop that can never go on throws
 * {@link DeadlockException}. Nothing here waits on real time for a timer: a test that slept for real
 * would take the hour it simulates.
 */
class VirtualClockTest {

    // README:begin virtual-clock
    /** A retry loop with exponential back-off: the code under test. */
    static Lwt<String> fetchWithRetry(Supplier<Lwt<String>> fetch, int attempts, double backoff) {
        return fetch.get().recover(e -> attempts <= 1
                ? Lwt.failed(e)
                : LwtUnix.sleep(backoff).bind(v -> fetchWithRetry(fetch, attempts - 1, backoff * 2)));
    }

    @Test
    void retriesBackOffOnTheVirtualClock() {
        List<Double> tries = new ArrayList<>();
        String result = LwtMain.runWithVirtualClock(() -> fetchWithRetry(() -> {
            tries.add(LwtUnix.now());                 // the loop's clock: virtual here
            return tries.size() < 4 ? Lwt.failed(new IOException("down")) : Lwt.resolved("up");
        }, 5, 60));
        assertEquals("up", result);
        assertEquals(List.of(0.0, 60.0, 180.0, 420.0), tries);   // 7 minutes of back-off, at once
    }
    // README:end virtual-clock

    // ---------------------------------------------------------------- the clock itself

    @Test
    void startsAtZeroAndJumpsToEachDeadline() {
        List<Double> seen = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> {
            List<Double> times = new ArrayList<>();
            times.add(LwtUnix.now());
            LwtFiber.sleep(3600);
            times.add(LwtUnix.now());
            LwtFiber.await(LwtUnix.sleep(0.5));
            times.add(LwtUnix.now());
            return times;
        }));
        assertEquals(List.of(0.0, 3600.0, 3600.5), seen);
    }

    @Test
    void anHourOfOneSecondSleepsEndsAtExactlyAnHour() {
        double end = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> {
            for (int i = 0; i < 3600; i++) {
                LwtFiber.sleep(1);
            }
            return LwtUnix.now();
        }));
        assertEquals(3600.0, end);
    }

    @Test
    void theClockDoesNotMoveWhileWorkIsReady() {
        List<Double> seen = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> {
            List<Double> times = new ArrayList<>();
            LwtUnix.sleep(10);                            // a timer exists, but there is work to do
            for (int i = 0; i < 100; i++) {
                LwtFiber.pause();
                LwtFiber.sleep(0);
            }
            times.add(LwtUnix.now());
            return times;
        }));
        assertEquals(List.of(0.0), seen);
    }

    @Test
    void nowOnARealLoopCountsFromTheStartOfTheRun() {
        double[] seen = LwtMain.run(() -> {
            double start = LwtUnix.now();
            return LwtUnix.sleep(0.01).map(v -> new double[] {start, LwtUnix.now()});
        });
        assertTrue(seen[0] >= 0 && seen[0] < seen[1], "start " + seen[0] + ", after " + seen[1]);
        assertTrue(seen[1] >= seen[0] + 0.01, "a sleep of 0.01 s ended at " + seen[1]);
    }

    @Test
    void nowAndTheVirtualRunNeedTheirRules() {
        IllegalStateException outside = assertThrows(IllegalStateException.class, LwtUnix::now);
        assertTrue(outside.getMessage().contains("LwtMain.run"), outside.getMessage());
        IllegalStateException nested = assertThrows(IllegalStateException.class,
                () -> LwtMain.runWithVirtualClock(() -> Lwt.resolved(LwtMain.runWithVirtualClock(() -> Lwt.resolved(1)))));
        assertTrue(nested.getMessage().contains("already running"), nested.getMessage());
        assertThrows(NullPointerException.class, () -> LwtMain.runWithVirtualClock(null));
        assertThrows(NullPointerException.class, () -> LwtMain.runWithVirtualClock(() -> null));
    }

    @Test
    void aVirtualRunReturnsAndThrowsAsARealOne() {
        assertEquals((Integer) 7, LwtMain.runWithVirtualClock(() -> LwtUnix.sleep(100).map(v -> 7)));
        IOException boom = new IOException("boom");
        IOException thrown = assertThrows(IOException.class,
                () -> LwtMain.runWithVirtualClock(() -> LwtUnix.sleep(100).bind(v -> Lwt.failed(boom))));
        assertSame(boom, thrown);
        RuntimeException async = new RuntimeException("async");
        assertSame(async, assertThrows(RuntimeException.class, () -> LwtMain.runWithVirtualClock(() -> {
            Lwt.async(() -> LwtUnix.sleep(5).bind(v -> Lwt.failed(async)));
            return LwtUnix.sleep(10);
        })));
    }

    // ---------------------------------------------------------------- same order as a real run

    /**
     * One program of pauses, zero sleeps, fibers and timers, with delays a real run can take: the
     * real loop and the virtual one must log the same events in the same order. The program is one
     * whose real order does not depend on how busy the machine is: first the turn-by-turn part,
     * then timers all made at once (fiber sleeps, sleep promises, timeouts), 50 ms apart, each
     * firing once. (A timer made when another fires races, on a real clock, with the timers due
     * then; that order is exact only on the virtual clock, and the tests below check it there.)
     */
    static Lwt<List<String>> program() {
        List<String> log = new ArrayList<>();
        Lwt<Void> turns = Lwt.join(List.of(
                LwtUnix.sleep(0).map(v -> log.add("promise 0")),
                Lwt.pause().map(v -> log.add("pause")),
                LwtFiber.start(() -> {
                    LwtFiber.sleep(0);
                    log.add("fiber 0");
                    LwtFiber.pause();
                    return log.add("fiber 0 then pause");
                })));
        return turns.bind(t -> Lwt.join(List.of(
                LwtUnix.sleep(0.25).map(v -> log.add("promise 250ms")),
                LwtFiber.start(() -> {
                    LwtFiber.sleep(0.1);
                    return log.add("fiber 100ms");
                }),
                LwtUnix.sleep(0.2).map(v -> log.add("promise 200ms")),
                LwtUnix.withTimeout(0.15, () -> LwtUnix.sleep(1).map(v -> false))
                        .recover(e -> Lwt.resolved(log.add("timeout 150ms: " + e.getClass().getSimpleName()))),
                LwtUnix.withTimeout(1, () -> LwtUnix.sleep(0.05).map(v -> log.add("inside a timeout, 50ms"))),
                LwtFiber.start(() -> {
                    LwtFiber.await(LwtUnix.sleep(0.3));
                    return log.add("fiber awaiting 300ms");
                }))))
                .map(v -> log);
    }

    @Test
    void eventsComeInTheOrderOfARealRun() {
        List<String> virtual = LwtMain.runWithVirtualClock(VirtualClockTest::program);
        List<String> real = LwtMain.run(VirtualClockTest::program);
        assertEquals(real, virtual);
        // a turn wakes the paused before it fires the due timers (LwtMain's cycle)
        assertEquals(List.of("pause", "promise 0", "fiber 0", "fiber 0 then pause", "inside a timeout, 50ms",
                "fiber 100ms", "timeout 150ms: TimeoutException", "promise 200ms", "promise 250ms",
                "fiber awaiting 300ms"), virtual);
    }

    @Test
    void timersMadeAsOthersFireKeepTheirExactOrderOnTheVirtualClock() {
        List<String> log = LwtMain.runWithVirtualClock(() -> {
            List<String> l = new ArrayList<>();
            return Lwt.join(List.of(
                    LwtUnix.sleep(0.55).map(v -> l.add("promise 550ms")),
                    LwtFiber.start(() -> {
                        LwtFiber.sleep(0.15);
                        l.add("fiber 150ms at " + LwtUnix.now());
                        LwtFiber.sleep(0.3);
                        return l.add("fiber 150+300ms at " + LwtUnix.now());
                    }),
                    LwtUnix.sleep(0.35).bind(v -> {
                        l.add("promise 350ms");
                        return LwtUnix.sleep(0).<Boolean>map(w -> l.add("promise 350ms then 0 at " + LwtUnix.now()));
                    }),
                    LwtUnix.sleep(0.35).map(v -> l.add("another 350ms")))).map(v -> l);
        });
        assertEquals(List.of("fiber 150ms at 0.15", "promise 350ms", "another 350ms", "promise 350ms then 0 at 0.35",
                "fiber 150+300ms at 0.45", "promise 550ms"), log);
    }

    @Test
    void tiesFireInCreationOrderAndTimersMadeWhileFiringWaitATurn() {
        List<String> log = LwtMain.runWithVirtualClock(() -> {
            List<String> l = new ArrayList<>();
            Lwt<?> a = LwtUnix.sleep(5).map(v -> {
                l.add("a");
                LwtUnix.sleep(0).map(w -> l.add("a's zero sleep"));
                return null;
            });
            Lwt<?> b = LwtUnix.sleep(5).map(v -> l.add("b"));
            Lwt<?> c = LwtFiber.start(() -> {
                LwtFiber.sleep(5);
                return l.add("c");
            });
            return Lwt.join(List.of(a, b, c)).bind(v -> LwtUnix.sleep(0)).map(v -> l);
        });
        assertEquals(List.of("a", "b", "c", "a's zero sleep"), log);
    }

    @Test
    void withTimeoutRunsOnTheVirtualClock() {
        double[] at = new double[1];
        TimeoutException t = assertThrows(TimeoutException.class, () -> LwtMain.runWithVirtualClock(() ->
                LwtUnix.withTimeout(30, () -> LwtUnix.sleep(3600)).whenDone(() -> at[0] = LwtUnix.now())));
        assertTrue(t.getMessage().contains("30"), t.getMessage());
        assertEquals(30.0, at[0]);
        assertEquals((Integer) 12, LwtMain.runWithVirtualClock(() ->
                LwtUnix.withTimeout(30, () -> LwtUnix.sleep(29.999).map(v -> 12))));
    }

    @Test
    void aFibersWithTimeoutRunsOnTheVirtualClockNestedOnesIncluded() {
        List<String> log = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> {
            List<String> l = new ArrayList<>();
            try {
                LwtFiber.withTimeout(60, () -> {
                    try {
                        return LwtFiber.withTimeout(3600, () -> {
                            LwtFiber.sleep(7200);
                            return "slept";
                        });
                    } catch (TimeoutException inner) {
                        return "inner timeout at " + LwtUnix.now();     // not this one: 3600 is later
                    } finally {
                        l.add("inner body left at " + LwtUnix.now());   // the outer deadline cancelled it
                    }
                });
            } catch (TimeoutException e) {
                l.add("outer timeout at " + LwtUnix.now());
            }
            try {
                l.add(LwtFiber.withTimeout(10, () -> {
                    LwtFiber.sleep(9.5);
                    return "in time at " + LwtUnix.now();
                }));
            } catch (TimeoutException e) {
                l.add("unexpected " + e);
            }
            return l;
        }));
        assertEquals(List.of("inner body left at 60.0", "outer timeout at 60.0", "in time at 69.5"), log);
    }

    @Test
    void aCancelledSleepLeavesNoTimerToJumpTo() {
        double end = LwtMain.runWithVirtualClock(() -> {
            Lwt<Void> far = LwtUnix.sleep(1000);
            return LwtUnix.sleep(1).map(v -> {
                far.cancel();
                return LwtUnix.now();
            }).bind(now -> LwtUnix.sleep(2).map(v -> LwtUnix.now()));
        });
        assertEquals(3.0, end);
    }

    // ---------------------------------------------------------------- waits on other threads hold the clock

    /** Releases {@code latch} from a thread of its own, a little later in real time. */
    private static void releaseLater(CountDownLatch latch) {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            latch.countDown();
        });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A timer of 1 ms runs beside {@code work}, which another thread ends some real time later: the
     * clock must stand still until the work is back, so the work comes first and at time 0.
     */
    private static void assertHeldBy(java.util.function.Function<CountDownLatch, Lwt<?>> work) {
        List<String> log = LwtMain.runWithVirtualClock(() -> {
            List<String> l = new ArrayList<>();
            Lwt<?> timer = LwtUnix.sleep(0.001).map(v -> l.add("timer at " + LwtUnix.now()));
            CountDownLatch latch = new CountDownLatch(1);
            Lwt<?> w = work.apply(latch).map(v -> l.add("work at " + LwtUnix.now()));
            releaseLater(latch);
            return Lwt.join(List.of(timer, w)).map(v -> l);
        });
        assertEquals(List.of("work at 0.0", "timer at 0.001"), log);
    }

    @Test
    void poolWorkHoldsTheClock() {
        assertHeldBy(latch -> LwtPreemptive.detach(() -> {
            awaitQuietly(latch);
            return 1;
        }));
    }

    @Test
    void aFailingDetachHoldsTheClockToo() {
        assertHeldBy(latch -> LwtPreemptive.detach(() -> {
            awaitQuietly(latch);
            throw new IOException("failed on the pool");
        }).recover(e -> Lwt.resolved(null)));
    }

    @Test
    void aFiberAwaitingACompletionStageHoldsTheClock() {
        assertHeldBy(latch -> LwtFiber.start(() -> LwtFiber.await(CompletableFuture.runAsync(() -> awaitQuietly(latch)))));
    }

    @Test
    void aFiberAwaitingACallbackHoldsTheClock() {
        assertHeldBy(latch -> LwtFiber.start(() -> LwtFiber.<String>awaitCallback(cb -> Thread.ofPlatform().daemon()
                .start(() -> {
                    awaitQuietly(latch);
                    cb.success("called back");
                }))));
    }

    @Test
    void aDetachedBlockHoldsTheClock() {
        assertHeldBy(latch -> LwtFiber.start(() -> LwtFiber.detached(() -> {
            awaitQuietly(latch);
            return 1;
        })));
    }

    @Test
    void aFiberDetachHoldsTheClock() {
        assertHeldBy(latch -> LwtFiber.start(() -> LwtFiber.detach(() -> {
            awaitQuietly(latch);
            return 1;
        })));
    }

    @Test
    void aPendingReadHoldsTheClock() throws IOException {
        Pipe pipe = Pipe.open();
        try {
            assertHeldBy(latch -> {
                Thread.ofPlatform().daemon().start(() -> {
                    awaitQuietly(latch);
                    try {
                        pipe.sink().write(ByteBuffer.wrap(new byte[] {42}));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                return LwtUnix.read(pipe.source(), ByteBuffer.allocate(1));
            });
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void aCancelledStageAwaitReleasesTheClock() {
        double end = LwtMain.runWithVirtualClock(() -> {
            CompletableFuture<String> never = new CompletableFuture<>();
            Lwt<String> f = LwtFiber.start(() -> LwtFiber.await(never));
            return LwtUnix.sleep(0).bind(v -> {
                f.cancel();                               // the fiber resumes, its hold ends
                assertTrue(never.isCancelled(), "cancelling the fiber cancels the pending future");
                return LwtUnix.sleep(50);
            }).map(v -> LwtUnix.now());
        });
        assertEquals(50.0, end);
    }

    @Test
    void aPendingAcceptDoesNotHoldTheClock() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            double end = LwtMain.runWithVirtualClock(() -> {
                Lwt<?> accept = LwtUnix.accept(server);
                return LwtUnix.sleep(5).map(v -> {
                    assertTrue(accept.isPending());
                    accept.cancel();
                    return LwtUnix.now();
                });
            });
            assertEquals(5.0, end);
        }
    }

    /** A client and a server on one loop: the server's slow answer is virtual time, not a hang. */
    @Test
    void aClientAndAServerOnOneLoopRunOnVirtualTime() {
        List<String> seen = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> {
            LwtIo.Server server = LwtIo.serve(new InetSocketAddress("127.0.0.1", 0), c -> {
                String q = LwtFiber.await(c.in().readLine());
                LwtFiber.sleep(30);                       // the client's read waits on this loop only
                LwtFiber.await(c.out().writeUtf8(q + " at " + LwtUnix.now() + "\n"));
            });
            try {
                List<String> out = new ArrayList<>();
                for (String q : List.of("first", "second")) {
                    LwtIo.Connection c = LwtFiber.await(LwtIo.connect(server.address()));
                    try {
                        LwtFiber.await(c.out().writeUtf8(q + "\n"));
                        LwtFiber.await(c.out().flush());
                        out.add(LwtFiber.await(c.in().readLine()));
                    } finally {
                        c.close();
                    }
                }
                try {                                     // and a timeout around an in-loop read fires
                    LwtIo.Connection c = LwtFiber.await(LwtIo.connect(server.address()));
                    LwtFiber.await(c.out().writeUtf8("third\n"));
                    LwtFiber.await(c.out().flush());
                    out.add(LwtFiber.await(LwtUnix.withTimeout(10, () -> c.in().readLine())));
                } catch (Exception e) {
                    out.add(e.getClass().getSimpleName() + " at " + LwtUnix.now());
                }
                return out;
            } finally {
                server.close();
            }
        }));
        assertEquals(List.of("first at 30.0", "second at 60.0", "TimeoutException at 70.0"), seen);
    }

    @Test
    void aRunInMainFromAnotherThreadWhileTheClockIsHeldRunsAtTheCurrentTime() {
        double seen = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> {
            LwtFiber.sleep(7);
            return LwtFiber.detach(() -> LwtPreemptive.runInMain(LwtUnix::now));
        }));
        assertEquals(7.0, seen);
    }

    @Test
    void loopTimersOffTheLoopThreadAreAnErrorNotSilentlyReal() {
        // kotlinx#3094: a delay elsewhere silently ran on real time. Here a loop timer asked for on
        // a pool thread has no loop, and says so.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LwtMain.runWithVirtualClock(() ->
                LwtPreemptive.detach(() -> LwtUnix.sleep(1))));
        assertTrue(e.getMessage().contains("LwtUnix.sleep"), e.getMessage());
    }

    // ---------------------------------------------------------------- deadlock

    @Test
    void aMainPromiseNobodyResolvesIsADeadlockAtOnce() {
        DeadlockException d = assertThrows(DeadlockException.class,
                () -> LwtMain.runWithVirtualClock(() -> LwtUnix.sleep(10).bind(v -> Lwt.<Integer>pending().promise())));
        assertInstanceOf(IllegalStateException.class, d);
        assertTrue(d.getMessage().contains("10.0"), "says when: " + d.getMessage());
    }

    @Test
    void fibersWaitingOnEachOtherAreADeadlock() {
        DeadlockException d = assertThrows(DeadlockException.class, () -> LwtMain.runWithVirtualClock(() -> {
            Resolver<String> a = Lwt.pending();
            Resolver<String> b = Lwt.pending();
            LwtFiber.start(() -> {
                b.resolve(LwtFiber.await(a.promise()));
                return null;
            });
            return LwtFiber.start(() -> {
                String v = LwtFiber.await(b.promise());
                a.resolve(v);
                return v;
            });
        }));
        assertTrue(d.getMessage().contains("2 fiber(s)"), d.getMessage());
    }

    @Test
    void aLoopWaitingOnlyForAForeverSleepIsADeadlock() {
        assertThrows(DeadlockException.class,
                () -> LwtMain.runWithVirtualClock(() -> LwtUnix.sleep(Double.POSITIVE_INFINITY)));
    }

    @Test
    void aLoopWithACallbackInFlightIsNotADeadlock() {
        String v = LwtMain.runWithVirtualClock(() -> LwtFiber.start(() -> LwtFiber.<String>awaitCallback(
                (Callback<String> cb) -> Thread.ofPlatform().daemon().start(() -> cb.success("late")))));
        assertEquals("late", v);
    }

    @Test
    void aRealLoopKeepsItsOwnClockAndNeverJumps() {
        // The same sleep on a real loop takes real time: the clock is virtual only when asked for.
        boolean virtual = LwtMain.run(() -> Lwt.resolved(EventLoop.current().isVirtualClock()));
        assertFalse(virtual);
        assertTrue(LwtMain.runWithVirtualClock(() -> Lwt.resolved(EventLoop.current().isVirtualClock())));
    }

    // ---------------------------------------------------------------- the README shows this code

    @Test
    void theReadmeShowsThisVeryCode() throws IOException {
        ReadmeRegions.assertShown(VirtualClockTest.class, "virtual-clock");
    }
}
