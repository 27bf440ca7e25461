package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Many fibers suspended at once on one loop, all awaiting one pending promise, all finished by ONE
 * resolve. 100 000 fibers by default; {@code -Dloomcc.stress.factor=10} or
 * {@code -Dloomcc.stress.full=true} makes it the 1 000 000 of the issue.
 */
class FiberStressTest {

    @Test
    void manyFibersSuspendedOnOnePromiseAllFinishAfterOneResolve() {
        int n = Support.stressCount(100_000, 1_000_000);
        int base = 1_000_000_000;
        @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array
        Lwt<Integer>[] fibers = new Lwt[n];
        int[] started = {0};
        int[] resumed = {0};
        LwtMain.run(() -> {
            Resolver<Integer> gate = Lwt.pending();
            for (int i = 0; i < n; i++) {
                int me = i;
                fibers[i] = LwtFiber.start(() -> {
                    started[0]++;
                    int v = LwtFiber.await(gate.promise());
                    // Fibers resume as callbacks of the gate, in the order they registered.
                    assertEquals(me, resumed[0]++, "fiber " + me + " resumed out of turn");
                    return v - me;
                });
            }
            assertEquals(n, started[0], "every body ran up to its await");
            for (int i = 0; i < n; i++) {
                assertTrue(fibers[i].isPending(), "fiber " + i + " is suspended");
            }
            assertEquals(0, resumed[0]);
            gate.resolve(base);                          // the one resolve
            assertEquals(n, resumed[0], "every fiber ran on from that one resolve");
            return Lwt.resolved(null);
        });
        for (int i = 0; i < n; i++) {
            assertTrue(fibers[i].isFulfilled(), "fiber " + i + " finished");
            assertEquals(base - i, (int) fibers[i].getNow(), "fiber " + i + "'s value");
        }
    }
}
