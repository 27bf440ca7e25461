package loomcc.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

/*
 * Side by side: the systems of a series' group (Paired.group) run in one fork, in turn, OPS ops
 * each per invocation, each side timed with System.nanoTime around its OPS ops. An invocation
 * takes a few ms at most, so a noisy neighbour's burst, which lasts a second or more here, falls
 * on every side of a ratio alike. The times go to JMH as auxiliary counters (one per system, in
 * ns, summed over the iteration); the report divides them iteration by iteration (Paired.ratios).
 *
 * What it changes: the systems share a JVM, so code they share (the Lwt loop for fiber and lwt;
 * DirectStyle for fiber and raw) sees several callers and the JIT compiles it for all of them,
 * where the grid gives each system a fork of its own. Both views are in the report: the grid's
 * absolute times and the side-by-side ratios that decide the verdicts.
 *
 * vthread runs here as in VThreadBench (one carrier: the scheduler flags above) except that the
 * JMH thread is a platform thread, not a virtual one (a virtual JMH thread would run the other
 * systems inside a virtual thread too): each vthread op's start and join then cross from the
 * JMH thread to the carrier, once per op of N awaits.
 *
 * The primary score (time per invocation) means nothing on its own and is not reported.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 150, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS, "-Djdk.virtualThreadScheduler.parallelism=1",
        "-Djdk.virtualThreadScheduler.maxPoolSize=1"})
@State(Scope.Thread)
public class PairedBench {

    /** Ops each side runs per invocation (as many as FiberBench and LwtBench run per loop). */
    static final int OPS = 16;

    /** The series, e.g. {@code basic-medium}. */
    @Param({"basic-medium"})
    public String series;

    @Param({"1000"})
    public int n;

    private Series s;
    private SystemId[] group;
    private SystemBench[] benches;
    private int[] reps;

    /** Nanoseconds each system spent this iteration; 0 for a system not in the group. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Nanos {
        public long fiber;
        public long lwt;
        public long raw;
        public long completable;
        public long vthread;

        @Setup(Level.Iteration)
        public void reset() {
            fiber = 0;
            lwt = 0;
            raw = 0;
            completable = 0;
            vthread = 0;
        }

        void add(SystemId system, long nanos) {
            switch (system) {
                case FIBER -> fiber += nanos;
                case LWT -> lwt += nanos;
                case RAW -> raw += nanos;
                case COMPLETABLE -> completable += nanos;
                case VTHREAD -> vthread += nanos;
                default -> throw new IllegalArgumentException(system + " has no counter in PairedBench");
            }
        }
    }

    @Setup
    public void setUp() throws ReflectiveOperationException {
        s = Series.of(series);
        group = Paired.group(s).toArray(SystemId[]::new);
        benches = new SystemBench[group.length];
        reps = new int[group.length];
        for (int i = 0; i < group.length; i++) {
            Class<?> c = Class.forName(group[i].className());
            benches[i] = (SystemBench) c.getDeclaredConstructor().newInstance();
            OperationsPerInvocation per = c.getAnnotation(OperationsPerInvocation.class);
            int opsPerInvoke = per == null ? 1 : per.value();
            if (OPS % opsPerInvoke != 0) {
                throw new IllegalStateException(c.getSimpleName() + " runs " + opsPerInvoke + " ops per invocation,"
                        + " which does not divide " + OPS);
            }
            reps[i] = OPS / opsPerInvoke;
        }
    }

    @Benchmark
    public long sideBySide(Nanos t) {
        long v = 0;
        for (int i = 0; i < benches.length; i++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < reps[i]; r++) {
                v += benches[i].invoke(s.experiment(), s.blocker(), n);
            }
            t.add(group[i], System.nanoTime() - t0);
        }
        return v;
    }
}
