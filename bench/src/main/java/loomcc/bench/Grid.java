package loomcc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The workload grid of the 2011 post "Delimited Continuations vs Lwt for Threads", described once
 * for every system (each system's benchmark class implements it in its own style).
 *
 * <h2>Experiments</h2>
 * A blocker {@code b(v)} is an await on a promise whose value is {@code v}. One op is one whole
 * workload instance (the 2011 post timed 15 000 of them; JMH counts them here):
 * <pre>
 *   basic(n)    : acc = 0; for i in 0..n-1: acc += await(b(i))          awaits n,  result n(n-1)/2
 *   recurse(n)  : r(k) = k == 0 ? await(b(0)) : r(k-1) + k; r(n)        awaits 1,  result n(n+1)/2
 *   recurse2(n) : r(k) = k == 0 ? 0 : (v = await(b(k))) + r(k-1); r(n)   awaits n,  result n(n+1)/2
 * </pre>
 * {@code recurse} is a non-tail recursion of depth n with one await at the bottom; {@code recurse2}
 * awaits at every level, before recursing, so the k-th capture has n - k frames above it (delimcc
 * copied them all: quadratic; the JDK continuation copies lazily: linear is the target).
 *
 * <h2>Blockers</h2>
 * quick: an already-resolved promise ({@code Lwt.return}); medium: resolved on the scheduler's
 * next turn ({@code Lwt.pause}); slow: a zero-delay timer ({@code Lwt_unix.sleep 0}). basic has
 * all three; recurse and recurse2 medium and slow (as in 2011).
 */
public final class Grid {

    private Grid() {
    }

    /**
     * The JVM flag every forked benchmark JVM needs (raw and fiber run on jdk.internal.vm).
     * The parent POM's {@code loomcc.addExports} is the build's copy; annotations need a constant.
     */
    public static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED";

    /** N of the 2011 post. Benchmark classes spell the same list in their {@code @Param}s (GridTest checks). */
    public static final List<Integer> SIZES = List.of(50, 100, 200, 300, 400, 600, 800, 1000);

    public enum Experiment {
        BASIC(List.of(Blocker.QUICK, Blocker.MEDIUM, Blocker.SLOW)),
        RECURSE(List.of(Blocker.MEDIUM, Blocker.SLOW)),
        RECURSE2(List.of(Blocker.MEDIUM, Blocker.SLOW));

        private final List<Blocker> blockers;

        Experiment(List<Blocker> blockers) {
            this.blockers = blockers;
        }

        public List<Blocker> blockers() {
            return blockers;
        }

        /** The JMH benchmark method's name, and the CSV's spelling. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Experiment of(String id) {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        }

        /** How many awaits one op does. */
        public long awaits(int n) {
            return this == RECURSE ? 1 : n;
        }

        /** The value one op computes (the benchmarks check it in their sanity tests). */
        public long result(int n) {
            long m = n;
            return this == BASIC ? m * (m - 1) / 2 : m * (m + 1) / 2;
        }
    }

    public enum Blocker {
        QUICK, MEDIUM, SLOW;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Blocker of(String id) {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        }

        /** How many of {@code awaits} really suspend: all but the quick ones. */
        public long suspensions(long awaits) {
            return this == QUICK ? 0 : awaits;
        }
    }

    /**
     * The systems, each one JMH class named here. {@code fiber} and {@code lwt} land with the Lwt
     * bridge; until then their classes are missing and the report shows them as "not run".
     */
    public enum SystemId {
        /** loomcc fibers on the Lwt loop ({@code LwtFiber.await}). */
        FIBER("loomcc.bench.FiberBench", "loomcc fiber (LwtFiber)"),
        /** Lwt bind chains on the same loop, written as the 2011 Lwt code was. */
        LWT("loomcc.bench.LwtBench", "loomcc Lwt (bind)"),
        /** JDK virtual threads, direct style, one carrier. */
        VTHREAD("loomcc.bench.VThreadBench", "JDK virtual threads"),
        /** CompletableFuture thenCompose chains on a single-threaded loop. */
        COMPLETABLE("loomcc.bench.CompletableBench", "CompletableFuture (thenCompose)"),
        /** jdk.internal.vm.Continuation with a ten-line scheduler: the floor for this design. */
        RAW("loomcc.bench.RawBench", "raw JDK Continuation"),
        /** Plain calls, no await at all: the cost of the loop and recursion themselves. */
        BASELINE("loomcc.bench.BaselineBench", "baseline (plain calls)"),
        /** jdk.internal.vm.Continuation driven by loomcc's Lwt loop: side by side only, not in the grid. */
        RAWLOOP("loomcc.bench.RawLoopBench", "raw JDK Continuation on the Lwt loop");

        private final String className;
        private final String label;

        SystemId(String className, String label) {
            this.className = className;
            this.label = label;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public String className() {
            return className;
        }

        public String label() {
            return label;
        }

        public static SystemId of(String id) {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        }

        /** The system whose JMH class is {@code className}, or null. */
        public static SystemId ofClass(String className) {
            for (SystemId s : values()) {
                if (s.className.equals(className)) {
                    return s;
                }
            }
            return null;
        }

        /** True when this system's benchmark class is on the class path (fiber/lwt: once the bridge lands). */
        public boolean available() {
            try {
                Class.forName(className, false, Grid.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException e) {
                return false;
            }
        }

        /** False for a system that only runs side by side ({@link PairedBench}), never in the grid. */
        public boolean inGrid() {
            return this != RAWLOOP;
        }

        /** The baseline has no blocker: it runs once per (experiment, N), reported under blocker "none". */
        public boolean hasBlockers() {
            return this != BASELINE;
        }
    }

    /** One (experiment, blocker) pair of the grid: a 2011 chart. */
    public record Series(Experiment experiment, Blocker blocker) {
        public String id() {
            return experiment.id() + "-" + blocker.id();
        }

        /** The series named {@code id}, e.g. {@code basic-medium}; one of {@link Grid#series()}. */
        public static Series of(String id) {
            for (Series s : series()) {
                if (s.id().equals(id.trim())) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown series '" + id + "'; one of "
                    + series().stream().map(Series::id).toList());
        }
    }

    /** The seven 2011 series: basic-{quick,medium,slow}, recurse-{medium,slow}, recurse2-{medium,slow}. */
    public static List<Series> series() {
        List<Series> out = new ArrayList<>();
        for (Experiment e : Experiment.values()) {
            for (Blocker b : e.blockers()) {
                out.add(new Series(e, b));
            }
        }
        return List.copyOf(out);
    }
}
