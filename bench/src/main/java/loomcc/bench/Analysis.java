package loomcc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;
import loomcc.bench.Results.Row;

/**
 * The report's numbers, from {@link Results} alone (no JMH here, so it is unit-tested on
 * synthetic rows): ratios between systems, the recurse2 linearity figure, the verdict on each
 * target of issue 5, and {@code report.md}. A system with no rows is "not run" everywhere; a
 * target whose figures are missing is "not run", never a crash and never "met".
 */
public final class Analysis {

    /** The 2011 post this reproduces, cited by name in the report. */
    public static final String POST = "\"Delimited Continuations vs Lwt for Threads\" (2011)";

    /** The post's delimcc/Lwt time ratio per series (recurse: delimcc was 2.35x faster). */
    static final Map<String, Double> RATIO_2011 = Map.of(
            "basic-quick", 1.05, "basic-medium", 1.93, "basic-slow", 1.54,
            "recurse-medium", 1 / 2.35, "recurse-slow", 1 / 2.35);
    /** How the post put it, per series. */
    static final Map<String, String> TEXT_2011 = Map.of(
            "basic-quick", "1.05", "basic-medium", "1.93", "basic-slow", "1.54",
            "recurse-medium", "0.43 (2.35x faster)", "recurse-slow", "0.43 (2.35x faster)",
            "recurse2-medium", "~15 at N=1000, quadratic", "recurse2-slow", "~15 at N=1000, quadratic");

    /** The heap harness's figure for one system ({@code heap.csv}, from {@link HeapPerFiber}). */
    public record Heap(SystemId system, int fibers, double bytesPerFiber) {
    }

    public enum Status { MET, MISSED, NOT_RUN }

    /**
     * One target's verdict. {@code floor}: for a target that compares fiber with another system,
     * the same figure with raw (a bare JDK continuation, no library) in fiber's place, so a reader
     * sees whether the engine itself could meet it; empty where it does not apply or did not run.
     */
    public record Verdict(String experiment, String target, Status status, String figure, String floor) {
        Verdict(String experiment, String target, Status status, String figure) {
            this(experiment, target, status, figure, "");
        }

        Verdict withFloor(String f) {
            return new Verdict(experiment, target, status, figure, f);
        }
    }

    /** A ratio and the N where it was taken (the worst N over a series). */
    public record AtN(double value, int n) {
    }

    private final Results results;
    private final List<Heap> heap;
    private final List<Paired.Ratio> paired;

    public Analysis(Results results, List<Heap> heap) {
        this(results, heap, List.of());
    }

    /** {@code paired}: the side-by-side ratios ({@link PairedBench}); they decide the verdicts they cover. */
    public Analysis(Results results, List<Heap> heap, List<Paired.Ratio> paired) {
        this.results = results;
        this.heap = List.copyOf(heap);
        this.paired = List.copyOf(paired);
    }

    // ------------------------------------------------------------------------------ figures

    /** score(a) / score(b) at n, when both ran. */
    public OptionalDouble ratio(SystemId a, SystemId b, Series s, int n) {
        OptionalDouble x = results.score(a, s, n);
        OptionalDouble y = results.score(b, s, n);
        return x.isPresent() && y.isPresent() && y.getAsDouble() > 0
                ? OptionalDouble.of(x.getAsDouble() / y.getAsDouble()) : OptionalDouble.empty();
    }

    /** The largest score(a)/score(b) over the N where both ran, or null when there is none. */
    public AtN worstRatio(SystemId a, SystemId b, Series s) {
        AtN worst = null;
        for (int n : results.sizes(s)) {
            OptionalDouble r = ratio(a, b, s, n);
            if (r.isPresent() && (worst == null || r.getAsDouble() > worst.value())) {
                worst = new AtN(r.getAsDouble(), n);
            }
        }
        return worst;
    }

    /** The side-by-side ratio a/b at n, when the run measured it. */
    public Optional<Paired.Ratio> paired(SystemId a, SystemId b, Series s, int n) {
        return paired.stream().filter(r -> r.a() == a && r.b() == b && r.series().equals(s) && r.n() == n).findFirst();
    }

