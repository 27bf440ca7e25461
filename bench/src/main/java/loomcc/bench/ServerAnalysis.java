package loomcc.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoublePredicate;
import java.util.function.ToDoubleFunction;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import loomcc.bench.ServerBench.Load;
import loomcc.bench.ServerBench.Row;

/**
 * The server section's numbers, from {@code server.csv} alone (unit-tested on synthetic rows):
 * medians and ranges over the measured rounds, per-round ratios between systems (the systems ran
 * seconds apart in each round, so a ratio within a round is steadier than the raw figures), the
 * verdict on each target of issue 11, the markdown and one chart per load.
 */
public final class ServerAnalysis {
    private final List<Row> rows;

    public ServerAnalysis(List<Row> rows) {
        this.rows = rows.stream().filter(r -> r.round() > 0).toList();   // round 0 is the warm-up
    }

    /** A median and the range it comes from. */
    public record Spread(double median, double min, double max, int n) {
        static Optional<Spread> of(double[] xs) {
            return sorted(xs).map(s -> new Spread(quantile(s, 0.5), s[0], s[s.length - 1], s.length));
        }

        String text() {
            return Analysis.fmt(median) + " (" + Analysis.fmt(min) + "–" + Analysis.fmt(max) + ")";
        }
    }

    /** A sorted copy of {@code xs}, or empty when there is nothing to sort. */
    private static Optional<double[]> sorted(double[] xs) {
        if (xs.length == 0) {
            return Optional.empty();
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        return Optional.of(s);
    }

    /** The {@code q} quantile of {@code sorted}, interpolated between neighbours (q = 0.5: the median). */
    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double f = at - lo;
        return (1 - f) * sorted[lo] + f * sorted[hi];     // f = 0.5: exactly (a + b) / 2
    }

    static final ToDoubleFunction<Row> RPS = Row::rps;
    static final ToDoubleFunction<Row> P50 = Row::p50Ms;
    static final ToDoubleFunction<Row> P99 = Row::p99Ms;
    static final ToDoubleFunction<Row> CPU = Row::cpuUsPerRequest;

    /** The tests that ran at a load, in {@link ServerBench#TESTS}' order (all of them unless --server-tests chose). */
    List<String> tests(String load) {
        return ServerBench.TESTS.stream().filter(t -> rows.stream().anyMatch(r -> r.load().equals(load)
                && r.test().equals(t))).toList();
    }

    public boolean ran(String system) {
        return rows.stream().anyMatch(r -> r.system().equals(system));
    }

    /** A metric of one system over the rounds. */
    public Optional<Spread> figure(String system, String load, String test, ToDoubleFunction<Row> metric) {
        return Spread.of(rows.stream().filter(r -> r.system().equals(system) && r.load().equals(load)
                && r.test().equals(test)).mapToDouble(metric).toArray());
    }

    /** metric(a) / metric(b), round by round. */
    public Optional<Spread> ratio(String a, String b, String load, String test, ToDoubleFunction<Row> metric) {
        return Spread.of(roundRatios(a, b, load, test, metric));
    }

