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

import loomcc.bench.Grid.Experiment;

/*
 * vthread: JDK virtual threads in direct style (VThreadWorkloads), what a JDK user picks instead
 * of fibers (target on basic-medium: fiber < vthread). One new virtual thread per op, joined.
 *
 * The fork runs with jdk.virtualThreadScheduler.parallelism=1 and maxPoolSize=1 (the scheduler
 * is a ForkJoinPool sized from these, VirtualThread.createDefaultScheduler): one carrier, as the
 * Lwt loop is one thread, so a yield is a turn of one queue and not a steal by another core of a
 * 2-core machine. And with -Djmh.executor=VIRTUAL (JMH 1.37) the benchmark thread is itself a
 * virtual thread on that carrier: starting, yielding, waking and joining the op's thread are
 * then mounts and unmounts on one carrier, with no platform-thread park/unpark per op, as the
 * Lwt loop runs on the JMH thread. (The timer of the slow blocker is the scheduler's own
 * DelayScheduler thread: a second thread the JDK design has and the Lwt loop does not.)
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
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS, "-Djmh.executor=VIRTUAL", "-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1"})
@State(Scope.Thread)
public class VThreadBench {

    /** This system's workloads, one instance per JMH thread. */
    final Workloads w = new VThreadWorkloads();

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
 *   java -jar bench/target/loomcc-bench.jar --systems vthread --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'VThreadBench\.basic' -p blocker=medium -p n=50,1000 -prof gc

 *
 * (VThreadBench's @Fork adds the scheduler flags above; keep them when running it by hand.) */
