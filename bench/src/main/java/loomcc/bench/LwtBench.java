package loomcc.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import loomcc.bench.Grid.Experiment;

/*
 * lwt: the workload as Lwt bind chains (LwtWorkloads), written as the 2011 Lwt code was, on the
 * same loop and with the same blocker promises as FiberBench. The fiber/lwt ratio per N is the
 * figure the 2011 post compared to delimcc/Lwt.
 *
 * One op = one whole workload instance of the {@link Grid} (a promise chain). The loop persists
 * across ops: one invocation runs OPS_PER_LOOP ops in sequence in one LwtMain.run, and JMH divides
 * by it (@OperationsPerInvocation). The score is the average time per op in microseconds; the sum
 * of the ops' values goes to the Blackhole.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS})
@State(Scope.Thread)
public class LwtBench {

    /** Ops per loop: the loop persists across ops (see LwtWorkloads). */
    public static final int OPS_PER_LOOP = 16;

    /** This system's workloads, one instance per JMH thread. */
    final LwtWorkloads w = new LwtWorkloads();

    @Benchmark
    @OperationsPerInvocation(OPS_PER_LOOP)
    public long basic(Cells.Basic s) {
        return w.runBatch(Experiment.BASIC, s.b, s.n, OPS_PER_LOOP);
    }

    @Benchmark
    @OperationsPerInvocation(OPS_PER_LOOP)
    public long recurse(Cells.Recurse s) {
        return w.runBatch(Experiment.RECURSE, s.b, s.n, OPS_PER_LOOP);
    }

    @Benchmark
    @OperationsPerInvocation(OPS_PER_LOOP)
    public long recurse2(Cells.Recurse s) {
        return w.runBatch(Experiment.RECURSE2, s.b, s.n, OPS_PER_LOOP);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems lwt --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'LwtBench\.basic' -p blocker=medium -p n=50,1000 -prof gc
 */