    /** The largest side-by-side ratio a/b over N, or null when the run has none. */
    public AtN worstPaired(SystemId a, SystemId b, Series s) {
        AtN worst = null;
        for (Paired.Ratio r : paired) {
            if (r.a() == a && r.b() == b && r.series().equals(s) && (worst == null || r.ratio() > worst.value())) {
                worst = new AtN(r.ratio(), r.n());
            }
        }
        return worst;
    }

    /** The worst a/b for a target: side by side when the run has it, else from the grid. */
    private AtN worstFor(SystemId a, SystemId b, Series s) {
        AtN p = worstPaired(a, b, s);
        return p != null ? p : worstRatio(a, b, s);
    }

    /**
     * How {@link #worstFor} measured a/b, for a verdict's figure; a side-by-side figure also gives
     * the grid's, which is measured with each system in a JVM of its own (see the side-by-side
     * section for why the two differ).
     */
    private String how(SystemId a, SystemId b, Series s) {
        if (worstPaired(a, b, s) == null) {
            return "";
        }
        AtN grid = worstRatio(a, b, s);
        return ", side by side" + (grid == null ? "" : " (grid: " + fmt(grid.value()) + " at N=" + grid.n() + ")");
    }

    /** How {@link #linearity} measured it: side by side (with its range and the grid's figure), or the grid. */
    private String howLinearity(SystemId system, Series s) {
        Optional<Paired.Ratio> g = Paired.growth(paired, system, s);
        if (g.isEmpty()) {
            return "";
        }
        OptionalDouble grid = gridLinearity(system, s);
        return ", side by side (" + g.get().range() + ")"
                + (grid.isEmpty() ? "" : ", grid: " + fmt(grid.getAsDouble()));
    }

    /** The smallest score(a)/score(b) over the N where both ran, or null. */
    public AtN bestRatio(SystemId a, SystemId b, Series s) {
        AtN best = null;
        for (int n : results.sizes(s)) {
            OptionalDouble r = ratio(a, b, s, n);
            if (r.isPresent() && (best == null || r.getAsDouble() < best.value())) {
                best = new AtN(r.getAsDouble(), n);
            }
        }
        return best;
    }

    /**
     * Per-await time at N=1000 over per-await time at N=50 (1 is linear; a quadratic cost grows
     * it towards 20): side by side ({@link LinearityBench}) when the run measured it, else from the
     * grid's two cells. Empty when neither ran.
     */
    public OptionalDouble linearity(SystemId system, Series s) {
        Optional<Paired.Ratio> g = Paired.growth(paired, system, s);
        return g.isPresent() ? OptionalDouble.of(g.get().ratio()) : gridLinearity(system, s);
    }

