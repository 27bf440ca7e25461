package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shapes of the 2011 "Delimited Continuations vs Lwt for Threads" benchmarks, as correctness
 * tests (the timing lives in {@code bench}): {@code basic} (a loop of N awaits), {@code recurse} (a
 * non-tail recursion of depth N with one await at the bottom) and {@code recurse2} (an await at
 * every level), at N = 1000, each written as a fiber and as an Lwt bind chain, with the post's
 * medium ({@code pause}) and slow ({@code sleep 0}) blockers, and its quick (already resolved) one.
 * Each test checks the result and counts exactly how many blockers were made, how many of them were
 * still pending when awaited (a real suspension), and how many awaits came back.
 */
class BenchShapesTest {
    static final int N = 1000;

    enum Blocker {
        /** The post's "quick" blocker: already resolved, so an await never suspends. */
        QUICK(false) {
            @Override
            Lwt<Void> make() {
                return Lwt.resolved(null);
            }
        },
        /** "medium": resolved by the loop on its next turn. */
        PAUSE(true) {
            @Override
            Lwt<Void> make() {
                return Lwt.pause();
            }
        },
        /** "slow": a timer of 0 seconds. */
        SLEEP_0(true) {
            @Override
            Lwt<Void> make() {
                return LwtUnix.sleep(0);
            }
        };

        final boolean blocks;

        Blocker(boolean blocks) {
            this.blocks = blocks;
        }

        abstract Lwt<Void> make();
    }

    /** Counts what happened: blockers made, blockers pending when awaited, awaits that returned. */
    static final class Counts {
        final Blocker blocker;
        int made;
        int pending;
        int returned;

        Counts(Blocker blocker) {
            this.blocker = blocker;
        }

        Lwt<Void> block() {
            made++;
            Lwt<Void> p = blocker.make();
            if (p.isPending()) {
                pending++;
            }
            return p;
        }

        /** An await of one blocker, in a fiber. */
        void await() {
            LwtFiber.await(block());
            returned++;
        }

        /** The Lwt way: what follows the blocker is a callback. */
        <T> Lwt<T> then(Supplier<Lwt<T>> rest) {
            return block().bind(v -> {
                returned++;
                return rest.get();
            });
        }

        void assertCounts(int blockers) {
            assertEquals(blockers, made, "blockers made");
            assertEquals(blocker.blocks ? blockers : 0, pending, "blockers still pending when awaited");
            assertEquals(blockers, returned, "awaits that came back");
        }
    }

    // ============================================================================ basic

    static int basicFiber(Counts c) {
        int i = 0;
        while (i < N) {
            c.await();
            i++;
        }
        return i;
    }

    static Lwt<Integer> basicLwt(Counts c, int i) {
        return i == N ? Lwt.resolved(i) : c.then(() -> basicLwt(c, i + 1));
    }

    @ParameterizedTest
    @EnumSource(Blocker.class)
    void basicAsAFiber(Blocker b) {
        Counts c = new Counts(b);
        assertEquals(N, runFiber(() -> basicFiber(c), b));
        c.assertCounts(N);
    }

    @ParameterizedTest
    @EnumSource(Blocker.class)
    void basicAsABindChain(Blocker b) {
        Counts c = new Counts(b);
        assertEquals(N, (int) LwtMain.run(() -> basicLwt(c, 0)));
        c.assertCounts(N);
    }

    // ============================================================================ recurse

    /** Depth n: n frames of this method above the one at the bottom, which awaits once. */
    static int recurseFiber(Counts c, int n, int[] framesAtBottom) {
        if (n == 0) {
            c.await();
            framesAtBottom[0] = framesOf("recurseFiber");
            return 0;
        }
        return 1 + recurseFiber(c, n - 1, framesAtBottom);   // not a tail call
    }

    static Lwt<Integer> recurseLwt(Counts c, int n) {
        if (n == 0) {
            return c.then(() -> Lwt.resolved(0));
        }
        return recurseLwt(c, n - 1).map(r -> 1 + r);
    }

    @ParameterizedTest
    @EnumSource(Blocker.class)
    void recurseAsAFiber(Blocker b) {
        Counts c = new Counts(b);
        int[] frames = {0};
        assertEquals(N, runFiber(() -> recurseFiber(c, N, frames), b));
        c.assertCounts(1);
        assertEquals(N + 1, frames[0], "the whole recursion is on the stack after the await came back");
    }

    @ParameterizedTest
    @EnumSource(Blocker.class)
    void recurseAsABindChain(Blocker b) {
        Counts c = new Counts(b);
        assertEquals(N, (int) LwtMain.run(() -> recurseLwt(c, N)));
        c.assertCounts(1);
    }

    // ============================================================================ recurse2

    /** Depth n: an await at each of the n levels above the bottom. */
    static int recurse2Fiber(Counts c, int n, int[] deepest) {
        if (n == 0) {
            deepest[0] = framesOf("recurse2Fiber");
            return 0;
        }
        c.await();
        return 1 + recurse2Fiber(c, n - 1, deepest);
    }

    static Lwt<Integer> recurse2Lwt(Counts c, int n) {
        if (n == 0) {
            return Lwt.resolved(0);
        }
        return c.then(() -> recurse2Lwt(c, n - 1)).map(r -> 1 + r);
    }

    @ParameterizedTest
    @EnumSource(Blocker.class)
    void recurse2AsAFiber(Blocker b) {
        Counts c = new Counts(b);
        int[] frames = {0};
        assertEquals(N, runFiber(() -> recurse2Fiber(c, N, frames), b));
        c.assertCounts(N);
        assertEquals(N + 1, frames[0], "every level is still on the stack at the bottom");
    }

    @ParameterizedTest
    @EnumSource(Blocker.class)
    void recurse2AsABindChain(Blocker b) {
        Counts c = new Counts(b);
        assertEquals(N, (int) LwtMain.run(() -> recurse2Lwt(c, N)));
        c.assertCounts(N);
    }

    // ============================================================================ helpers

    /** Runs {@code body} as a fiber; a blocking blocker must leave it pending after start. */
    private static int runFiber(Supplier<Integer> body, Blocker b) {
        return LwtMain.run(() -> {
            Lwt<Integer> p = LwtFiber.start(body);
            assertEquals(b.blocks, p.isPending(), "the fiber is suspended after start iff the blocker blocks");
            return p;
        });
    }

    private static int framesOf(String method) {
        int n = 0;
        for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
            if (e.getMethodName().equals(method) && e.getClassName().equals(BenchShapesTest.class.getName())) {
                n++;
            }
        }
        assertTrue(n > 0, "no frame of " + method);
        return n;
    }
}