    /**
     * metric(a) / metric(b) in each round where both ran, at one load and test, or at every test of
     * the load when {@code test} is null (each round's ratio taken within its own test).
     */
    private double[] roundRatios(String a, String b, String load, String test, ToDoubleFunction<Row> metric) {
        List<Double> rs = new ArrayList<>();
        for (Row x : rows) {
            if (x.system().equals(a) && x.load().equals(load) && (test == null || x.test().equals(test))) {
                rows.stream().filter(y -> y.system().equals(b) && y.load().equals(load) && y.test().equals(x.test())
                        && y.round() == x.round()).findFirst()
                        .ifPresent(y -> rs.add(metric.applyAsDouble(x) / metric.applyAsDouble(y)));
            }
        }
        return rs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A ratio at one load and test, for a verdict's worst case. */
    public record At(String load, String test, Spread ratio) {
    }

    /** Over loads x tests: the median ratios, and the one furthest from the target's side. */
    private Optional<At> extreme(String a, String b, List<String> loads, ToDoubleFunction<Row> metric, boolean lowest) {
        At worst = null;
        for (String l : loads) {
            for (String t : ServerBench.TESTS) {
                Optional<Spread> r = ratio(a, b, l, t, metric);
                if (r.isPresent() && (worst == null || (lowest ? r.get().median() < worst.ratio().median()
                        : r.get().median() > worst.ratio().median()))) {
                    worst = new At(l, t, r.get());
                }
            }
        }
        return Optional.ofNullable(worst);
    }

    /** The median over tests of the per-test median ratio (a summary figure). */
    private Optional<Double> medianOverTests(String a, String b, String load, ToDoubleFunction<Row> metric) {
        double[] ms = ServerBench.TESTS.stream().map(t -> ratio(a, b, load, t, metric)).flatMap(Optional::stream)
                .mapToDouble(Spread::median).toArray();
        return Spread.of(ms).map(Spread::median);
    }

    /**
     * The A/A noise floor at one load and test: the range of the per-round ratios of two identical
     * servers ({@link ServerBench#AA_OF} / {@link ServerBench#AA}), taken both ways (each ratio and
     * its inverse: an identical pair has no preferred side), so {@code lo <= 1 <= hi}. A figure
     * inside it is one two identical servers produced in this run.
     */
    public record Floor(double lo, double hi) {
        static Floor of(Spread aa) {
            return new Floor(Math.min(aa.min(), 1 / aa.max()), Math.max(aa.max(), 1 / aa.min()));
        }

        public boolean contains(double x) {
            return lo <= x && x <= hi;
        }

        String text() {
            return "[" + Analysis.fmt(lo) + "–" + Analysis.fmt(hi) + "]";
        }
    }

    /** Where a verdict's figure lies against this run's A/A noise floor. */
    public enum Noise {
        /** Two identical servers produced this ratio in this run: it cannot be told from noise. */
        INSIDE,
        /** Beyond what two identical servers produced in this run. */
        OUTSIDE,
        /** No A/A twin ran (or no figure): nothing to judge against. */
        NO_CONTROL
    }

    /**
     * One target of issue 11 and its figure; {@code noise} and {@code floor} (null without a
     * control) place the figure, the worst test's median ratio, against the A/A floor at the same
     * load and test. The status alone is the verdict: a miss inside the floor stays a miss.
     */
    public record Verdict(String comparison, String target, Analysis.Status status, String figure, Noise noise,
            Floor floor) {
        /** The verdict column: the status, and the A/A floor beside it. */
        public String text() {
            String s = switch (status) {
                case MET -> "met";
                case MISSED -> "**missed**";
                case NOT_RUN -> "not run";
            };
            return switch (noise) {
                case INSIDE -> s + ", inside the A/A noise floor " + floor.text();
                case OUTSIDE -> s + ", outside the A/A noise floor " + floor.text();
                case NO_CONTROL -> status == Analysis.Status.NOT_RUN ? s : s + " (no A/A control in this run)";
            };
        }
    }

    /** The A/A ratios of one metric at one load and test: promise / promise-aa, round by round. */
    public Optional<Spread> aa(String load, String test, ToDoubleFunction<Row> metric) {
        return ratio(ServerBench.AA_OF, ServerBench.AA, load, test, metric);
    }

    /** The A/A ratios of one metric at one load, all tests' rounds pooled. */
    public Optional<Spread> aaPooled(String load, ToDoubleFunction<Row> metric) {
        return Spread.of(roundRatios(ServerBench.AA_OF, ServerBench.AA, load, null, metric));
    }

    /** The A/A noise floor of one metric at one load and test, when the twin ran. */
    public Optional<Floor> floor(String load, String test, ToDoubleFunction<Row> metric) {
        return aa(load, test, metric).map(Floor::of);
    }

    private static final String P1 = "c50-P1";
    private static final String P16 = "c50-P16";

    /** One of issue 11's targets: the pair compared, in which metric, over which loads, and the bound. */
    private record Target(String comparison, String bound, DoublePredicate ok, boolean lowest, String a, String b,
            ToDoubleFunction<Row> metric, List<String> loads) {
    }

    private static final List<String> ALL_LOADS = ServerBench.LOADS.stream().map(Load::id).toList();

    private static final List<Target> TARGETS = List.of(
            new Target("fiber / promise, requests per second, every test and load", ">= 0.95", r -> r >= 0.95, true,
                    "fiber", "promise", RPS, ALL_LOADS),
            new Target("fiber / vthread, requests per second, every test at -c 50", ">= 1.0", r -> r >= 1.0, true,
                    "fiber", "vthread", RPS, List.of(P1, P16)),
            new Target("fiber / redis-server, requests per second at -c 50 -P 1", ">= 0.9", r -> r >= 0.9, true,
                    "fiber", "redis-server", RPS, List.of(P1)),
            new Target("fiber / redis-server, server CPU time per request at -c 50 -P 1", "<= 1.1", r -> r <= 1.1,
                    false, "fiber", "redis-server", CPU, List.of(P1)),
            new Target("fiber p99 / promise p99", "<= 1.2", r -> r <= 1.2, false, "fiber", "promise", P99,
                    ALL_LOADS));

    public List<Verdict> verdicts() {
        return TARGETS.stream().map(this::verdict).toList();
    }

    /**
     * A target's pair with every per-round ratio at every test of its loads pooled (so no single
     * test decides), beside the two identical servers' ratios pooled the same way; empty parts
     * where a system did not run.
     */
    public record Pooled(String comparison, Optional<Middle> pair, Optional<Middle> twins) {
    }

    /** The median and the middle half (25th to 75th percentile, interpolated) of {@code n} ratios. */
    public record Middle(double p25, double median, double p75, int n) {
        static Optional<Middle> of(double[] xs) {
            return sorted(xs).map(s -> new Middle(quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75), s.length));
        }

        String text() {
            return Analysis.fmt(median) + " (" + Analysis.fmt(p25) + "–" + Analysis.fmt(p75) + "), " + n + " ratios";
        }
    }

