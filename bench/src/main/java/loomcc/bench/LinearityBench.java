package loomcc.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * recurse2's linearity side by side: one system's recurse2 at N=50 and at N=1000 in one fork, in
 * turn, each side timed, so that the per-await time at N=1000 over the per-await time at N=50 is
 * a ratio of times measured seconds apart at most, as PairedBench's ratios between systems are.
 * The grid's figure divides two cells run in separate forks minutes apart: on this shared machine
 * three runs of the same code read recurse2-slow's 1.27, 1.46 and 1.56 that way.
 *
 * Both sides run the same number of awaits per invocation (SMALL_OPS x 50 = LARGE_OPS x 1000), so
 * the ratio of their times is the ratio of their per-await times. Both run from one class loader
 * of their own (IsolatedOps), so one copy of loomcc, compiled once, serves both depths, as it
 * does in a program. The order of the sides flips every invocation.
 *
 * The times go to JMH as auxiliary counters (ns, summed over the iteration); the report turns them
 * into a ratio with Paired.ratios (large over small). The primary score means nothing on its own.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 150, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS})
@State(Scope.Thread)
public class LinearityBench {

    static final int SMALL_N = 50;
    static final int LARGE_N = 1000;
    /** Ops of the large side per invocation (a multiple of every system's ops per invocation). */
    static final int LARGE_OPS = 16;
    /** Ops of the small side: as many awaits as the large side's. */
    static final int SMALL_OPS = LARGE_OPS * LARGE_N / SMALL_N;

    @Param({"fiber"})
    public String system;

    @Param({"recurse2-medium"})
    public String series;

    private LongSupplier small;
    private LongSupplier large;
    private boolean smallFirst;

    /** Nanoseconds each side spent this iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Nanos {
        public long small;
        public long large;

        @Setup(Level.Iteration)
        public void reset() {
            small = 0;
            large = 0;
        }
    }

    @Setup
    public void setUp() throws ReflectiveOperationException {
        ClassLoader loader = IsolatedOps.isolatedLoader("linearity-" + system, PairedBench.classPath());
        small = IsolatedOps.in(loader, system, series, SMALL_N, SMALL_OPS);
        large = IsolatedOps.in(loader, system, series, LARGE_N, LARGE_OPS);
    }

    @Benchmark
    public long bothDepths(Nanos t) {
        smallFirst = !smallFirst;
        long v = 0;
        for (int i = 0; i < 2; i++) {
            boolean s = (i == 0) == smallFirst;
            long t0 = System.nanoTime();
            v += (s ? small : large).getAsLong();
            long dt = System.nanoTime() - t0;
            if (s) {
                t.small += dt;
            } else {
                t.large += dt;
            }
        }
        return v;
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs it for fiber and raw):
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main LinearityBench -p system=fiber,raw \
 *        -p series=recurse2-medium,recurse2-slow -f 2
 *
 * and divide the large counter by the small one, per iteration.
 */