    /** {@link #linearity} from the grid's cells at N=50 and N=1000 (run in forks of their own). */
    public OptionalDouble gridLinearity(SystemId system, Series s) {
        OptionalDouble small = results.score(system, s, 50);
        OptionalDouble large = results.score(system, s, 1000);
        if (small.isEmpty() || large.isEmpty() || small.getAsDouble() <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((large.getAsDouble() / 1000) / (small.getAsDouble() / 50));
    }

    /**
     * Bytes allocated per await, as the slope of bytes per op between the smallest and the
     * largest N (what one op costs besides its awaits cancels out). Empty without two N.
     */
    public OptionalDouble bytesPerAwait(SystemId system, Series s) {
        List<Integer> ns = new ArrayList<>();
        for (int n : results.sizes(s)) {
            results.cell(system, s, n).filter(r -> !Double.isNaN(r.bytesPerOp())).ifPresent(r -> ns.add(n));
        }
        if (ns.size() < 2) {
            return OptionalDouble.empty();
        }
        int lo = ns.getFirst();
        int hi = ns.getLast();
        double bLo = results.cell(system, s, lo).orElseThrow().bytesPerOp();
        double bHi = results.cell(system, s, hi).orElseThrow().bytesPerOp();
        long awaits = s.experiment().awaits(hi) - s.experiment().awaits(lo);
        return awaits <= 0 ? OptionalDouble.empty() : OptionalDouble.of((bHi - bLo) / awaits);
    }

    // ------------------------------------------------------------------------------ verdicts

    /**
     * One verdict per target, in the issues' order: issue 5's that hold for a bare continuation
     * too, and in place of the others the ones issue 11 set.
     */
    public List<Verdict> verdicts() {
        List<Verdict> out = new ArrayList<>();
        Series bq = new Series(Experiment.BASIC, Blocker.QUICK);
        Series bm = new Series(Experiment.BASIC, Blocker.MEDIUM);
        Series bs = new Series(Experiment.BASIC, Blocker.SLOW);
        out.add(atMost("basic-quick", "fiber/lwt <= 1.1", SystemId.FIBER, SystemId.LWT, bq, 1.1));
        OptionalDouble bpa = bytesPerAwait(SystemId.FIBER, bq);
        out.add(bpa.isEmpty() ? notRun("basic-quick", "0 bytes allocated per fiber await", "fiber (with -prof gc, two N)")
                : new Verdict("basic-quick", "0 bytes allocated per fiber await",
                        Math.abs(bpa.getAsDouble()) < 0.5 ? Status.MET : Status.MISSED,
                        fmt(bpa.getAsDouble()) + " B/await (slope of gc.alloc.rate.norm over N)"));
        out.add(atMost("basic-medium", "fiber/lwt <= 1.9", SystemId.FIBER, SystemId.LWT, bm, 1.9)
                .withFloor(floor(SystemId.LWT, bm)));
        // Issue 11 re-set the targets a bare continuation missed too (fiber <= 1.15 x raw: raw on the
        // loop alone costs more; fiber < vthread, fiber < completable: raw was not below them either)
        // to what the fiber layer controls: its cost over a bare continuation on the same loop
        // (rawloop), and the loop's own cost over raw.
        out.add(atMost("basic-medium", "fiber <= 1.2 x rawloop", SystemId.FIBER, SystemId.RAWLOOP, bm, 1.2));
        out.add(atMost("basic-medium", "rawloop <= 1.3 x raw", SystemId.RAWLOOP, SystemId.RAW, bm, 1.3));
        out.add(atMost("basic-slow", "fiber/lwt <= 1.5", SystemId.FIBER, SystemId.LWT, bs, 1.5)
                .withFloor(floor(SystemId.LWT, bs)));
        out.add(atMost("basic-slow", "fiber <= 1.5 x completable", SystemId.FIBER, SystemId.COMPLETABLE, bs, 1.5)
                .withFloor(floor(SystemId.COMPLETABLE, bs)));
        for (Blocker b : Experiment.RECURSE.blockers()) {
            Series s = new Series(Experiment.RECURSE, b);
            Optional<Paired.Ratio> p = paired(SystemId.FIBER, SystemId.LWT, s, 1000);
            OptionalDouble r = p.isPresent() ? OptionalDouble.of(1 / p.get().ratio()) : ratio(SystemId.LWT, SystemId.FIBER, s, 1000);
            Optional<Paired.Ratio> pRaw = paired(SystemId.RAW, SystemId.LWT, s, 1000);
            OptionalDouble rawR = pRaw.isPresent() ? OptionalDouble.of(1 / pRaw.get().ratio()) : ratio(SystemId.LWT, SystemId.RAW, s, 1000);
            out.add(r.isEmpty() ? notRun(s.id(), "fiber >= 1.3x faster than lwt at N=1000", "fiber, lwt at N=1000")
                    : new Verdict(s.id(), "fiber >= 1.3x faster than lwt at N=1000",
                            r.getAsDouble() >= 1.3 ? Status.MET : Status.MISSED, "lwt/fiber = " + fmt(r.getAsDouble())
                                    + (p.isPresent() ? ", side by side" : ""),
                            rawR.isEmpty() ? "" : "lwt/raw = " + fmt(rawR.getAsDouble())));
        }
        for (Blocker b : Experiment.RECURSE2.blockers()) {
            Series s = new Series(Experiment.RECURSE2, b);
            OptionalDouble lin = linearity(SystemId.FIBER, s);
            OptionalDouble rawLin = linearity(SystemId.RAW, s);   // the engine's own growth
            out.add(lin.isEmpty() ? notRun(s.id(), "per-await time N=1000 <= 1.5 x N=50", "fiber at N=50 and 1000")
                    : new Verdict(s.id(), "per-await time N=1000 <= 1.5 x N=50",
                            lin.getAsDouble() <= 1.5 ? Status.MET : Status.MISSED,
                            "fiber: " + fmt(lin.getAsDouble()) + howLinearity(SystemId.FIBER, s),
                            rawLin.isEmpty() ? "" : "raw: " + fmt(rawLin.getAsDouble()) + howLinearity(SystemId.RAW, s)));
            out.add(atMost(s.id(), "fiber <= 1.3 x raw at every N", SystemId.FIBER, SystemId.RAW, s, 1.3));
        }
        Heap fh = heap.stream().filter(h -> h.system() == SystemId.FIBER).findFirst().orElse(null);
        out.add(fh == null ? notRun("memory", "<= 512 B heap per suspended shallow fiber", "HeapPerFiber for fiber")
                : new Verdict("memory", "<= 512 B heap per suspended shallow fiber",
                        fh.bytesPerFiber() <= 512 ? Status.MET : Status.MISSED,
                        fmt(fh.bytesPerFiber()) + " B/fiber (" + fh.fibers() + " suspended)"));
        return out;
    }

    /** Met when a/b <= limit at every N (the worst N decides). */
    private Verdict atMost(String exp, String target, SystemId a, SystemId b, Series s, double limit) {
        AtN worst = worstFor(a, b, s);
        if (worst == null) {
            return notRun(exp, target, a.id() + ", " + b.id());
        }
        return new Verdict(exp, target, worst.value() <= limit ? Status.MET : Status.MISSED,
                "worst " + fmt(worst.value()) + " at N=" + worst.n() + how(a, b, s));
    }

    /** Met when a/b < 1 at every N (the worst N decides). */
    private Verdict below(String exp, String target, SystemId a, SystemId b, Series s) {
        AtN worst = worstFor(a, b, s);
        if (worst == null) {
            return notRun(exp, target, a.id() + ", " + b.id());
        }
        return new Verdict(exp, target, worst.value() < 1 ? Status.MET : Status.MISSED,
                "ratio worst " + fmt(worst.value()) + " at N=" + worst.n() + how(a, b, s));
    }

    /** raw/{@code b} at its worst N: what the bare engine scores on a fiber-vs-b target. */
    private String floor(SystemId b, Series s) {
        AtN w = worstFor(SystemId.RAW, b, s);
        return w == null ? "" : "raw/" + b.id() + " worst " + fmt(w.value()) + " at N=" + w.n() + how(SystemId.RAW, b, s);
    }

    private static Verdict notRun(String exp, String target, String needs) {
        return new Verdict(exp, target, Status.NOT_RUN, "needs " + needs);
    }

    private static final List<SystemId[]> PAIR_COLUMNS = List.of(new SystemId[] {SystemId.FIBER, SystemId.LWT},
            new SystemId[] {SystemId.FIBER, SystemId.RAW}, new SystemId[] {SystemId.FIBER, SystemId.RAWLOOP},
            new SystemId[] {SystemId.RAWLOOP, SystemId.RAW}, new SystemId[] {SystemId.FIBER, SystemId.VTHREAD},
            new SystemId[] {SystemId.FIBER, SystemId.COMPLETABLE}, new SystemId[] {SystemId.RAW, SystemId.LWT},
            new SystemId[] {SystemId.RAW, SystemId.VTHREAD}, new SystemId[] {SystemId.RAW, SystemId.COMPLETABLE});

    /** The side-by-side section of report.md: every paired ratio, with the range over iterations. */
    private void sideBySide(StringBuilder md) {
        if (paired.isEmpty()) {
            return;
        }
        md.append("\n## Side by side\n\nThe verdicts' ratios, measured with the systems' ops interleaved in one fork"
                + " (PairedBench: 16 ops of each system in turn, each side timed): a burst of load on this shared"
                + " machine slows every side of a ratio alike, where the grid's cells run seconds apart. Each figure"
                + " is a's total time over b's total time in the measurement iterations, and in brackets the range"
                + " of the per-iteration ratios.\n\nEach system runs in a class loader of its own within the fork, so"
                + " its copy of loomcc (the Lwt loop, the fibers, the workloads) is compiled for it alone, as in the"
                + " grid's fork per system; the JDK's classes and the heap are shared. The grid's ratios, between"
                + " cells run seconds apart, are at the mercy of the load; each verdict quotes them beside the side-by-side figure."
                + " `rawloop` runs here only: a bare JDK continuation driven by loomcc's Lwt loop (a pause queues its"
                + " wake-up on the loop's pause list), so rawloop/raw is what the event loop adds to a suspension and"
                + " fiber/rawloop what the fiber layer adds.\n\n"
                + "| series | N |");
        PAIR_COLUMNS.forEach(p -> md.append(' ').append(p[0].id()).append('/').append(p[1].id()).append(" |"));
        md.append("\n|---|---|");
        PAIR_COLUMNS.forEach(p -> md.append("---|"));
        md.append('\n');
        for (Series s : Grid.series()) {
            java.util.TreeSet<Integer> ns = new java.util.TreeSet<>();
            paired.stream().filter(r -> r.series().equals(s)).forEach(r -> ns.add(r.n()));
            for (int n : ns) {
                md.append("| ").append(s.id()).append(" | ").append(n).append(" |");
                for (SystemId[] p : PAIR_COLUMNS) {
                    md.append(' ').append(paired(p[0], p[1], s, n)
                            .map(r -> fmt(r.ratio()) + " (" + r.range() + ")").orElse("–"))
                            .append(" |");
                }
                md.append('\n');
            }
        }
    }

    // ------------------------------------------------------------------------------ report.md

    /** The systems in report order: the 2011 pair, the peers, the baseline. */
    static final List<SystemId> ORDER = List.of(SystemId.FIBER, SystemId.LWT, SystemId.VTHREAD,
            SystemId.COMPLETABLE, SystemId.RAW, SystemId.BASELINE);

    /** report.md. {@code header}: lines about the run (profile, JVM, machine), put under the title. */
    public String markdown(String header, Map<String, String> charts) {
        StringBuilder md = new StringBuilder();
        md.append("# loomcc benchmarks: the 2011 experiments on the JVM\n\n");
        md.append("Reproduces ").append(POST).append(" with JMH: time per op (one op = one whole workload"
                + " instance), µs, the median of the cell's measurement iterations; ± is JMH's 99.9% confidence"
                + " half-width of their mean. Every figure below is a"
                + " ratio within this one run. \"not run\" marks a system or cell this run did not measure.\n\n");
        md.append(header).append("\n\n");

        md.append("## Verdicts (the targets of issue 5, re-set by issue 11)\n\nThe last column puts raw, a bare JDK continuation with"
                + " no library around it, in fiber's place: where raw misses a target too, the engine alone"
                + " cannot meet it.\n\n| experiment | target | figure | verdict | raw in fiber's place |\n|---|---|---|---|---|\n");
        for (Verdict v : verdicts()) {
            md.append("| ").append(v.experiment()).append(" | ").append(v.target()).append(" | ").append(v.figure())
                    .append(" | ").append(switch (v.status()) {
                        case MET -> "met";
                        case MISSED -> "**missed**";
                        case NOT_RUN -> "not run";
                    }).append(" | ").append(v.floor().isEmpty() ? "–" : v.floor()).append(" |\n");
        }
        md.append("\nSystems: ");
        List<String> sys = new ArrayList<>();
        for (SystemId s : ORDER) {
            sys.add("`" + s.id() + "` = " + s.label() + (results.ran(s) ? "" : " (not run)"));
        }
        md.append(String.join("; ", sys)).append(".\n");
        sideBySide(md);

        for (Experiment e : Experiment.values()) {
            md.append("\n## ").append(e.id()).append("\n");
            for (Blocker b : e.blockers()) {
                Series s = new Series(e, b);
                md.append("\n### ").append(s.id()).append("\n\n");
                List<Integer> ns = results.sizes(s);
                if (ns.isEmpty()) {
                    md.append("not run\n");
                    continue;
                }
                md.append("| N |");
                ORDER.forEach(x -> md.append(' ').append(x.id()).append(" |"));
                md.append(" fiber/lwt | 2011 delimcc/Lwt | fiber/raw |\n|---|");
                ORDER.forEach(x -> md.append("---|"));
                md.append("---|---|---|\n");
                for (int n : ns) {
                    md.append("| ").append(n).append(" |");
                    for (SystemId x : ORDER) {
                        md.append(' ').append(results.cell(x, s, n).map(r -> fmt(r.score()) + pm(r.error()))
                                .orElse("not run")).append(" |");
                    }
                    md.append(' ').append(opt(ratio(SystemId.FIBER, SystemId.LWT, s, n))).append(" | ")
                            .append(TEXT_2011.getOrDefault(s.id(), "–")).append(" | ")
                            .append(opt(ratio(SystemId.FIBER, SystemId.RAW, s, n))).append(" |\n");
                }
                md.append("\nBytes allocated per op (gc.alloc.rate.norm) and per await (slope over N):\n\n| N |");
                ORDER.forEach(x -> md.append(' ').append(x.id()).append(" |"));
                md.append("\n|---|");
                ORDER.forEach(x -> md.append("---|"));
                md.append('\n');
                for (int n : ns) {
                    md.append("| ").append(n).append(" |");
                    for (SystemId x : ORDER) {
                        md.append(' ').append(results.cell(x, s, n).filter(r -> !Double.isNaN(r.bytesPerOp()))
                                .map(r -> fmt(r.bytesPerOp())).orElse("not run")).append(" |");
                    }
                    md.append('\n');
                }
                md.append("| per await |");
                for (SystemId x : ORDER) {
                    md.append(' ').append(opt(bytesPerAwait(x, s))).append(" |");
                }
                md.append('\n');
                String chart = charts.get(s.id());
                if (chart != null) {
                    md.append("\n![").append(s.id()).append("](").append(chart).append(")\n");
                }
            }
        }

        md.append("\n## recurse2 linearity\n\nPer-await time at N=1000 over per-await time at N=50 (1 = linear;"
                + " delimcc's stack copying made it grow with N: quadratic). Target for fiber: <= 1.5. Fiber's and"
                + " raw's figures are measured side by side where the run has them (LinearityBench: the two depths"
                + " in turn in one fork, the same number of awaits each; in brackets the range over iterations),"
                + " the others' from the grid's cells.\n\n| system |");
        Experiment.RECURSE2.blockers().forEach(b -> md.append(" recurse2-").append(b.id()).append(" |"));
        md.append("\n|---|");
        Experiment.RECURSE2.blockers().forEach(b -> md.append("---|"));
        md.append('\n');
        for (SystemId x : ORDER) {
            md.append("| ").append(x.id()).append(" |");
            for (Blocker b : Experiment.RECURSE2.blockers()) {
                Series s = new Series(Experiment.RECURSE2, b);
                Optional<Paired.Ratio> g = Paired.growth(paired, x, s);
                md.append(' ').append(opt(linearity(x, s)))
                        .append(g.isPresent() ? " (" + g.get().range() + ")" : "").append(" |");
            }
            md.append('\n');
        }

        md.append("\n## fiber/raw overhead\n\nWhat loomcc's layers cost over the bare JDK continuation, per series"
                + " (worst and best N).\n\n| series | worst | best |\n|---|---|---|\n");
        for (Series s : Grid.series()) {
            AtN w = worstRatio(SystemId.FIBER, SystemId.RAW, s);
            AtN b = bestRatio(SystemId.FIBER, SystemId.RAW, s);
            md.append("| ").append(s.id()).append(" | ")
                    .append(w == null ? "not run" : fmt(w.value()) + " at N=" + w.n()).append(" | ")
                    .append(b == null ? "not run" : fmt(b.value()) + " at N=" + b.n()).append(" |\n");
        }

        md.append("\n## Heap per suspended fiber\n\n");
        if (heap.isEmpty()) {
            md.append("not run (java -cp bench/target/loomcc-bench.jar loomcc.bench.HeapPerFiber writes heap.csv here)\n");
        } else {
            md.append("| system | suspended | bytes per suspended fiber |\n|---|---|---|\n");
            for (Heap h : heap) {
                md.append("| ").append(h.system().id()).append(" | ").append(h.fibers()).append(" | ")
                        .append(fmt(h.bytesPerFiber())).append(" |\n");
            }
        }
        return md.toString();
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) {
            return "–";
        }
        double a = Math.abs(d);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", d);
    }

    private static String pm(double error) {
        return Double.isNaN(error) ? "" : " ± " + fmt(error);
    }

    private static String opt(OptionalDouble d) {
        return d.isPresent() ? fmt(d.getAsDouble()) : "not run";
    }
}
