package loomcc.cont;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import loomcc.internal.Throwing;
import loomcc.internal.cont.Backend;

/**
 * The specification of {@code loomcc.cont}, run against every backend by a thin subclass each
 * (as JCTools' QueueSanityTest is run against every queue).
 */
abstract class ContinuationSpec {

    /**
     * Tests that resume a continuation on another thread than the one that captured it. The
     * Loom backend allows that only where the JVM makes it safe, so for that backend these run in
     * fiber-core's executions without C2 or with the JIT flag, and the default execution checks
     * the refusal instead ({@link LoomBackendContinuationTest}).
     */
    static final String CROSS_THREAD = "cross-thread";

    /** The backend under test. */
    abstract Backend backend();

    <R> Prompt<R> prompt(String name) {
        Prompt<R> p = new Prompt<>(name, backend());
        assertEquals(backend().name(), p.backendName());
        return p;
    }

    /** What a generator hands out: one value and the rest of the walk. */
    record Yield<T>(T value, Continuation<Void, Object> rest) {
    }

    // ---------------------------------------------------------------- the shift/reset laws

    @Test
    void resetWithoutShiftIsTheBodysValue() {
        Prompt<String> p = prompt("p");
        assertEquals("plain", p.reset(() -> "plain"));
    }

    @Test
    void shiftPlugsTheResumedValueIntoTheContext() {
        Prompt<Integer> p = prompt("p");
        // reset(1 + shift(k -> k(10) * 2)) = (1 + 10) * 2
        assertEquals(22, p.reset(() -> 1 + p.<Integer>shift(k -> k.resume(10) * 2)));
    }

    @Test
    void resumeBehavesAsAResetAroundTheRestOfTheBody() {
        Prompt<Object> p = prompt("p");
        Object k = p.reset(() -> "v=" + p.<String>shift(c -> c));
        @SuppressWarnings("unchecked")
        Continuation<String, Object> c = assertInstanceOf(Continuation.class, k);
        assertEquals("v=x", c.resume("x"));
    }

    @Test
    void abortReturnsTheFunctionsValueAndDropsTheRest() {
        Prompt<String> p = prompt("p");
        List<String> events = new ArrayList<>();
        String r = p.reset(() -> {
            try {
                p.<Void>shift(k -> "aborted");
                events.add("after shift");
                return "unreached";
            } finally {
                events.add("finally");
            }
        });
        assertEquals("aborted", r);
        assertEquals(List.of(), events, "an abandoned continuation runs nothing, not even finally");
    }

    @Test
    void eachShiftReturnsToTheResetOrResumeThatIsRunningTheBody() {
        Prompt<Object> p = prompt("p");
        Object k1 = p.reset(() -> {
            int a = p.<Integer>shift(k -> k);
            int b = p.<Integer>shift(k -> k);
            return a + b;
        });
        @SuppressWarnings("unchecked")
        Object k2 = ((Continuation<Integer, Object>) k1).resume(1);
        assertInstanceOf(Continuation.class, k2);
        assertTrue(k1 != k2, "every shift captures a new one-shot continuation");
        @SuppressWarnings("unchecked")
        Object r = ((Continuation<Integer, Object>) k2).resume(2);
        assertEquals(3, r);
    }

