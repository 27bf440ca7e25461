package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Soak: many awaits on one loop with a flat heap; bind chains a million long, resolved and cancelled.
 * Small counts by default; {@code -Dloomcc.stress.full=true} runs the counts (100 000 000
 * awaits, 1 000 000 links), and each test prints its figures.
 */
class SoakStressTest {

    /** Heap in use after a full collection (a few in a row, so what is left is what is reachable). */
    private static long usedAfterGc() {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    /**
     * One fiber awaits {@code n} times, in four ways in turn (a fiber pause, a pause promise, a fiber
     * sleep(0), a sleep(0) promise), each a real suspension and resume through the loop. The heap
     * in use after GC is taken at a tenth of the way and at the end: a leak of even a few bytes per
     * await would show as megabytes.
     */
    @Test
    void aHundredMillionAwaitsOnOneLoopKeepTheHeapFlat() {
        int n = Support.stressCount(1_000_000, 100_000_000);
        long[] heap = new long[2];
        long[] done = {0};
        long t0 = System.nanoTime();
        LwtMain.run(() -> LwtFiber.start(() -> {
            int checkpoint = n / 10;
            for (int i = 0; i < n; i++) {
                switch (i & 3) {
                    case 0 -> LwtFiber.pause();
                    case 1 -> LwtFiber.await(Lwt.pause());
                    case 2 -> LwtFiber.sleep(0);
                    default -> LwtFiber.await(LwtUnix.sleep(0));
                }
                done[0]++;
                if (i == checkpoint) {
                    heap[0] = usedAfterGc();
                }
            }
            heap[1] = usedAfterGc();
            return null;
        }));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(n, done[0]);
        long growth = heap[1] - heap[0];
        System.out.printf("SoakStressTest: %,d awaits in %,d ms; heap after GC at 10%%: %,d B, at the end: %,d B"
                + " (growth %,d B)%n", n, ms, heap[0], heap[1], growth);
        assertTrue(growth < 8L << 20, "the heap grew by " + growth + " bytes over " + (n - n / 10) + " awaits");
    }

    /** A chain of {@code n} binds on a pending task, each link adding 1. */
    private static Lwt<Integer> chain(Lwt<Integer> root, int n) {
        Lwt<Integer> p = root;
        for (int i = 0; i < n; i++) {
            p = p.bind(v -> Lwt.resolved(v + 1));
        }
        return p;
    }

    @Test
    void aMillionLongBindChainResolvesFromItsRootWithoutOverflow() {
        int n = Support.stressCount(100_000, 1_000_000);
        long t0 = System.nanoTime();
        int v = LwtMain.run(() -> {
            Resolver<Integer> root = Lwt.task();
            Lwt<Integer> end = chain(root.promise(), n);
            assertTrue(end.isPending());
            root.resolve(0);
            return end;
        });
        assertEquals(n, v);
        System.out.printf("SoakStressTest: a %,d-link bind chain resolved in %,d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void aMillionLongBindChainCancelledAtItsEndCancelsItsRoot() {
        int n = Support.stressCount(100_000, 1_000_000);
        long t0 = System.nanoTime();
        List<Lwt<Integer>> links = new ArrayList<>();
        Lwt<Integer> rootPromise = LwtMain.run(() -> {
            Resolver<Integer> root = Lwt.task();
            Lwt<Integer> p = root.promise();
            for (int i = 0; i < n; i++) {
                p = p.bind(v -> Lwt.resolved(v + 1));
                if (i % 1000 == 0) {
                    links.add(p);
                }
            }
            p.cancel();                                   // travels back through every bind
            return Lwt.resolved(root.promise());
        });
        assertInstanceOf(Lwt.Canceled.class, assertThrows(Lwt.Canceled.class, rootPromise::getNow));
        for (Lwt<Integer> l : links) {
            assertThrows(Lwt.Canceled.class, l::getNow);
        }
        System.out.printf("SoakStressTest: a %,d-link bind chain cancelled from its end in %,d ms%n", n,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The recursive shape: each step pauses and binds the next step, so the outer promise waits
     * through {@code n} nested binds for a root task at the bottom. Cancelling the outer one must
     * reach the root; resolving the root instead must reach the top.
     */
    @Test
    void aMillionDeepRecursiveChainResolvesAndCancelsThroughEveryLevel() {
        int n = Support.stressCount(100_000, 1_000_000);
        long t0 = System.nanoTime();
        for (boolean cancel : new boolean[] {false, true}) {
            Object[] out = LwtMain.run(() -> {
                Resolver<Integer> root = Lwt.task();
                Lwt<Integer> top = descend(n, root.promise());
                return Lwt.pause().bind(v -> {
                    // the descent is done once the root is reached: wait for it turn by turn
                    return waitUntilDeep(top, root, n, cancel);
                });
            });
            if (cancel) {
                assertInstanceOf(Lwt.Canceled.class, out[0], "the top was cancelled");
                assertInstanceOf(Lwt.Canceled.class, out[1], "the cancel reached the root");
            } else {
                assertEquals(7, out[0], "the root's value reached the top");
            }
        }
        System.out.printf("SoakStressTest: a %,d-deep recursive chain resolved and cancelled in %,d ms%n", n,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private static int depth;

    /** n levels of {@code pause >>= next level}; the bottom waits for {@code root}. */
    private static Lwt<Integer> descend(int n, Lwt<Integer> root) {
        depth = 0;
        return level(n, root);
    }

    private static Lwt<Integer> level(int n, Lwt<Integer> root) {
        if (n == 0) {
            return root;
        }
        // a resolved promise's bind runs at once, under the nesting bound: a million levels deep
        return Lwt.resolved(n).bind(v -> {
            depth++;
            return level(n - 1, root);
        });
    }

    private static Lwt<Object[]> waitUntilDeep(Lwt<Integer> top, Resolver<Integer> root, int n, boolean cancel) {
        if (depth < n) {
            return Lwt.pause().bind(v -> waitUntilDeep(top, root, n, cancel));
        }
        if (cancel) {
            top.cancel();
        } else {
            root.resolve(7);
        }
        // past the nesting bound the rest of the propagation is deferred to the end of this turn
        return Lwt.pause().map(v -> new Object[] {outcome(top), outcome(root.promise())});
    }

    private static Object outcome(Lwt<?> p) {
        if (p.isPending()) {
            return "pending";
        }
        try {
            return p.getNow();
        } catch (Throwable t) {
            return t;
        }
    }
}
