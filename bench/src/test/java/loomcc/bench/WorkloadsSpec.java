package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import loomcc.bench.Grid.Series;

/**
 * One spec for every system's {@link Workloads} (JCTools' QueueSanityTest style): each op of the
 * grid, at small N, computes the right value, does exactly the awaits it claims, and suspends
 * exactly as often as its blocker says (quick never; medium and slow at every await). A benchmark
 * whose op skipped its awaits, or whose "slow" blocker never went through the scheduler, would
 * measure nothing; this is what fails then. One instance runs many ops in a row, as in JMH.
 */
abstract class WorkloadsSpec {

    abstract Workloads create();

    /** How many of an op's awaits must suspend (the baseline overrides: none); -1 when not observable. */
    long expectedSuspensions(Series s, long awaits) {
        return s.blocker().suspensions(awaits);
    }

    static List<Arguments> cells() {
        List<Arguments> out = new ArrayList<>();
        for (Series s : Grid.series()) {
            for (int n : new int[] {0, 1, 7, 50}) {
                out.add(Arguments.of(s, n));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} N={1}")
    @MethodSource("cells")
    void eachOpComputesItsValueWithExactlyItsAwaits(Series s, int n) {
        Workloads w = create();
        for (int op = 0; op < 3; op++) {
            long awaits0 = w.awaits();
            long susp0 = w.suspensions();
            long result = w.run(s.experiment(), s.blocker(), n);
            long awaits = s.experiment().awaits(n);
            assertEquals(s.experiment().result(n), result, "value of op " + op);
            assertEquals(awaits, w.awaits() - awaits0, "awaits of op " + op);
            long suspensions = expectedSuspensions(s, awaits);
            if (suspensions >= 0) {
                assertEquals(suspensions, w.suspensions() - susp0, "suspensions of op " + op);
            }
        }
    }
}
