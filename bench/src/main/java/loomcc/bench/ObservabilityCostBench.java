package loomcc.bench;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.annotations.Warmup;

/*
 * What observability costs the await path (issue 12: target <= 1.05): the fiber workload of a
 * series (basic-medium: a fiber that pauses N times) run side by side, as PairedBench runs
 * systems, by two copies of loomcc in one fork: "before", the fiber-core and fiber-lwt-bridge jars
 * of the code before the issue (named by -Dloomcc.before, a class path), and "after", this jar's
 * own, with named fibers, the live-fiber list, suspension timestamps, the JFR check (JFR off), the
 * per-task progress count of the stall watchdog and the deadlock test all in. Each copy lives in a
 * class loader of its own (the "before" jars first on its path, so their loomcc classes win over
 * this jar's), so the JIT compiles each for itself. Each invocation runs OPS ops on each side,
 * alternating which side goes first, and adds each side's time to its auxiliary counter; the
 * ratio is after / before over the measurement iterations. The primary score means nothing.
 *
 * Build the "before" jars once from the code without the issue (main before merging it; its
 * first commit, named fibers, was already in: it costs a start, not an await):
 *   git archive <commit> | tar -x -C /tmp/loomcc-before
 *   (cd /tmp/loomcc-before && mvn -q -pl fiber-lwt-bridge -am package -DskipTests)
 *
 * HOW TO RUN (from the repository root, JDK 25):
 *   mvn -q -pl bench -am package -DskipTests
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main ObservabilityCostBench -p n=50,1000 \
 *        -p before=/tmp/loomcc-before/fiber-core/target/fiber-core-0.1.0-SNAPSHOT.jar:/tmp/loomcc-before/fiber-lwt-bridge/target/fiber-lwt-bridge-0.1.0-SNAPSHOT.jar
 * (not -jvmArgsAppend: it would replace the --add-exports flag of @Fork below)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 6, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 12, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS})
@State(Scope.Thread)
public class ObservabilityCostBench {

    /** Ops each side runs per invocation (one loop's worth, as FiberBench). */
    static final int OPS = 16;

    @Param({"basic-medium"})
    public String series;

    @Param({"50", "1000"})
    public int n;

    /** The class path of the jars before the issue (-p before=...); empty: -Dloomcc.before. */
    @Param({""})
    public String before;

    private LongSupplier beforeSide;
    private LongSupplier afterSide;
    private boolean beforeFirst;
    /** after/before of each measured invocation: their median resists the bursts of a shared machine. */
    private final List<Double> ratios = new ArrayList<>();
    private boolean measuring;

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        measuring = params.getType() == IterationType.MEASUREMENT;
    }

    /** Prints the median and quartiles of the per-invocation ratios (JMH keeps only sums). */
    @TearDown(Level.Trial)
    public void report() {
        if (ratios.isEmpty()) {
            return;
        }
        List<Double> r = new ArrayList<>(ratios);
        r.sort(null);
        System.out.printf(java.util.Locale.ROOT, "%nObservabilityCostBench n=%d: after/before per invocation: median %.3f,"
                + " quartiles %.3f-%.3f, over %d invocations%n", n, r.get(r.size() / 2), r.get(r.size() / 4),
                r.get(3 * r.size() / 4), r.size());
    }

    /** Nanoseconds each side spent this iteration. */
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

    @Setup
    public void setUp() throws ReflectiveOperationException {
        String old = before.isBlank() ? System.getProperty("loomcc.before") : before;
        if (old == null || old.isBlank()) {
            throw new IllegalStateException("-Dloomcc.before=<class path of the fiber-core and fiber-lwt-bridge"
                    + " jars before issue 12> is missing (see the HOW TO RUN comment)");
        }
        List<URL> path = new ArrayList<>();
        for (String p : old.split(File.pathSeparator)) {
            if (!Files.exists(Path.of(p))) {
                throw new IllegalStateException("-Dloomcc.before: no such file " + p);
            }
            path.add(PairedBench.url(p));
        }
        path.addAll(List.of(PairedBench.classPath()));
        beforeSide = side("before", path.toArray(URL[]::new));
        afterSide = side("after", PairedBench.classPath());
    }

    private LongSupplier side(String name, URL[] classPath) throws ReflectiveOperationException {
        URLClassLoader loader = IsolatedOps.isolatedLoader("observability-" + name, classPath);
        boolean observable = false;
        for (java.lang.reflect.Method m : Class.forName("loomcc.fiber.Fiber", false, loader).getDeclaredMethods()) {
            observable |= m.getName().equals("live");
        }
        if (observable != name.equals("after")) { // Fiber.live came with the issue: it tells the copies apart
            throw new IllegalStateException("the " + name + " side loaded the wrong loomcc: " + loader);
        }
        return IsolatedOps.in(loader, "fiber", series, n, OPS);
    }

    @Benchmark
    public long sideBySide(Nanos t) {
        beforeFirst = !beforeFirst;
        long v = 0;
        long b = 0;
        long a = 0;
        for (int i = 0; i < 2; i++) {
            boolean runBefore = (i == 0) == beforeFirst;
            long t0 = System.nanoTime();
            v += (runBefore ? beforeSide : afterSide).getAsLong();
            long dt = System.nanoTime() - t0;
            if (runBefore) {
                t.before += dt;
                b = dt;
            } else {
                t.after += dt;
                a = dt;
            }
        }
        if (measuring) {
            ratios.add((double) a / b);
        }
        return v;
    }
}
