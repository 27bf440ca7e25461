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
 * What every system's benchmark class shares (JMH runs @Benchmark methods inherited from an
 * abstract class under the subclass's name, as its sample 24 shows): the settings, and the three
 * experiments as benchmark methods over the shared parameter cells (Cells). A system's class
 * supplies invoke(), its own comment, and any setting of its own (vthread's fork flags; fiber's
 * and lwt's @OperationsPerInvocation).
 *
 * One op = one whole workload instance of the {@link Grid} (the 2011 post timed 15 000 of them);
 * the score is the average time per op in microseconds, the op's value goes to JMH's Blackhole
 * (the returned long). Bytes per op: run with the gc profiler (the report does). The baseline
 * for every cell is {@link BaselineBench} (the same loops and recursions, no await).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS})
@State(Scope.Thread)
public abstract class SystemBench {

    /** One benchmark invocation of {@code experiment} at this cell; returns its value. */
    protected abstract long invoke(Experiment experiment, Blocker blocker, int n);

    @Benchmark
    public long basic(Cells.Basic s) {
        return invoke(Experiment.BASIC, s.b, s.n);
    }

    @Benchmark
    public long recurse(Cells.Recurse s) {
        return invoke(Experiment.RECURSE, s.b, s.n);
    }

    @Benchmark
    public long recurse2(Cells.Recurse s) {
        return invoke(Experiment.RECURSE2, s.b, s.n);
    }
}