    @Test
    void theFunctionRunsOutsideTheCapturedPart() {
        Prompt<String> p = prompt("p");
        Prompt<String> other = prompt("other");
        // Inside f, the reset of p is no longer in force: a shift to p needs its own reset.
        String r = p.reset(() -> p.<String>shift(k -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.<String>shift(k2 -> "x"));
            assertTrue(e.getMessage().contains("Prompt[p]"), e.getMessage());
            return other.reset(() -> "f-ran-" + k.resume("inner"));
        }));
        assertEquals("f-ran-inner", r);
    }

    // ---------------------------------------------------------------- generators

    @Test
    void generatorsWalkARecursiveStructureLazily() {
        Prompt<Object> gen = prompt("gen");
        List<Integer> produced = new ArrayList<>();
        Object step = gen.reset(() -> {
            walk(gen, 1, 4, produced);
            return "end";
        });
        List<Integer> seen = new ArrayList<>();
        while (step instanceof Yield<?> y) {
            seen.add((Integer) y.value());
            assertEquals(seen.size(), produced.size(), "the producer runs only as far as asked");
            step = y.rest().resume(null);
        }
        assertEquals("end", step);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), seen);
    }

    /** In-order walk of the implicit complete binary tree on 1..15 (heap numbering, left = 2i). */
    private static void walk(Prompt<Object> gen, int node, int depth, List<Integer> produced) {
        if (depth == 0) {
            return;
        }
        walk(gen, 2 * node, depth - 1, produced);
        int label = inOrderLabel(node, depth);
        produced.add(label);
        gen.<Void>shift(k -> new Yield<>(label, k));
        walk(gen, 2 * node + 1, depth - 1, produced);
    }

    private static int inOrderLabel(int node, int depth) {
        // level of the node from the root (0-based) and its index within the level
        int level = 31 - Integer.numberOfLeadingZeros(node);
        int index = node - (1 << level);
        return (2 * index + 1) << (depth - 1);
    }

    // ---------------------------------------------------------------- threads

    @Test
    void resumeAfterResetReturnedOnTheSameThread() {
        Prompt<Object> p = prompt("p");
        Object k = p.reset(() -> p.<Integer>shift(c -> c) * 3);
        @SuppressWarnings("unchecked")
        Continuation<Integer, Object> c = (Continuation<Integer, Object>) k;
        assertEquals(21, c.resume(7));
    }

    @Test
    @Tag(CROSS_THREAD)
    void resumeOnAnotherThread() throws Exception {
        Prompt<Object> p = prompt("p");
        List<String> trail = new ArrayList<>();
        Object k = p.reset(() -> {
            trail.add("before");
            String v = p.shift(c -> c);
            trail.add("after:" + v);
            return v.length();
        });
        @SuppressWarnings("unchecked")
        Continuation<String, Object> c = (Continuation<String, Object>) k;
        Object r = CompletableFuture.supplyAsync(() -> c.resume("hello"), runnable -> new Thread(runnable, "resumer").start())
                .get(30, TimeUnit.SECONDS);
        assertEquals(5, r);
        assertEquals(List.of("before", "after:hello"), trail);
    }

    @Test
    void resumingTwiceThrowsAndDoesNotRunTheBodyAgain() {
        Prompt<Object> p = prompt("p");
        AtomicInteger runs = new AtomicInteger();
        Object k = p.reset(() -> {
            p.<Void>shift(c -> c);
            return runs.incrementAndGet();
        });
        @SuppressWarnings("unchecked")
        Continuation<Void, Object> c = (Continuation<Void, Object>) k;
        assertEquals(1, c.resume(null));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.resume(null));
        assertTrue(e.getMessage().contains("one-shot"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.resumeWithException(new RuntimeException()));
        assertEquals(1, runs.get());
    }

    @Test
    @Tag(CROSS_THREAD)
    void racingResumesFromTwoThreadsHaveExactlyOneWinner() throws Exception {
        Prompt<Object> p = prompt("p");
        for (int round = 0; round < 200; round++) {
            AtomicInteger bodyRuns = new AtomicInteger();
            Object k = p.reset(() -> {
                p.<Void>shift(c -> c);
                bodyRuns.incrementAndGet();
                return "won";
            });
            @SuppressWarnings("unchecked")
            Continuation<Void, Object> c = (Continuation<Void, Object>) k;
            CyclicBarrier start = new CyclicBarrier(2);
            Function<Void, Object> racer = ignored -> {
                try {
                    start.await(30, TimeUnit.SECONDS);
                    return c.resume(null);
                } catch (IllegalStateException e) {
                    return e;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            // Own threads: the common pool may have a single worker on a 2-core machine.
            CompletableFuture<Object> a = CompletableFuture.supplyAsync(() -> racer.apply(null), r -> new Thread(r, "racer-a").start());
            CompletableFuture<Object> b = CompletableFuture.supplyAsync(() -> racer.apply(null), r -> new Thread(r, "racer-b").start());
            Object ra = a.get(30, TimeUnit.SECONDS);
            Object rb = b.get(30, TimeUnit.SECONDS);
            int wins = ("won".equals(ra) ? 1 : 0) + ("won".equals(rb) ? 1 : 0);
            int refusals = (ra instanceof IllegalStateException ? 1 : 0) + (rb instanceof IllegalStateException ? 1 : 0);
            assertEquals(1, wins, "round " + round + ": " + ra + " / " + rb);
            assertEquals(1, refusals, "round " + round + ": " + ra + " / " + rb);
            assertEquals(1, bodyRuns.get());
        }
    }

    // ---------------------------------------------------------------- nesting

    @Test
    void shiftOnAnOuterPromptCapturesThroughInnerResets() {
        Prompt<String> outer = prompt("outer");
        Prompt<String> inner = prompt("inner");
        String r = outer.reset(() -> "o(" + inner.reset(() -> "i(" + outer.<String>shift(k -> "caught:" + k.resume("x")) + ")") + ")");
        assertEquals("caught:o(i(x))", r);
    }

    @Test
    void shiftOnAnInnerPromptLeavesTheOuterAlone() {
        Prompt<String> outer = prompt("outer");
        Prompt<String> inner = prompt("inner");
        String r = outer.reset(() -> "o(" + inner.reset(() -> inner.<String>shift(k -> "aborted")) + ")");
        assertEquals("o(aborted)", r);
    }

    @Test
    void nestedResetsOfOnePromptCaptureUpToTheInnermost() {
        Prompt<String> p = prompt("p");
        assertEquals("a[X]", p.reset(() -> "a" + p.reset(() -> "b" + p.<String>shift(k -> "[X]"))));
    }

    @Test
    void anInnerResetCapturedByAnOuterShiftStillDelimitsAfterResume() {
        Prompt<String> outer = prompt("outer");
        Prompt<String> inner = prompt("inner");
        List<Continuation<String, String>> saved = new ArrayList<>();
        String first = outer.reset(() -> {
            String s = inner.reset(() -> {
                String a = outer.shift(k -> {
                    saved.add(k);
                    return "suspended";
                });
                inner.<String>shift(k2 -> "inner-aborted:" + a);
                return "unreached";
            });
            return "outer-done:" + s;
        });
        assertEquals("suspended", first);
        String r = saved.getFirst().resume("A"); // after the outer reset returned
        assertEquals("outer-done:inner-aborted:A", r);
    }

    @Test
    void shiftWithNoEnclosingResetNamesThePrompt() {
        Prompt<String> lonely = prompt("lonely");
        Prompt<String> other = prompt("other");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> lonely.<String>shift(k -> "x"));
        assertTrue(e.getMessage().contains("Prompt[lonely]"), e.getMessage());
        assertTrue(e.getMessage().contains("lonely.reset"), "names the fix: " + e.getMessage());
        IllegalStateException e2 = assertThrows(IllegalStateException.class,
                () -> other.reset(() -> lonely.<String>shift(k -> "x")));
        assertTrue(e2.getMessage().contains("Prompt[lonely]"), e2.getMessage());
    }

    // ---------------------------------------------------------------- exceptions

    @Test
    void aCheckedExceptionFromTheBodyComesOutOfResetAsItIs() {
        Prompt<String> p = prompt("p");
        IOException boom = new IOException("boom");
        Throwable t = assertThrows(IOException.class, () -> p.reset(() -> {
            throw Throwing.sneaky(boom);
        }));
        assertSame(boom, t);
    }

    @Test
    void anExceptionAfterResumeComesOutOfResume() {
        Prompt<Object> p = prompt("p");
        IOException boom = new IOException("late");
        Object k = p.reset(() -> {
            p.<Void>shift(c -> c);
            throw Throwing.sneaky(boom);
        });
        @SuppressWarnings("unchecked")
        Continuation<Void, Object> c = (Continuation<Void, Object>) k;
        assertSame(boom, assertThrows(IOException.class, () -> c.resume(null)));
    }

    @Test
    void resumeWithExceptionThrowsAtTheShiftWhereCatchAndFinallyWork() {
        Prompt<Object> p = prompt("p");
        List<String> events = new ArrayList<>();
        Object k = p.reset(() -> {
            try {
                p.<Void>shift(c -> c);
                events.add("not here");
                return "no";
            } catch (Exception e) { // shift declares nothing, so a checked one is caught as Exception
                if (!(e instanceof IOException io)) {
                    throw e;
                }
                events.add("caught " + io.getMessage());
                return "recovered";
            } finally {
                events.add("finally");
            }
        });
        @SuppressWarnings("unchecked")
        Continuation<Void, Object> c = (Continuation<Void, Object>) k;
        assertEquals("recovered", c.resumeWithException(new IOException("io")));
        assertEquals(List.of("caught io", "finally"), events);
    }

    @Test
    void anUncaughtResumeExceptionComesOutOfResumeAsItIs() {
        Prompt<Object> p = prompt("p");
        Object k = p.reset(() -> p.<String>shift(c -> c));
        @SuppressWarnings("unchecked")
        Continuation<String, Object> c = (Continuation<String, Object>) k;
        Exception e = new Exception("checked");
        assertSame(e, assertThrows(Exception.class, () -> c.resumeWithException(e)));
    }

    @Test
    void resumeWithNullExceptionIsRefusedAndLeavesTheContinuationResumable() {
        Prompt<Object> p = prompt("p");
        Object k = p.reset(() -> p.<String>shift(c -> c));
        @SuppressWarnings("unchecked")
        Continuation<String, Object> c = (Continuation<String, Object>) k;
        assertThrows(NullPointerException.class, () -> c.resumeWithException(null));
        assertEquals("still", c.resume("still"));
    }

    @Test
    void anExceptionFromTheShiftFunctionComesOutOfReset() {
        Prompt<String> p = prompt("p");
        IllegalArgumentException boom = new IllegalArgumentException("f failed");
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> p.reset(() -> p.<String>shift(k -> {
            throw boom;
        }))));
    }

    // ---------------------------------------------------------------- depth and volume

    @Test
    void shiftAtTheBottomOfA10000DeepRecursion() {
        Prompt<Object> p = prompt("deep");
        Object k = p.reset(() -> descend(p, 10_000));
        @SuppressWarnings("unchecked")
        Continuation<Integer, Object> c = assertInstanceOf(Continuation.class, k);
        assertEquals(10_000 + 5, c.resume(5));
    }

    private static int descend(Prompt<Object> p, int n) {
        if (n == 0) {
            return p.<Integer>shift(k -> k);
        }
        return 1 + descend(p, n - 1);
    }

    /** The 2011 recurse2 shape: a shift at every level of a 1 000-deep recursion, each resumed once. */
    @Test
    void shiftAtEveryLevelOfA1000DeepRecursion() {
        Prompt<Object> p = prompt("recurse2");
        int depth = 1_000;
        Object step = p.reset(() -> everyLevel(p, depth));
        int shifts = 0;
        while (step instanceof Continuation<?, ?> k) {
            shifts++;
            @SuppressWarnings("unchecked")
            Continuation<Integer, Object> c = (Continuation<Integer, Object>) k;
            step = c.resume(shifts); // level i gets i
        }
        assertEquals(depth, shifts);
        assertEquals(depth * (depth + 1) / 2, step); // 1 + 2 + ... + depth
    }

    private static int everyLevel(Prompt<Object> p, int n) {
        if (n == 0) {
            return 0;
        }
        int v = p.<Integer>shift(k -> k);
        return v + everyLevel(p, n - 1);
    }

    @Test
    void oneHundredThousandSuspendedAtOnceThenResumed() {
        Prompt<Object> p = prompt("many");
        int n = 100_000;
        List<Continuation<Integer, Object>> ks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int mine = i;
            Object k = p.reset(() -> mine + p.<Integer>shift(c -> c));
            @SuppressWarnings("unchecked")
            Continuation<Integer, Object> c = (Continuation<Integer, Object>) k;
            ks.add(c);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (Integer) ks.get(i).resume(i);
        }
        assertEquals(2L * ((long) n * (n - 1) / 2), sum);
    }

    @Test
    void garbageCollectionWhileSuspendedKeepsTheCapturedFrames() {
        Prompt<Object> p = prompt("gc");
        List<Continuation<Void, Object>> ks = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            int mine = i;
            Object k = p.reset(() -> {
                StringBuilder local = new StringBuilder("v").append(mine);
                int[] big = new int[64];
                big[63] = mine;
                p.<Void>shift(c -> c);
                return local + ":" + big[63];
            });
            @SuppressWarnings("unchecked")
            Continuation<Void, Object> c = (Continuation<Void, Object>) k;
            ks.add(c);
        }
        System.gc();
        System.gc();
        for (int i = 0; i < ks.size(); i++) {
            assertEquals("v" + i + ":" + i, ks.get(i).resume(null));
        }
    }

    // ---------------------------------------------------------------- memory

    /**
     * A dropped continuation is garbage on every backend, without a JVM flag: what it captured is
     * collected, and the heap keeps well under 1 KiB per continuation after GC. Before, the
     * virtual-thread backend kept each one's parked thread (2.8 KB) through the JDK's tracking of
     * all threads ({@code jdk.trackAllThreads}).
     */
    @Test
    void droppedContinuationsAreGarbageAndRetainUnderOneKibEach() {
        Prompt<Object> p = prompt("dropped");
        int n = 5_000;
        dropSuspended(p, 100); // warm up: classes, the JIT, the backend's own first-use state
        long before = usedHeapAfterGc();
        java.util.List<WeakReference<Object>> refs = dropSuspended(p, n);
        for (int i = 0; i < 20 && refs.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
        }
        long live = refs.stream().filter(r -> r.get() != null).count();
        dropSuspended(p, 1); // lets a backend clear what the GC queued for it
        long retained = usedHeapAfterGc() - before;
        assertEquals(0, live, "payloads still reachable from dropped continuations");
        assertTrue(retained / n <= 1024, "retained " + retained + " bytes for " + n + " dropped continuations");
    }

    /** Suspends {@code n} resets, each holding a payload of its own, and drops them. */
    private static java.util.List<WeakReference<Object>> dropSuspended(Prompt<Object> p, int n) {
        java.util.List<WeakReference<Object>> refs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Object payload = new Object();
            refs.add(new WeakReference<>(payload));
            assertInstanceOf(Continuation.class, p.reset(() -> {
                Object held = payload;
                p.<Void>shift(c -> c);
                return held;
            }));
        }
        return refs;
    }

    static long usedHeapAfterGc() {
        java.lang.management.MemoryMXBean m = java.lang.management.ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return m.getHeapMemoryUsage().getUsed();
    }

    // ---------------------------------------------------------------- monitors

    @Test
    @Tag(CROSS_THREAD)
    void aMonitorHeldAcrossASuspensionStaysHeldAndIsReleasedAfter() throws Exception {
        Prompt<Object> p = prompt("sync");
        Object lock = new Object();
        List<Boolean> heldAfterResume = new ArrayList<>();
        Object k = p.reset(() -> {
            synchronized (lock) {
                p.<Void>shift(c -> c);
                heldAfterResume.add(Thread.holdsLock(lock));
            }
            return Thread.holdsLock(lock);
        });
        // While suspended, the lock is still taken: a contender blocks on it.
        AtomicInteger contenderEntered = new AtomicInteger();
        Thread contender = new Thread(() -> {
            synchronized (lock) {
                contenderEntered.incrementAndGet();
            }
        }, "contender");
        contender.start();
        awaitState(contender, Thread.State.BLOCKED);
        assertEquals(0, contenderEntered.get());

        @SuppressWarnings("unchecked")
        Continuation<Void, Object> c = (Continuation<Void, Object>) k;
        Object releasedAfter = CompletableFuture.supplyAsync(() -> c.resume(null), r -> new Thread(r, "resumer").start())
                .get(30, TimeUnit.SECONDS);
        assertEquals(List.of(true), heldAfterResume, "held inside the block after resuming on another thread");
        assertEquals(false, releasedAfter);
        contender.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(contender.isAlive(), "the contender got the lock once the block ended");
        assertEquals(1, contenderEntered.get());
    }

    static void awaitState(Thread t, Thread.State state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.getState() != state) {
            assertTrue(System.nanoTime() < deadline, t.getName() + " never reached " + state + ", is " + t.getState());
            Thread.sleep(1);
        }
    }

    /** Weak reachability helper for subclasses: true once the referent was collected. */
    static boolean collectedAfterGc(WeakReference<?> ref) {
        for (int i = 0; i < 20 && ref.get() != null; i++) {
            System.gc();
        }
        return ref.get() == null;
    }
}
