package loomcc.bench;

import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A change measured against the build before it, side by side in one fork: the same system and
 * series run from this build ("after") and from an earlier build's bench jar ("before", given as
 * -p beforeJar=...), each in a class loader of its own (as PairedBench isolates systems), in turn,
 * OPS ops each per invocation, the order flipped every invocation. A noisy neighbour's burst falls
 * on both sides alike, which sequential runs of two jars cannot promise on a shared machine (two
 * such runs here read ±200 %). The times go to JMH as auxiliary counters, in ns summed over the
 * iteration; the ratio after/before is the change's cost (below 1: faster). The primary score
 * means nothing on its own.
 *
 * Both jars must hold loomcc.bench.IsolatedOps (every build since the side-by-side run has it).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 12, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS})
@State(Scope.Thread)
public class BeforeAfterBench {

    /** Ops each side runs per invocation. */
    static final int OPS = 16;

    @Param({"fiber"})
    public String system;

    @Param({"basic-medium"})
    public String series;

    @Param({"1000"})
    public int n;

    /** The earlier build's loomcc-bench.jar. */
    @Param({""})
    public String beforeJar;

    /** The later build's jar; empty: this build (the JVM's own class path). */
    @Param({""})
    public String afterJar;

    private LongSupplier before;
    private LongSupplier after;
    private boolean flip;
    /** Each side's time per invocation (ns), over the measurement; for the low percentiles. */
    private long[] beforeTimes = new long[1 << 16];
    private long[] afterTimes = new long[1 << 16];
    private int samples;
    private boolean measuring;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Nanos {
        public long before;
        public long after;

        @Setup(Level.Iteration)
        public void reset() {
            before = 0;
            after = 0;
        }
    }

    /** Samples are kept from the first measurement iteration on (warmup ones are dropped). */
    @Setup(Level.Iteration)
    public void iteration(org.openjdk.jmh.infra.IterationParams it) {
        measuring = it.getType() == org.openjdk.jmh.runner.IterationType.MEASUREMENT;
    }

    /**
     * Prints each side's 10th, 25th and 50th percentile time per invocation, and their ratios. On
     * a loaded machine the low percentiles are the invocations nobody preempted, so their ratio
     * is the steadier figure; the summed counters include every preemption that hit either side.
     */
    @org.openjdk.jmh.annotations.TearDown(Level.Trial)
    public void report() {
        long[] b = java.util.Arrays.copyOf(beforeTimes, samples);
        long[] a = java.util.Arrays.copyOf(afterTimes, samples);
        java.util.Arrays.sort(b);
        java.util.Arrays.sort(a);
        StringBuilder sb = new StringBuilder("\nBeforeAfterBench " + system + " " + series + " n=" + n + ", "
                + samples + " invocations:");
        for (double q : new double[] {0.10, 0.25, 0.50}) {
            int i = (int) (q * (samples - 1));
            sb.append(String.format(" p%d after/before %.3f (%.0f / %.0f us);", (int) (q * 100),
                    (double) a[i] / b[i], a[i] / 1e3, b[i] / 1e3));
        }
        System.out.println(sb);
    }

    @Setup
    public void setUp() throws ReflectiveOperationException, MalformedURLException {
        if (beforeJar.isEmpty() || !Files.isRegularFile(Path.of(beforeJar))) {
            throw new IllegalArgumentException("give the earlier build's jar: -p beforeJar=/path/loomcc-bench.jar"
                    + " (got '" + beforeJar + "')");
        }
        before = load(new URL[] {Path.of(beforeJar).toUri().toURL()}, "before");
        after = load(afterJar.isEmpty() ? PairedBench.classPath() : new URL[] {Path.of(afterJar).toUri().toURL()},
                "after");
    }

    private LongSupplier load(URL[] classPath, String name) throws ReflectiveOperationException {
        return IsolatedOps.in(IsolatedOps.isolatedLoader(name, classPath), system, series, n, OPS);
    }

    @Benchmark
    public long sideBySide(Nanos t) {
        flip = !flip;
        long v;
        long t0 = System.nanoTime();
        if (flip) {
            v = before.getAsLong();
            long t1 = System.nanoTime();
            v += after.getAsLong();
            long t2 = System.nanoTime();
            t.before += t1 - t0;
            t.after += t2 - t1;
            keep(t1 - t0, t2 - t1);
        } else {
            v = after.getAsLong();
            long t1 = System.nanoTime();
            v += before.getAsLong();
            long t2 = System.nanoTime();
            t.after += t1 - t0;
            t.before += t2 - t1;
            keep(t2 - t1, t1 - t0);
        }
        return v;
    }

    private void keep(long beforeNanos, long afterNanos) {
        if (measuring && samples < beforeTimes.length) {
            beforeTimes[samples] = beforeNanos;
            afterTimes[samples] = afterNanos;
            samples++;
        }
    }
}

/*
 * HOW TO RUN (JDK 25): build the earlier commit's jar somewhere, keep a copy, build this one:
 *
 *   git archive <before-commit> | tar -x -C /tmp/before && (cd /tmp/before && mvn -q -pl bench -am package -DskipTests)
 *   cp /tmp/before/bench/target/loomcc-bench.jar /tmp/before.jar
 *   mvn -q -pl bench -am package -DskipTests
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main BeforeAfterBench \
 *        -p beforeJar=/tmp/before.jar -p series=basic-medium,basic-quick -p n=1000
 *
 * The trial ends with a line "BeforeAfterBench ... p10 after/before ..." per cell: the ratio of
 * the two sides' low percentiles (the invocations no neighbour preempted). JMH's counters give
 * the summed times as well.
 */
