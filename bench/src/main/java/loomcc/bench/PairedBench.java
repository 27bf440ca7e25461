package loomcc.bench;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
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

import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

/*
 * Side by side: the systems of a series' group (Paired.group) run in one fork, in turn, OPS ops
 * each per invocation, each side timed with System.nanoTime around its OPS ops. Each system runs
 * in a class loader of its own (IsolatedOps), so no loomcc code is shared between them. An invocation
 * takes a few ms at most, so a noisy neighbour's burst, which lasts a second or more here, falls
 * on every side of a ratio alike. The times go to JMH as auxiliary counters (one per system, in
 * ns, summed over the iteration); the report divides them iteration by iteration (Paired.ratios).
 *
 * What it shares, and what it does not: each system's loomcc code (the Lwt loop for fiber and
 * lwt; the direct-style workloads for fiber, raw and vthread) is its own copy, loaded by its own
 * class loader and compiled for it alone, as in a fork of its own. Without that, lwt's loop was
 * also compiled for fiber's wake-ups, which slowed lwt: basic-medium fiber/lwt at N=1000 read 1.59
 * with shared code and 1.87 with a loader per system, in two runs on this machine. The
 * JDK's classes (the continuation engine, the collections) and the heap are shared: a collection
 * pauses whichever side filled the young generation, so each side pays for collections about in
 * proportion to what it allocates, and the ratio counts each side's total time.
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

    private SystemId[] group;
    private LongSupplier[] ops;

    /** Nanoseconds each system spent this iteration; 0 for a system not in the group. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Nanos {
        public long fiber;
        public long lwt;
        public long raw;
        public long completable;
        public long vthread;
        public long rawloop;

        @Setup(Level.Iteration)
        public void reset() {
            fiber = 0;
            lwt = 0;
            raw = 0;
            completable = 0;
            vthread = 0;
            rawloop = 0;
        }

        void add(SystemId system, long nanos) {
            switch (system) {
                case FIBER -> fiber += nanos;
                case LWT -> lwt += nanos;
                case RAW -> raw += nanos;
                case COMPLETABLE -> completable += nanos;
                case VTHREAD -> vthread += nanos;
                case RAWLOOP -> rawloop += nanos;
                default -> throw new IllegalArgumentException(system + " has no counter in PairedBench");
            }
        }
    }

    @Setup
    public void setUp() throws ReflectiveOperationException {
        group = Paired.group(Series.of(series)).toArray(SystemId[]::new);
        ops = new LongSupplier[group.length];
        URL[] classPath = classPath();
        for (int i = 0; i < group.length; i++) {
            // A loader of its own per system, over the same class path, whose parent is the
            // platform loader: loomcc's classes (and JCTools, and the workloads) load again in
            // each, so the JIT profiles and compiles each system's copy for that system alone.
            ops[i] = IsolatedOps.in(IsolatedOps.isolatedLoader("paired-" + group[i].id(), classPath),
                    group[i].id(), series, n, OPS);
        }
    }

    /** This JVM's class path as URLs (a jar's manifest Class-Path is followed by URLClassLoader). */
    static URL[] classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> !p.isBlank()).map(PairedBench::url).toArray(URL[]::new);
    }

    /** A file's URL, for a class path. */
    static URL url(String path) {
        try {
            return Path.of(path).toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException("class path entry " + path, e);
        }
    }

    /** The system of each side, in the order the sides run; for tests. */
    SystemId[] group() {
        return group.clone();
    }

    /** The side running {@code system}'s ops; for tests. */
    LongSupplier side(SystemId system) {
        return ops[Arrays.asList(group).indexOf(system)];
    }

    @Benchmark
    public long sideBySide(Nanos t) {
        long v = 0;
        for (int i = 0; i < ops.length; i++) {
            long t0 = System.nanoTime();
            v += ops[i].getAsLong();
            t.add(group[i], System.nanoTime() - t0);
        }
        return v;
    }
}