    public List<Pooled> pooled() {
        List<Pooled> out = new ArrayList<>();
        for (Target t : TARGETS) {
            out.add(new Pooled(t.comparison(), Middle.of(pooledRatios(t.a(), t.b(), t.loads(), t.metric())),
                    Middle.of(pooledRatios(ServerBench.AA_OF, ServerBench.AA, t.loads(), t.metric()))));
        }
        return out;
    }

    private double[] pooledRatios(String a, String b, List<String> loads, ToDoubleFunction<Row> metric) {
        return loads.stream().flatMapToDouble(l -> Arrays.stream(roundRatios(a, b, l, null, metric))).toArray();
    }

    /**
     * One verdict: the worst test's median ratio a/b over {@code loads} ({@code lowest}: the target
     * is a floor, so the lowest median is the worst) decides; beside it the A/A floor at that test
     * and load, and the same rule applied to the A/A pair (the worst of as many medians of two
     * identical servers: what this rule gives when nothing differs).
     */
    private Verdict verdict(Target g) {
        Optional<At> worst = extreme(g.a(), g.b(), g.loads(), g.metric(), g.lowest());
        if (worst.isEmpty()) {
            return new Verdict(g.comparison(), g.bound(), Analysis.Status.NOT_RUN, "needs " + g.a() + " and " + g.b(),
                    Noise.NO_CONTROL, null);
        }
        At w = worst.get();
        String summary = medianOverTests(g.a(), g.b(), P1, g.metric())
                .map(m -> "; median over the tests at " + P1 + ": " + Analysis.fmt(m)).orElse("");
        // How sure: how many test/load medians meet the target, and whether the worst one's rounds
        // fall on both sides of it (then this run cannot tell a miss from noise).
        int meet = 0;
        int all = 0;
        for (String l : g.loads()) {
            for (String test : ServerBench.TESTS) {
                Optional<Spread> r = ratio(g.a(), g.b(), l, test, g.metric());
                if (r.isPresent()) {
                    all++;
                    meet += g.ok().test(r.get().median()) ? 1 : 0;
                }
            }
        }
        String sure = "; " + meet + " of " + all + " test medians meet it"
                + (g.ok().test(w.ratio().min()) != g.ok().test(w.ratio().max())
                        ? "; the worst one's rounds fall on both sides of the target (within this run's noise)" : "");
        Floor floor = floor(w.load(), w.test(), g.metric()).orElse(null);
        Noise noise = floor == null ? Noise.NO_CONTROL
                : floor.contains(w.ratio().median()) ? Noise.INSIDE : Noise.OUTSIDE;
        // The same rule on the A/A pair, both ways round (the twin has no side): the worse of the two.
        Optional<At> aaWorst = extreme(ServerBench.AA_OF, ServerBench.AA, g.loads(), g.metric(), g.lowest());
        Optional<At> aaWorstInv = extreme(ServerBench.AA, ServerBench.AA_OF, g.loads(), g.metric(), g.lowest());
        if (aaWorst.isPresent() && aaWorstInv.isPresent()
                && (g.lowest() ? aaWorstInv.get().ratio().median() < aaWorst.get().ratio().median()
                        : aaWorstInv.get().ratio().median() > aaWorst.get().ratio().median())) {
            aaWorst = aaWorstInv;
        }
        String identical = aaWorst.map(x -> "; two identical servers (" + ServerBench.AA_OF + ", " + ServerBench.AA
                + ") by the same rule: worst " + Analysis.fmt(x.ratio().median()) + " (" + x.test() + " at " + x.load()
                + "), which " + (g.ok().test(x.ratio().median()) ? "meets" : "misses") + " the target").orElse("");
        return new Verdict(g.comparison(), g.bound(),
                g.ok().test(w.ratio().median()) ? Analysis.Status.MET : Analysis.Status.MISSED, "worst " + w.ratio().text() + " (" + w.test() + " at " + w.load() + ")" + summary + sure + identical,
                noise, floor);
    }

