package loomcc.bench;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import loomcc.bench.Grid.Blocker;

/**
 * The cells of the {@link Grid} as JMH parameters, declared once for every system's benchmark
 * class (JMH lets any benchmark method take a public {@code @State} class). Annotations need
 * literals: {@code GridTest} checks that these spell {@link Grid#SIZES} and each experiment's
 * blockers.
 */
public final class Cells {
    private Cells() {
    }

    /** basic has all three blockers. */
    @State(Scope.Thread)
    public static class Basic {
        @Param({"quick", "medium", "slow"})
        public String blocker;
        @Param({"50", "100", "200", "300", "400", "600", "800", "1000"})
        public int n;
        Blocker b;

        @Setup
        public void setup() {
            b = Blocker.of(blocker);
        }
    }

    /** recurse and recurse2: medium and slow, as in 2011. */
    @State(Scope.Thread)
    public static class Recurse {
        @Param({"medium", "slow"})
        public String blocker;
        @Param({"50", "100", "200", "300", "400", "600", "800", "1000"})
        public int n;
        Blocker b;

        @Setup
        public void setup() {
            b = Blocker.of(blocker);
        }
    }
}
