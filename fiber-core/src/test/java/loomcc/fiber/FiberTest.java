package loomcc.fiber;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import loomcc.cont.PinnedException;

/** The fiber runtime on a bare home, awaiting {@code CompletionStage}s and callbacks. */
class FiberTest {
    private final TestHome home = new TestHome();
    private final ExecutorService other = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() {
        other.shutdownNow();
    }

    /** Completes {@code cf} with {@code v} from another thread. */
    private <T> void completeElsewhere(CompletableFuture<T> cf, T v) {
        other.execute(() -> cf.complete(v));
    }

    // ---------------------------------------------------------------- await

    @Test
    void awaitOnACompletedStageAnswersAtOnceWithoutSuspending() {
        List<String> order = new ArrayList<>();
        String r = home.run(() -> {
            Fiber.start(home, () -> {
                order.add("inner before");
                String v = Fiber.await(CompletableFuture.completedFuture("now"));
                order.add("inner after " + v);
                return v;
            }, (v, e) -> { });
            order.add("start returned");
            return "ok";
        });
        assertEquals("ok", r);
        assertEquals(List.of("inner before", "inner after now", "start returned"), order);
    }

    @Test
    void awaitOnAPendingStageSuspendsOnlyTheFiberAndResumesItOnTheHome() {
        List<String> order = new ArrayList<>();
        CompletableFuture<String> cf = new CompletableFuture<>();
        CompletableFuture<String> childDone = new CompletableFuture<>();
        String r = home.run(() -> {
            Fiber.start(home, () -> {
                order.add("waiting");
                String v = Fiber.await(cf);
                order.add("resumed with " + v + " on home: " + Fiber.onHome(home));
                return v;
            }, (v, e) -> {
                order.add("done " + v);
                childDone.complete(v);
            });
            order.add("start returned");
            completeElsewhere(cf, "later");
            String mine = Fiber.await(cf.thenApply(s -> s + "!"));
            order.add("main got " + mine);
            return mine + Fiber.await(childDone);
        });
        assertEquals("later!later", r);
        assertEquals("waiting", order.get(0));
        assertEquals("start returned", order.get(1));
        assertTrue(order.contains("resumed with later on home: true"), order.toString());
        assertTrue(order.contains("done later"), order.toString());
    }

