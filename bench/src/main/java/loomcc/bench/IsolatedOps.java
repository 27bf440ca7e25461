package loomcc.bench;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.function.LongSupplier;

import org.openjdk.jmh.annotations.OperationsPerInvocation;

import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

/**
 * One system's share of a side-by-side cell ({@link PairedBench}): {@code ops} ops of one series
 * at one N per call. PairedBench builds each system's instance inside a class loader of its own,
 * so this class, the system's benchmark class and everything of loomcc it runs (the Lwt loop, the
 * fibers) are that system's private copies, compiled by the JIT for it alone, as in a fork of
 * its own. The caller sees it only as a {@link LongSupplier}, a JDK type all loaders share.
 */
public final class IsolatedOps implements LongSupplier {
    private final SystemBench bench;
    private final Series series;
    private final int n;
    private final int reps;

    public IsolatedOps(String system, String series, int n, int ops) throws ReflectiveOperationException {
        Class<?> c = Class.forName(SystemId.of(system).className());
        this.bench = (SystemBench) c.getDeclaredConstructor().newInstance();
        this.series = Series.of(series);
        this.n = n;
        OperationsPerInvocation per = c.getAnnotation(OperationsPerInvocation.class);
        int perInvoke = per == null ? 1 : per.value();
        if (ops % perInvoke != 0) {
            throw new IllegalArgumentException(c.getSimpleName() + " runs " + perInvoke + " ops per invocation,"
                    + " which does not divide " + ops);
        }
        this.reps = ops / perInvoke;
    }

    /**
     * A class loader of its own over {@code classPath}, whose parent is the platform loader, so that
     * loomcc's classes (and JCTools, and the workloads) load again in it and the JIT compiles that
     * copy for its one system.
     */
    static URLClassLoader isolatedLoader(String name, URL[] classPath) {
        return new URLClassLoader(name, classPath, ClassLoader.getPlatformClassLoader());
    }

    /** This class's copy in {@code loader}, running {@code ops} ops of one system's series at N. */
    static LongSupplier in(ClassLoader loader, String system, String series, int n, int ops)
            throws ReflectiveOperationException {
        Class<?> c = Class.forName(IsolatedOps.class.getName(), true, loader);
        return (LongSupplier) c.getConstructor(String.class, String.class, int.class, int.class)
                .newInstance(system, series, n, ops);
    }

    /** Runs the ops; returns the sum of their values. */
    @Override
    public long getAsLong() {
        long v = 0;
        for (int r = 0; r < reps; r++) {
            v += bench.invoke(series.experiment(), series.blocker(), n);
        }
        return v;
    }
}
