package loomcc.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * completable: CompletableFuture thenCompose chains (CompletableWorkloads) on a single-threaded
 * loop run by the JMH thread (BenchLoop): the JDK's monadic promise, the peer of the 2011 Lwt
 * code (target on basic-slow: fiber < completable). Blockers: see CompletableWorkloads.
 *
 *
 * One op = one whole workload instance of the {@link Grid} (the 2011 post timed 15 000 of them);
 * the score is the average time per op in microseconds, its value goes to JMH's Blackhole (the
 * returned long). Bytes per op: run with the gc profiler (the report does). The baseline for
 * every cell is {@link BaselineBench} (the same loops and recursions, no await).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS})
@State(Scope.Thread)
public class CompletableBench {

    /** This system's workloads, one instance per JMH thread. */
    final Workloads w = new CompletableWorkloads();

    @Benchmark
    public long basic(Cells.Basic s) {
        return w.run(Experiment.BASIC, s.b, s.n);
    }

    @Benchmark
    public long recurse(Cells.Recurse s) {
        return w.run(Experiment.RECURSE, s.b, s.n);
    }

    @Benchmark
    public long recurse2(Cells.Recurse s) {
        return w.run(Experiment.RECURSE2, s.b, s.n);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems completable --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'CompletableBench\.basic' -p blocker=medium -p n=50,1000 -prof gc
 */