    @Test
    void awaitOutsideAFiberSaysToStartOneEvenOnACompletedStage() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Fiber.await(CompletableFuture.completedFuture(1)));
        assertTrue(e.getMessage().contains("LwtFiber.start"), e.getMessage());
        assertNull(Fiber.current());
    }

    @Test
    void startOffTheHomeThreadIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Fiber.start(home, () -> 1, (v, x) -> { }));
        assertTrue(e.getMessage().contains("home's thread"), e.getMessage());
    }

    @Test
    void aFailedStageThrowsItsExceptionAsItIsOnBothPaths() {
        IOException io = new IOException("io");
        CompletableFuture<String> wrappedDone = new CompletableFuture<>();
        wrappedDone.completeExceptionally(new CompletionException(io));
        CompletableFuture<String> pending = new CompletableFuture<>();
        List<Throwable> seen = home.run(() -> {
            List<Throwable> out = new ArrayList<>();
            out.add(catching(() -> Fiber.await(wrappedDone)));                  // fast path
            other.execute(() -> pending.completeExceptionally(new CompletionException(io)));
            out.add(catching(() -> Fiber.await(pending)));                      // slow path
            out.add(catching(() -> Fiber.await(pending.thenApply(s -> s))));   // a dependent stage wraps again
            return out;
        });
        for (Throwable t : seen) {
            assertSame(io, t);
        }
    }

    @Test
    void aCancelledFutureThrowsCancellationException() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        cf.cancel(false);
        Throwable t = home.run(() -> catching(() -> Fiber.await(cf)));
        assertTrue(t instanceof CancellationException, String.valueOf(t));
    }

    @Test
    void theBodysExceptionGoesToOnDoneAsItIs() {
        IOException io = new IOException("body");
        AtomicReference<Throwable> got = new AtomicReference<>();
        home.run(() -> {
            Fiber.start(home, () -> {
                throw loomcc.internal.Throwing.sneaky(io);
            }, (v, e) -> got.set(e));
            return null;
        });
        assertSame(io, got.get());
    }

    // ---------------------------------------------------------------- cancel

    @Test
    void cancelMakesThePendingAwaitThrowRunsFinallyAndCancelsThePendingFuture() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        List<String> events = new ArrayList<>();
        CancellationException reason = new CancellationException("stop");
        home.run(() -> {
            Fiber<String> f = Fiber.start(home, () -> {
                try {
                    return Fiber.await(cf);
                } finally {
                    events.add("finally");
                }
            }, (v, e) -> events.add("done " + v + " " + (e == reason)));
            assertTrue(f.cancel(reason));
            assertTrue(f.isDone());
            assertFalse(f.cancel(reason), "nothing to cancel any more");
            return null;
        });
        assertEquals(List.of("finally", "done null true"), events);
        assertTrue(cf.isCancelled(), "a pending future is cancelled with its waiter");
    }

    @Test
    void aFiberThatCatchesTheCancellationAndGoesOnAwaitsAsUsual() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        String result = home.run(() -> {
            CompletableFuture<String> done = new CompletableFuture<>();
            Fiber<String> f = Fiber.start(home, () -> {
                try {
                    return Fiber.await(first);
                } catch (CancellationException e) {
                    return "recovered " + Fiber.await(second);
                }
            }, (v, e) -> done.complete(v));
            assertTrue(f.cancel(new CancellationException()));
            assertFalse(f.isDone(), "it caught the cancellation and waits again");
            completeElsewhere(second, "2");
            return Fiber.await(done);
        });
        assertEquals("recovered 2", result);
    }

    @Test
    void aCompletedFutureIsNeverCancelledAndACompletionRacingACancelGivesOneOutcome() {
        for (int round = 0; round < 300; round++) {
            CompletableFuture<Integer> cf = new CompletableFuture<>();
            AtomicInteger outcomes = new AtomicInteger();
            AtomicReference<Object> outcome = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            int r = round;
            CompletableFuture<Void> fiberDone = new CompletableFuture<>();
            home.run(() -> {
                Fiber<Integer> f = Fiber.start(home, () -> Fiber.await(cf), (v, e) -> {
                    outcomes.incrementAndGet();
                    outcome.set(e != null ? e : v);
                    fiberDone.complete(null);
                });
                other.execute(() -> {
                    go.countDown();
                    cf.complete(r);
                });
                awaitLatch(go);
                f.cancel(new CancellationException("race"));
                return Fiber.await(fiberDone);
            });
            assertEquals(1, outcomes.get(), "round " + round);
            Object o = outcome.get();
            assertTrue(Integer.valueOf(r).equals(o) || o instanceof CancellationException, "round " + round + ": " + o);
            if (o instanceof CancellationException) {
                assertTrue(cf.isDone(), "either our complete or the cancel settled it");
            } else {
                assertFalse(cf.isCancelled(), "a completed future is never cancelled");
            }
        }
    }

    // ---------------------------------------------------------------- races at registration

    @Test
    void aCompletionBetweenTheFastPathAndTheRegistrationIsNotLost() {
        int rounds = 2_000;
        int sum = home.run(() -> {
            int total = 0;
            for (int i = 0; i < rounds; i++) {
                CompletableFuture<Integer> cf = new CompletableFuture<>();
                int v = i;
                other.execute(() -> cf.complete(v)); // races with the await below
                total += Fiber.await(cf);
            }
            return total;
        });
        assertEquals(rounds * (rounds - 1) / 2, sum);
    }

    // ---------------------------------------------------------------- fibers and fibers

    @Test
    void fibersStartAndAwaitFibers() {
        int r = home.run(() -> {
            CompletableFuture<Integer> child = new CompletableFuture<>();
            CompletableFuture<Integer> gate = new CompletableFuture<>();
            Fiber.start(home, () -> Fiber.await(gate) * 2, (v, e) -> child.complete(v));
            completeElsewhere(gate, 21);
            return Fiber.await(child);
        });
        assertEquals(42, r);
    }

    @Test
    void twoFibersPingPong10000Times() {
        int rounds = 10_000;
        int r = home.run(() -> {
            AtomicReference<CompletableFuture<Integer>> ping = new AtomicReference<>(new CompletableFuture<>());
            AtomicReference<CompletableFuture<Integer>> pong = new AtomicReference<>(new CompletableFuture<>());
            CompletableFuture<Integer> ponger = new CompletableFuture<>();
            Fiber.start(home, () -> {
                int last = 0;
                for (int i = 0; i < rounds; i++) {
                    CompletableFuture<Integer> p = ping.get();
                    last = Fiber.await(p);
                    ping.set(new CompletableFuture<>());
                    pong.getAndSet(new CompletableFuture<>()).complete(last + 1);
                }
                return last;
            }, (v, e) -> ponger.complete(v));
            int n = 0;
            for (int i = 0; i < rounds; i++) {
                CompletableFuture<Integer> answer = pong.get();
                ping.get().complete(n);
                n = Fiber.await(answer) + 1;
            }
            return Fiber.await(ponger) + n;
        });
        // each round adds 2: the pinger sends n, the ponger answers n+1, the pinger adds 1
        assertEquals(2 * rounds - 2 + 2 * rounds, r);
    }

    // ---------------------------------------------------------------- callbacks in direct style

    @Test
    void awaitCallbackTurnsACallbackApiIntoAValue() {
        List<String> r = home.run(() -> {
            List<String> out = new ArrayList<>();
            out.add(Fiber.<String>awaitCallback(cb -> cb.success("sync")));
            out.add(Fiber.<String>awaitCallback(cb -> other.execute(() -> cb.success("async"))));
            IOException io = new IOException("failed");
            Throwable t = catching(() -> Fiber.<String>awaitCallback(cb -> other.execute(() -> cb.failure(io))));
            out.add(t == io ? "same error" : "wrong: " + t);
            return out;
        });
        assertEquals(List.of("sync", "async", "same error"), r);
    }

    @Test
    void aSecondCallOfTheCallbackIsAnErrorToItsCaller() {
        AtomicReference<Callback<String>> saved = new AtomicReference<>();
        String r = home.run(() -> Fiber.<String>awaitCallback(cb -> {
            saved.set(cb);
            cb.success("first");
        }));
        assertEquals("first", r);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> saved.get().success("second"));
        assertTrue(e.getMessage().contains("already called"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> saved.get().failure(new RuntimeException()));
    }

    // ---------------------------------------------------------------- detached

    @Test
    void detachedRunsTheBlockOffTheHomeWhileTheHomeGoesOnThenComesBack() {
        CountDownLatch otherFiberRan = new CountDownLatch(1);
        List<String> r = home.run(() -> {
            List<String> out = new ArrayList<>();
            CompletableFuture<Void> gate = new CompletableFuture<>();
            Fiber.start(home, () -> {
                Fiber.await(gate);
                otherFiberRan.countDown(); // runs on the home while the block below waits for it
                return null;
            }, (v, e) -> { });
            String v = Fiber.detached(other, () -> {
                out.add("block on home: " + Fiber.onHome(home));
                home.execute(() -> gate.complete(null));
                awaitLatch(otherFiberRan);
                return "from pool";
            });
            out.add(v + ", back on home: " + Fiber.onHome(home));
            return out;
        });
        assertEquals(List.of("block on home: false", "from pool, back on home: true"), r);
    }

    @Test
    void detachedThrowsTheBlocksExceptionAsItIsOnTheHome() {
        IOException io = new IOException("blocking call failed");
        Throwable t = home.run(() -> catching(() -> Fiber.detached(other, () -> {
            throw loomcc.internal.Throwing.sneaky(io);
        })));
        assertSame(io, t);
    }

    @Test
    void detachedOnAStoppedPoolThrowsRejectedExecutionInTheFiber() {
        ExecutorService stopped = Executors.newSingleThreadExecutor();
        stopped.shutdown();
        Throwable t = home.run(() -> catching(() -> Fiber.detached(stopped, () -> "never")));
        assertTrue(t instanceof RejectedExecutionException, String.valueOf(t));
    }

    @Test
    void aFiredWaitIsReusedButACancelledOneIsNotSoALateCallbackCannotResumeALaterAwait() {
        List<java.util.function.BiConsumer<? super String, ? super Throwable>> callbacks = new ArrayList<>();
        Awaiter.Suspending<String, String> manual = (promise, cb) -> {
            callbacks.add(cb);
            return null;
        };
        List<String> got = new ArrayList<>();
        home.run(() -> {
            Fiber<?> f = Fiber.start(home, () -> {
                got.add(Fiber.await("a", manual));
                try {
                    Fiber.await("b", manual);
                } catch (CancellationException c) {
                    got.add("b cancelled");
                }
                got.add(Fiber.await("c", manual));
                return null;
            }, (v, e) -> { });
            callbacks.get(0).accept("A", null);
            assertTrue(f.cancel(new CancellationException()));
            callbacks.get(1).accept("late B", null); // b's promise completes after all: ignored
            assertEquals(List.of("A", "b cancelled"), got);
            callbacks.get(2).accept("C", null);
            return null;
        });
        assertEquals(List.of("A", "b cancelled", "C"), got);
        assertSame(callbacks.get(0), callbacks.get(1), "the wait that fired served the next await: no allocation");
        assertFalse(manual.isDone("a"), "a Suspending awaiter's waits are never done at once");
        assertThrows(IllegalStateException.class, () -> manual.getNow("a"));
        assertNotSame(callbacks.get(1), callbacks.get(2), "a cancelled wait is never reused");
    }

    @Test
    void awaitInADetachedBlockIsRefusedAndSaysWhy() {
        Throwable t = home.run(() -> Fiber.detached(other,
                () -> catching(() -> Fiber.await(new CompletableFuture<String>()))));
        assertTrue(t instanceof IllegalStateException, String.valueOf(t));
        assertTrue(t.getMessage().contains("detached block") && t.getMessage().contains("return from the block first"),
                t.getMessage());
    }

    @Test
    void aRegistrationThatThrowsMakesTheAwaitThrowItAndTheFiberGoesOn() {
        IllegalStateException full = new IllegalStateException("registry full");
        Awaiter.Suspending<Object, String> refusing = (promise, cb) -> {
            throw full;
        };
        List<String> order = new ArrayList<>();
        String r = home.run(() -> {
            try {
                Fiber.await(new Object(), refusing);
                order.add("returned");
            } catch (IllegalStateException e) {
                assertSame(full, e);
                order.add("threw");
            } finally {
                order.add("finally");
            }
            return Fiber.await(CompletableFuture.supplyAsync(() -> "later", other));
        });
        assertEquals("later", r);
        assertEquals(List.of("threw", "finally"), order);
    }

    // ---------------------------------------------------------------- fiber-locals

    @Test
    void fiberLocalsSurviveSuspensionAreIsolatedAndInherited() {
        FiberLocal<String> name = new FiberLocal<>();
        FiberLocal<List<String>> log = FiberLocal.withInitial(ArrayList::new);
        List<String> r = home.run(() -> {
            name.set("parent");
            log.get().add("p1");
            CompletableFuture<String> childSaw = new CompletableFuture<>();
            CompletableFuture<Integer> gate = new CompletableFuture<>();
            Fiber.start(home, () -> {
                String inherited = name.get();
                name.set("child");
                Fiber.await(gate); // resumed from another thread's completion
                return inherited + "->" + name.get();
            }, (v, e) -> childSaw.complete(v));
            completeElsewhere(gate, 1);
            List<String> out = new ArrayList<>();
            out.add(Fiber.await(childSaw));
            out.add(name.get());
            out.add(String.join(",", log.get()));
            name.remove();
            out.add(String.valueOf(name.get()));
            return out;
        });
        assertEquals(List.of("parent->child", "parent", "p1", "null"), r);
        assertThrows(IllegalStateException.class, name::get);
        assertThrows(IllegalStateException.class, () -> name.set("x"));
    }

    @Test
    void aFiberLocalIsSeenByADetachedBlock() {
        FiberLocal<String> name = new FiberLocal<>();
        String r = home.run(() -> {
            name.set("me");
            return Fiber.detached(other, name::get);
        });
        assertEquals("me", r);
    }

    // ---------------------------------------------------------------- pinning

    static final List<Object> pinned = new ArrayList<>();

    static final class AwaitsInItsInitializer {
        static {
            try {
                pinned.add(Fiber.await(new CompletableFuture<String>()));
            } catch (PinnedException e) {
                pinned.add(e);
            }
        }

        static void touch() {
        }
    }

    @Test
    @Tag("loom-only") // nothing pins on the virtual-thread backend
    void awaitWhilePinnedThrowsPinnedExceptionAndTheHomeGoesOn() {
        String r = home.run(() -> {
            AwaitsInItsInitializer.touch();
            return "the fiber went on: " + Fiber.await(CompletableFuture.supplyAsync(() -> "and awaits", other));
        });
        assertEquals("the fiber went on: and awaits", r);
        assertEquals(1, pinned.size());
        assertTrue(pinned.getFirst() instanceof PinnedException, String.valueOf(pinned.getFirst()));
    }

    @Test
    @Tag("loom-only") // on the virtual-thread backend the body runs on a virtual thread of its own
    void onTheLoomBackendTheBodyRunsOnTheHomesOwnThread() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        List<Boolean> r = home.run(() -> {
            List<Boolean> out = new ArrayList<>();
            out.add(home.inHome());
            completeElsewhere(cf, "x");
            Fiber.await(cf);
            out.add(home.inHome());
            out.add(Fiber.detached(other, home::inHome));
            out.add(home.inHome());
            return out;
        });
        assertEquals(List.of(true, true, false, true), r);
    }

    // ---------------------------------------------------------------- too deep

    /**
     * Awaits at every depth down to the end of a small thread stack: where the JVM has no stack
     * left to freeze the fiber, the await throws StackTooDeepException, never a bare
     * StackOverflowError from inside the yield, and the fiber goes on.
     */
    @Test
    @Tag("loom-only") // the virtual-thread backend parks instead of freezing on the caller's stack
    void noStackLeftToYieldFailsAtTheAwaitWithStackTooDeepException() throws Exception {
        Awaiter.Suspending<Object, Object> immediate = (promise, cb) -> {
            cb.accept("resumed", null); // from inside the registration: resumed on the home's next task
            return null;
        };
        int[] counts = new int[3]; // suspended, too deep, bare StackOverflowErrors kept
        Throwable[] bare = new Throwable[1000];
        new Throwable().getStackTrace(); // initialize StackTraceElement's classes up here, not at the bottom
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                new TestHome().run(() -> awaitAtEveryDepth(immediate, counts, bare));
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "small-stack-home", 512 * 1024);
        small.start();
        small.join(TimeUnit.MINUTES.toMillis(2));
        assertFalse(small.isAlive());
        assertNull(failed.get());
        for (int i = 0; i < counts[2]; i++) {
            int at = i;
            assertFalse(fromTheYield(bare[i]), () -> "a bare StackOverflowError came out of the yield: "
                    + java.util.Arrays.toString(java.util.Arrays.copyOf(bare[at].getStackTrace(), 12)));
        }
        assertTrue(counts[1] > 0 && counts[0] > 0, java.util.Arrays.toString(counts));
    }

    /** A yield frame of jdk.internal.vm.Continuation (yield, yield0, doYield) above the test's own: thrown inside the yield. */
    private static boolean fromTheYield(Throwable e) {
        for (StackTraceElement f : e.getStackTrace()) {
            if (f.getMethodName().equals("awaitAtEveryDepth")) {
                return false;
            }
            if (f.getClassName().equals("jdk.internal.vm.Continuation") && f.getMethodName().contains("ield")) {
                return true;
            }
        }
        return false;
    }

    private static Object awaitAtEveryDepth(Awaiter<Object, Object> a, int[] counts, Throwable[] bare) {
        try {
            awaitAtEveryDepth(a, counts, bare);
        } catch (StackOverflowError bottom) {
            // the recursion itself ran out: only here, never from inside an await (caught below)
        }
        try {
            Fiber.await("p", a);
            counts[0]++;
        } catch (loomcc.cont.StackTooDeepException e) {
            counts[1]++;
        } catch (StackOverflowError e) {
            // Near the end of the stack: no calls here. Kept, and sorted out once back up.
            if (counts[2] < bare.length) {
                bare[counts[2]++] = e;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- memory

    /**
     * Fibers suspended on promises nobody will complete, once dropped, are garbage with what they
     * held, on every backend and without a JVM flag (the virtual-thread backend kept them before).
     */
    @Test
    void abandonedFibersAreGarbageWithWhatTheyHeld() {
        int n = 1_000;
        List<java.lang.ref.WeakReference<Object>> refs = new ArrayList<>();
        home.run(() -> {
            for (int i = 0; i < n; i++) {
                Object payload = new Object();
                refs.add(new java.lang.ref.WeakReference<>(payload));
                Fiber.start(home, () -> {
                    Object held = payload;
                    Fiber.await(new CompletableFuture<Object>()); // nobody completes it, nobody keeps it
                    return held;
                }, (v, e) -> { });
            }
            return null;
        });
        for (int i = 0; i < 20 && refs.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
        }
        assertEquals(0, refs.stream().filter(r -> r.get() != null).count(), "payloads of abandoned fibers still reachable");
    }

    // ---------------------------------------------------------------- volume

    @Test
    void oneHundredThousandFibersWaitOnOneFutureAndAllFinish() {
        int n = 100_000;
        long sum = home.run(() -> {
            CompletableFuture<Integer> gate = new CompletableFuture<>();
            long[] total = {0};
            int[] finished = {0};
            for (int i = 0; i < n; i++) {
                int mine = i;
                Fiber.start(home, () -> Fiber.await(gate) + mine, (v, e) -> {
                    total[0] += v;
                    finished[0]++;
                });
            }
            assertEquals(0, finished[0]);
            gate.complete(1);
            assertEquals(n, finished[0], "all resumed inline by the completion on the home");
            return total[0];
        });
        assertEquals((long) n + (long) n * (n - 1) / 2, sum);
    }

    // ---------------------------------------------------------------- helpers

    interface ThrowingSupplier {
        Object get() throws Exception;
    }

    static Throwable catching(ThrowingSupplier s) {
        try {
            s.get();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    static void awaitLatch(CountDownLatch latch) {
        try {
            assertTrue(latch.await(60, TimeUnit.SECONDS), "latch never opened");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyAwaitOfAPendingPromiseCapturesANewContinuation() {
        // Two fibers, two suspensions each: distinct Fiber objects, both end, in order of wake-up.
        List<String> order = new ArrayList<>();
        home.run(() -> {
            CompletableFuture<Void> a = new CompletableFuture<>();
            CompletableFuture<Void> b = new CompletableFuture<>();
            Fiber<?> fa = Fiber.start(home, () -> { Fiber.await(a); order.add("a"); return null; }, (v, e) -> { });
            Fiber<?> fb = Fiber.start(home, () -> { Fiber.await(b); order.add("b"); return null; }, (v, e) -> { });
            assertNotSame(fa, fb);
            b.complete(null);
            a.complete(null);
            return null;
        });
        assertEquals(List.of("b", "a"), order);
    }
}
