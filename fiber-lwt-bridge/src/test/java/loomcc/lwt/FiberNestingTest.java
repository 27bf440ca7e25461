package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * "A fiber runs every piece of its own code in the fiber" (DESIGN.md, LwtFiber): the functions that
 * bind/map/recover/whenDone run at once inside a fiber stay in it, a suspended fiber holds no
 * callback nesting depth of its loop, and the loop's nesting bound never moves fiber code out.
 * The hang guard is a preemptive timeout: before the fix these runs never end.
 */
class FiberNestingTest {

    private static final Duration HANG = Duration.ofSeconds(30);

    /** A promise at the end of {@code n} maps on a paused promise: its resolution nests n deep. */
    private static Lwt<Integer> chainOf(int n) {
        Lwt<Integer> p = Lwt.pause().map(v -> 0);
        for (int i = 0; i < n; i++) {
            p = p.map(v -> v + 1);
        }
        return p;
    }

    @Test
    void anAwaitInsideABindThatRunsAtOnceDoesNotHangTheLoop() {
        int r = assertTimeoutPreemptively(HANG, () -> LwtMain.run(() -> LwtFiber.start(
                () -> LwtFiber.await(Lwt.resolved(1).bind(v -> {
                    int c = LwtFiber.await(chainOf(100));   // suspends inside bind's function
                    return Lwt.resolved(v + c);
                })))));
        assertEquals(101, r);
    }

    @Test
    void anAwaitInsideMapRecoverAndWhenDoneThatRunAtOnceStaysInTheFiber() {
        List<String> seen = new ArrayList<>();
        String r = assertTimeoutPreemptively(HANG, () -> LwtMain.run(() -> LwtFiber.start(() -> {
            int a = LwtFiber.await(Lwt.resolved(1).map(v -> v + LwtFiber.await(chainOf(60))));
            int b = LwtFiber.await(Lwt.<Integer>failed(new IOException("x"))
                    .recover(e -> Lwt.resolved(LwtFiber.await(chainOf(60)))));
            LwtFiber.await(Lwt.resolved(0).whenDone(() -> seen.add("cleanup " + LwtFiber.await(chainOf(60)))));
            return a + "," + b + "," + seen;
        })));
        assertEquals("61,60,[cleanup 60]", r);
    }

    /** The second case: one level leaked per fiber, and the 42nd handler left its fiber. */
    @Test
    void manyFibersSuspendedInsideRecoverHandlersAllRetryInTheirFibers() {
        int fibers = 3 * loomcc.internal.lwt.Engine.MAX_NESTING;
        List<Integer> r = assertTimeoutPreemptively(HANG, () -> LwtMain.run(() -> {
            List<Lwt<Integer>> all = new ArrayList<>();
            for (int i = 0; i < fibers; i++) {
                all.add(LwtFiber.start(() -> LwtFiber.await(retry(3))));
            }
            return Lwt.all(all);
        }));
        assertEquals(fibers, r.size());
        r.forEach(v -> assertEquals(3, v));
    }

    private static Lwt<Integer> retry(int left) {
        if (left == 0) {
            return Lwt.resolved(0);
        }
        return Lwt.<Integer>failed(new IOException("try again")).recover(e -> {
            LwtFiber.await(LwtUnix.sleep(0.001));
            return retry(left - 1).map(v -> v + 1);
        });
    }

    /**
     * Wherever the loop is in its nesting when it resumes a fiber (here: as a callback at the end of
     * chains of every length around the bound), the fiber's at-once functions run in the fiber.
     */
    @Test
    void aFiberResumedDeepInTheLoopsNestingKeepsItsAtOnceFunctions() {
        int lengths = 3 * loomcc.internal.lwt.Engine.MAX_NESTING;
        List<Integer> r = assertTimeoutPreemptively(HANG, () -> LwtMain.run(() -> {
            List<Lwt<Integer>> all = new ArrayList<>();
            for (int n = 0; n < lengths; n++) {
                int len = n;
                all.add(LwtFiber.start(() -> {
                    int c = LwtFiber.await(chainOf(len));
                    return LwtFiber.await(Lwt.resolved(c).bind(v -> {
                        LwtFiber.pause();               // an await in a function run at once
                        return Lwt.resolved(v);
                    }));
                }));
            }
            return Lwt.all(all);
        }));
        for (int n = 0; n < lengths; n++) {
            assertEquals(n, r.get(n));
        }
    }

    /**
     * A fiber counts its own nesting: a recursion of binds on resolved promises inside it runs in the
     * fiber (an await every 1 000 levels works), and 200 000 levels do not overflow the stack.
     */
    @Test
    void aDeepRecursionOfAtOnceBindsInAFiberStaysInItAndDoesNotOverflow() {
        int n = 200_000;
        int r = assertTimeoutPreemptively(HANG, () -> LwtMain.run(() -> LwtFiber.start(
                () -> LwtFiber.await(countDown(n, 0)))));
        assertEquals(n, r);
    }

    private static Lwt<Integer> countDown(int n, int acc) {
        if (n == 0) {
            return Lwt.resolved(acc);
        }
        return Lwt.resolved(n).bind(v -> {
            if (v % 1000 == 0) {
                LwtFiber.pause();
            }
            return countDown(v - 1, acc + 1);
        });
    }

    /** Outside fibers the bound still trampolines: a 200 000-deep at-once recursion in plain Lwt. */
    @Test
    void plainLwtRecursionStillTrampolinesPastTheBound() {
        int n = 200_000;
        int r = LwtMain.run(() -> plain(n, 0));
        assertEquals(n, r);
    }

    private static Lwt<Integer> plain(int n, int acc) {
        return n == 0 ? Lwt.resolved(acc) : Lwt.resolved(n).bind(v -> plain(v - 1, acc + 1));
    }
}