    // ------------------------------------------------------------------ report.md and charts

    /** One PNG per load: median requests per second per test, a bar per system. Returns load id -> file name. */
    public Map<String, String> charts(Path dir) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        for (Load l : ServerBench.LOADS) {
            CategoryChart c = chart(l.id());
            if (c != null) {
                String name = "server-" + l.id() + ".png";
                BitmapEncoder.saveBitmapWithDPI(c, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG, 120);
                files.put(l.id(), name);
            }
        }
        return files;
    }

    private static final Map<String, Color> COLORS = Map.of("fiber", new Color(0xD62728), "promise",
            new Color(0x1F77B4), ServerBench.AA, new Color(0x9EC9E9), "vthread", new Color(0x2CA02C), "redis-server",
            new Color(0x7F7F7F));

    CategoryChart chart(String load) {
        Load l = Load.of(load);
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520)
                .title("redis-benchmark -c " + l.clients() + " -P " + l.pipeline() + ": requests per second"
                        + " (median of the rounds)")
                .xAxisTitle("test").yAxisTitle("requests per second").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        boolean any = false;
        for (String s : ServerBench.SYSTEMS) {
            List<String> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (String t : tests(load)) {
                Optional<Spread> f = figure(s, load, t, RPS);
                if (f.isPresent()) {
                    xs.add(t);
                    ys.add(f.get().median());
                }
            }
            if (!xs.isEmpty() && xs.size() == tests(load).size()) {
                chart.addSeries(s.equals(ServerBench.AA) ? s + " (A/A twin of promise)" : s, xs, ys)
                        .setFillColor(COLORS.get(s));
                any = true;
            }
        }
        return any ? chart : null;
    }

    /**
     * What a p99 here rests on (redis-benchmark 7.0's source, {@code redis-benchmark.c}: latencies in
     * whole µs from {@code ustime()}, an HdrHistogram with a lowest value of 10 µs; measured by hand
     * for the rest, 2026-11-29 22:55-23:00Z).
     */
    static final String P99_NOTE = "What p99 rests on: redis-benchmark's `p99_latency_ms` comes from an HdrHistogram"
            + " of whole microseconds whose lowest value is 10 µs, so its buckets are 8 µs wide up to 16 ms (about 1 %"
            + " of a 0.7 ms p99; `--precision`, the histogram's significant digits, cannot go below that unit):"
            + " resolution is not the problem. With `-P 16` a pipeline's 16 replies share one sample (the time to its"
            + " first reply), so a run at -c 50 -P 16 has 25 000 distinct samples per unit of request scale, one at -P 1"
            + " 20 000. At scale 1 a run lasts 0.25-0.35 s, so its p99 is the worst 2.5-3.5 ms of it (at the default"
            + " scale, 3, the worst 7.5-10 ms), and on this shared 2-CPU machine a few stalls"
            + " of the server process decide that (a time slice given to another process; a young GC, 5-10 ms here),"
            + " each holding up every in-flight request of the 50 clients at once. Two identical promise servers'"
            + " p99s differed by 1.3-2.4x (median over tests and rounds, 4 trial runs); four times the requests per"
            + " run narrowed that only to 1.2-1.8x, for four times the time. So the p99 verdict is read against the"
            + " A/A floor of this run, below. At -c 50 -P 16 a GET allocates about 4 B in the fiber server and 22 B"
            + " in the promise one (eden used over 2 million requests), so a young GC (5-10 ms here) falls into a"
            + " run of promise now and then (one per 7 million requests, its young generation grown to 160-220 MB)"
            + " and of fiber hardly ever: a worse p99 of fiber's there is not a GC pause of fiber's.";

    /** The server section of report.md; {@code charts} from {@link #charts}. {@code note}: how it ran, or why not. */
    public String markdown(String note, Map<String, String> charts) {
        StringBuilder md = new StringBuilder();
        md.append("\n## Server: a RESP2 server under redis-benchmark (issue 11)\n\n");
        md.append("The same small Redis-protocol server (`loomcc.bench.redis`: one parser and keyspace) in three"
                + " styles: `fiber` (a fiber per connection on the loomcc loop, direct style: read, answer every"
                + " complete command, write, loop), `promise` (the same on `Lwt` binds, no fibers), `vthread` (a JDK"
                + " virtual thread per connection, blocking `java.net` sockets), each in a JVM of its own (`java -jar"
                + " bench/target/loomcc-bench.jar serve --style S --port N`), beside `redis-server` (C, one thread,"
                + " one event loop). `redis-benchmark -t T -c C -P P -n N --csv`, one run per test so that the"
                + " server's CPU time (user + system: the sum of its threads' run time in `/proc/PID/task/*/schedstat`, in ns, which"
                + " `/proc/PID/stat` gives in 10 ms ticks) can be divided by the requests it served."
                + " Figures: the median over the rounds and, in brackets, the range; ratios are taken round by round"
                + " (the systems run seconds apart within a round, in alternating order) and then the median and"
                + " range of those.\n\n");
        md.append(note).append("\n");
        if (rows.isEmpty()) {
            return md.toString();
        }
        md.append("\n").append(P99_NOTE).append("\n");
        md.append("\n### Targets\n\n| comparison | target | figure: median ratio (range over the rounds) | verdict |\n"
                + "|---|---|---|---|\n");
        for (Verdict v : verdicts()) {
            md.append("| ").append(v.comparison()).append(" | ").append(v.target()).append(" | ").append(v.figure())
                    .append(" | ").append(v.text()).append(" |\n");
        }
        if (ran(ServerBench.AA)) {
            md.append("\nThe A/A noise floor beside each verdict: `" + ServerBench.AA + "` is a second promise server"
                    + " (the same code in a JVM of its own) run as one more system in the same rounds, right after"
                    + " `promise`, so `promise/" + ServerBench.AA + "` are as far apart in time as `fiber/promise`."
                    + " The floor is the range of its per-round ratios to `promise` at the verdict's worst test and"
                    + " load, in the verdict's metric, taken both ways (each ratio and its inverse): ratios two"
                    + " identical servers produced in this run. A figure inside it cannot be told from noise by this"
                    + " run; the verdict itself is the target's, met or missed. The twin is promise's, not fiber's, so"
                    + " that any unsteadiness of fiber itself is not counted as noise (the tables below give the"
                    + " A/A ratios at every test and load).\n");
        } else {
            md.append("\nNo A/A control ran (`" + ServerBench.AA + "` was not among the systems): nothing tells a miss"
                    + " from noise in this run.\n");
        }
        md.append("\n### Every round pooled\n\nEach target's ratio taken round by round at every test of its loads, all"
                + " pooled: the median and, in brackets, the middle half (25th to 75th percentile). No single test"
                + " decides here, so this is what a typical request of these tests saw; beside it, the same for the"
                + " two identical servers (`" + ServerBench.AA_OF + " / " + ServerBench.AA + "`). The verdicts above"
                + " keep the issue's rule, the worst test's median.\n\n| comparison | ratio, every round pooled |"
                + " two identical servers, pooled |\n|---|---|---|\n");
        for (Pooled p : pooled()) {
            md.append("| ").append(p.comparison()).append(" | ").append(p.pair().map(Middle::text).orElse("not run"))
                    .append(" | ").append(p.twins().map(Middle::text).orElse("no A/A control")).append(" |\n");
        }
        for (Load l : ServerBench.LOADS) {
            String load = l.id();
            if (rows.stream().noneMatch(r -> r.load().equals(load))) {
                continue;
            }
            md.append("\n### -c ").append(l.clients()).append(" -P ").append(l.pipeline()).append(" (")
                    .append(l.requests()).append(" requests per test at scale 1)\n\n");
            md.append("Requests per second:\n\n| test |");
            ServerBench.COMPARED.forEach(s -> md.append(' ').append(s).append(" |"));
            md.append(" fiber/promise | fiber/vthread | fiber/redis-server |\n|---|");
            ServerBench.COMPARED.forEach(s -> md.append("---|"));
            md.append("---|---|---|\n");
            for (String t : tests(load)) {
                md.append("| ").append(t).append(" |");
                for (String s : ServerBench.COMPARED) {
                    md.append(' ').append(figure(s, load, t, RPS).map(ServerAnalysis::rps).orElse("not run")).append(" |");
                }
                for (String b : List.of("promise", "vthread", "redis-server")) {
                    md.append(' ').append(ratio("fiber", b, load, t, RPS).map(Spread::text).orElse("–")).append(" |");
                }
                md.append('\n');
            }
            md.append("\nLatency p50 / p99, ms (medians), and server CPU time per request, µs (median; fiber's"
                    + " ratio to redis-server):\n\n| test |");
            ServerBench.COMPARED.forEach(s -> md.append(' ').append(s).append(" p50 / p99 |"));
            ServerBench.COMPARED.forEach(s -> md.append(' ').append(s).append(" CPU |"));
            md.append(" CPU fiber/redis-server |\n|---|");
            ServerBench.COMPARED.forEach(s -> md.append("---|---|"));
            md.append("---|\n");
            for (String t : tests(load)) {
                md.append("| ").append(t).append(" |");
                for (String s : ServerBench.COMPARED) {
                    Optional<Spread> p50 = figure(s, load, t, P50);
                    Optional<Spread> p99 = figure(s, load, t, P99);
                    md.append(' ').append(p50.isPresent() && p99.isPresent()
                            ? Analysis.fmt(p50.get().median()) + " / " + Analysis.fmt(p99.get().median()) : "not run")
                            .append(" |");
                }
                for (String s : ServerBench.COMPARED) {
                    md.append(' ').append(figure(s, load, t, CPU).map(f -> Analysis.fmt(f.median())).orElse("not run"))
                            .append(" |");
                }
                md.append(' ').append(ratio("fiber", "redis-server", load, t, CPU).map(Spread::text).orElse("–"))
                        .append(" |\n");
            }
            if (ran(ServerBench.AA)) {
                md.append(aaTable(load));
            }
            String chart = charts.get(load);
            if (chart != null) {
                md.append("\n![server ").append(load).append("](").append(chart).append(")\n");
            }
        }
        return md.toString();
    }

    /** The A/A control at one load: promise / promise-aa per test, median (range) over the rounds. */
    String aaTable(String load) {
        StringBuilder md = new StringBuilder("\nA/A control, `" + ServerBench.AA_OF + " / " + ServerBench.AA
                + "` (two identical servers), median ratio (range over the rounds); the last row pools every"
                + " test's rounds:\n\n| test | requests per second | CPU per request | p50 | p99 |\n|---|---|---|---|---|\n");
        List<ToDoubleFunction<Row>> metrics = List.of(RPS, CPU, P50, P99);
        for (String t : tests(load)) {
            md.append("| ").append(t).append(" |");
            metrics.forEach(m -> md.append(' ').append(aa(load, t, m).map(Spread::text).orElse("–")).append(" |"));
            md.append('\n');
        }
        md.append("| all tests |");
        metrics.forEach(m -> md.append(' ').append(aaPooled(load, m).map(Spread::text).orElse("–")).append(" |"));
        return md.append('\n').toString();
    }

    private static String rps(Spread s) {
        return String.format(Locale.ROOT, "%.0f (%.0f–%.0f)", s.median(), s.min(), s.max());
    }
}
