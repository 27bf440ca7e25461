package loomcc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;
import loomcc.bench.Results.Row;

/**
 * Runs the grid through JMH's Java API (JMH's progress output stays on the console, with the gc
 * profiler on for bytes per op), then the side-by-side cells ({@link PairedBench}) whose ratios
 * decide the verdicts, and writes, into a folder: {@code results.csv}, {@code paired.csv},
 * {@code report.md} and one PNG per 2011 chart. Systems whose benchmark class is not on the class
 * path are "not run".
 *
 * <pre>
 * java -jar bench/target/loomcc-bench.jar [quick|full] [options]
 *   --out DIR             where to write (default bench/report, or report when run inside bench/)
 *   --systems a,b         fiber,lwt,vthread,completable,raw,baseline (default: all there are)
 *   --experiments a,b     basic,recurse,recurse2 (default: all)
 *   --blockers a,b        quick,medium,slow (default: each experiment's own)
 *   --sizes 50,1000       N (default: the profile's)
 *   --forks F --warmup W --iterations I --time-ms T   override the profile
 *   --render-only         redraw report.md and charts from DIR's csv files, run nothing
 *   --no-server           skip the server section (redis-benchmark; see ServerBench)
 *   --server-only         run the server section alone, then redraw the report from DIR's csv files
 *   --server-rounds R --server-scale S   the server section's rounds (5; full: 7) and request scale (3; full: 4)
 *   --server-pin off|auto|client   nothing pinned (the default), the servers on one CPU and redis-benchmark on
 *                         another (auto: when taskset is on the PATH and there are 2 CPUs or more), or only redis-benchmark
 *   --server-systems S1,S2,...  --server-loads c50-P1,...  --server-tests get,set,...   a part of the server section (e.g. with
 *                         --server-only); a system STYLE@JAR runs another build's jar, for a before/after
 * java -jar bench/target/loomcc-bench.jar serve --style fiber|promise|vthread --port N [--host H]
 * </pre>
 * A wrong command line gets one line on stderr that names the option and what it takes, and exit
 * status 2.
 * Then, when {@code redis-benchmark} is on the PATH, the server section ({@link ServerBench},
 * {@link ServerAnalysis}): {@code server.csv}, {@code server-run.txt} and one PNG per load.
 * After the grid, {@link HeapPerFiber} measures the heap per suspended fiber (100 000 of each of
 * fiber, raw, vthread among the systems run) into {@code heap.csv} in the same folder; the report
 * includes it. This needs the jar's Add-Exports, so run it with {@code java -jar}.
 */
public final class Report {

    /**
     * The two profiles.
     *
     * <p>quick must run the whole grid with all five systems and the baseline, and the
     * side-by-side cells, in under 10 minutes on 2 cores. Grid cells: 7 series x 5 systems + 3
     * baseline = 38 per N; side-by-side cells: 7 per N. A cell costs a fork (JVM start, JMH
     * setup, the gc profiler: about 0.6 s here) plus warmup and measurement. With 4 N that is 152
     * + 28 cells; at 3 x 0.25 s warmup + 6 x 0.15 s measurement (about 2.3 s a cell with the
     * fork) the run takes about 7 minutes. The N are 50 and 1000 (the linearity figure and the
     * 2011 end points), 200 and 600 (the curve's shape; enough to see quadratic growth). Warmup:
     * C2 has compiled the hot paths within the first 0.6 s (PrintCompilation). Measurement: this
     * machine is shared, and a neighbour's burst can double a cell's time for a second or so;
     * short iterations and a median score (see {@link #toRow}) keep one burst from deciding a
     * grid cell, and the verdicts' ratios come from the side-by-side cells ({@link PairedBench}),
     * which a burst slows on both sides alike. One fork per cell; the full profile has 2.
     *
     * <p>full: every N, 2 forks, 5 x 1 s warmup, 10 x 0.5 s measurement: 304 cells, about 2 hours.
     */
    enum Profile {
        QUICK(1, 3, 250, 6, 150, List.of(50, 200, 600, 1000)),
        FULL(2, 5, 1000, 10, 500, Grid.SIZES);

        final int forks;
        final int warmup;
        final int warmupMs;
        final int iterations;
        final int iterationMs;
        final List<Integer> sizes;

        Profile(int forks, int warmup, int warmupMs, int iterations, int iterationMs, List<Integer> sizes) {
            this.forks = forks;
            this.warmup = warmup;
            this.warmupMs = warmupMs;
            this.iterations = iterations;
            this.iterationMs = iterationMs;
            this.sizes = sizes;
        }
    }

    /** The command line, parsed. */
    record Args(Profile profile, Path out, Set<SystemId> systems, Set<Experiment> experiments,
            Set<Blocker> blockers, List<Integer> sizes, int forks, int warmup, int warmupMs, int iterations,
            int iterationMs, boolean renderOnly) {

        static Args parse(String... argv) {
            Profile profile = Profile.QUICK;
            Path out = Files.isDirectory(Path.of("bench")) ? Path.of("bench", "report") : Path.of("report");
            Set<SystemId> systems = EnumSet.allOf(SystemId.class);
            Set<Experiment> experiments = EnumSet.allOf(Experiment.class);
            Set<Blocker> blockers = EnumSet.allOf(Blocker.class);
            List<Integer> sizes = null;
            Integer forks = null;
            Integer warmup = null;
            Integer iterations = null;
            Integer timeMs = null;
            boolean renderOnly = false;
            for (int i = 0; i < argv.length; i++) {
                String a = argv[i];
                switch (a) {
                    case "quick", "--quick" -> profile = Profile.QUICK;
                    case "full", "--full" -> profile = Profile.FULL;
                    case "--profile" -> profile = profile(value(argv, ++i, a));
                    case "--out" -> out = Path.of(value(argv, ++i, a));
                    case "--systems" -> systems = list(value(argv, ++i, a), SystemId::of, SystemId.class);
                    case "--experiments" -> experiments = list(value(argv, ++i, a), Experiment::of, Experiment.class);
                    case "--blockers" -> blockers = list(value(argv, ++i, a), Blocker::of, Blocker.class);
                    case "--sizes" -> sizes = Arrays.stream(value(argv, ++i, a).split(","))
                            .map(s -> number(a, s.trim())).toList();
                    case "--forks" -> forks = number(a, value(argv, ++i, a));
                    case "--warmup" -> warmup = number(a, value(argv, ++i, a));
                    case "--iterations" -> iterations = number(a, value(argv, ++i, a));
                    case "--time-ms" -> timeMs = number(a, value(argv, ++i, a));
                    case "--render-only" -> renderOnly = true;
                    default -> throw new IllegalArgumentException("unknown argument " + a + "; " + USAGE);
                }
            }
            return new Args(profile, out, systems, experiments, blockers, sizes == null ? profile.sizes : sizes,
                    forks == null ? profile.forks : forks, warmup == null ? profile.warmup : warmup,
                    timeMs == null ? profile.warmupMs : timeMs, iterations == null ? profile.iterations : iterations,
                    timeMs == null ? profile.iterationMs : timeMs, renderOnly);
        }

        /** The command lines this jar takes (the class comment says what each option does). */
        static final String USAGE = "usage: [quick|full] [--out DIR] [--systems ...] [--experiments ...]"
                + " [--blockers ...] [--sizes N,...] [--forks F] [--warmup W] [--iterations I] [--time-ms T]"
                + " [--render-only] [--no-server | --server-only] [--server-rounds R] [--server-scale S]"
                + " [--server-pin off|auto|client] [--server-systems ...] [--server-loads ...] [--server-tests ...];"
                + " or: serve --style fiber|promise|vthread --port N [--host H]; see the Javadoc of loomcc.bench.Report";

        private static Profile profile(String v) {
            try {
                return Profile.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--profile " + v + ": one of quick, full", e);
            }
        }

        /** {@code v}, the value of option {@code name}, as a whole number. */
        static int number(String name, String v) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " " + v + ": not a whole number", e);
            }
        }

        static String value(String[] argv, int i, String name) {
            if (i >= argv.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return argv[i];
        }

        private static <E extends Enum<E>> Set<E> list(String csv, java.util.function.Function<String, E> of, Class<E> type) {
            Set<E> set = EnumSet.noneOf(type);
            for (String s : csv.split(",")) {
                try {
                    set.add(of.apply(s));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + s.trim() + "'; one of "
                            + Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                                    .collect(Collectors.joining(",")), e);
                }
            }
            return set;
        }

        /** The cells this run should measure (the systems whose class is there). */
        List<String> expectedCells(Set<SystemId> present) {
            List<String> cells = new ArrayList<>();
            for (SystemId s : present) {
                if (!s.inGrid()) {
                    continue;
                }
                for (Experiment e : experiments) {
                    for (Blocker b : s.hasBlockers() ? e.blockers() : List.of(Blocker.MEDIUM)) {
                        if (s.hasBlockers() && !blockers.contains(b)) {
                            continue;
                        }
                        for (int n : sizes) {
                            cells.add(cellId(e, s, s.hasBlockers() ? b : null, n));
                        }
                    }
                }
            }
            return cells;
        }
    }

    /**
     * A wrong command line: says what is wrong on stderr, without a stack trace (the message names
     * the option and the fix), and exits with status 2, as command-line tools do for misuse.
     */
    private static RuntimeException misuse(IllegalArgumentException e) {
        System.err.println("loomcc-bench: " + e.getMessage());
        System.exit(2);
        return e;                                        // not reached
    }

    static String cellId(Experiment e, SystemId s, Blocker b, int n) {
        return e.id() + "/" + s.id() + "/" + (b == null ? Results.NO_BLOCKER : b.id()) + "/" + n;
    }

    public static void main(String[] argv) throws IOException, RunnerException, InterruptedException {
        if (argv.length > 0 && argv[0].equals("serve")) {
            loomcc.bench.redis.RespServers.Options o;
            try {
                o = loomcc.bench.redis.RespServers.parse(argv);
            } catch (IllegalArgumentException e) {
                throw misuse(e);
            }
            loomcc.bench.redis.RespServers.serve(o);     // the RESP2 server (issue 11), not the report
            return;
        }
        ServerOptions server;
        Args args;
        try {
            server = ServerOptions.strip(argv);
            args = Args.parse(server.rest());
        } catch (IllegalArgumentException e) {
            throw misuse(e);
        }
        Files.createDirectories(args.out());
        if (server.only()) {
            runServer(args, server);
            Path grid = args.out().resolve("results.csv");
            render(args, Files.exists(grid) ? Results.read(grid) : new Results(List.of()),
                    gridHeader(args.out()).map(h -> h + SERVER_AGAIN)
                            .orElse("Rendered from " + grid + " (--server-only)."), List.of());
            return;
        }
        Path csv = args.out().resolve("results.csv");
        String header;
        List<String> missing = List.of();
        Results results;
        if (args.renderOnly()) {
            results = Results.read(csv);
            // A redraw keeps the line that says when and how the figures were measured.
            header = gridHeader(args.out()).map(h -> h + REDRAWN).orElse("Rendered from " + csv + " (--render-only).");
        } else {
            Set<SystemId> present = EnumSet.noneOf(SystemId.class);
            for (SystemId s : args.systems()) {
                if (s.available()) {
                    present.add(s);
                } else {
                    System.err.println("[report] " + s.id() + ": " + s.className() + " is not on the class path: not run");
                }
            }
            Instant start = Instant.now();
            results = run(args, present);
            results.write(csv);
            List<Paired.Ratio> paired = new ArrayList<>(runPaired(args, present));
            paired.addAll(runLinearity(args, present));
            Paired.write(args.out().resolve("paired.csv"), paired);
            Duration took = Duration.between(start, Instant.now()).truncatedTo(ChronoUnit.SECONDS);
            Set<String> got = results.rows().stream()
                    .map(r -> cellId(r.experiment(), r.system(), r.blocker(), r.n())).collect(Collectors.toSet());
            missing = args.expectedCells(present).stream().filter(c -> !got.contains(c)).toList();
            header = String.format(Locale.ROOT, "Run: profile `%s`, %d fork(s), %d x %d ms warmup, %d x %d ms"
                    + " measurement, N = %s; systems %s; %d cells and the side-by-side ones (%d forks each) in %s."
                    + " JVM: %s %s (%s);"
                    + " %d CPUs; %s %s. %s."
                    + " A score is the median of a cell's measurement iterations; ± is JMH's 99.9%% interval of the mean.",
                    args.profile().name().toLowerCase(Locale.ROOT), args.forks(), args.warmup(), args.warmupMs(),
                    args.iterations(), args.iterationMs(), args.sizes(),
                    present.stream().map(SystemId::id).collect(Collectors.joining(", ")), results.rows().size(),
                    pairedForks(args), took, System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                    System.getProperty("java.vm.vendor"), Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.name"), System.getProperty("os.arch"), start.truncatedTo(ChronoUnit.SECONDS));
            List<SystemId> heapSystems = present.stream().filter(HeapPerFiber::measurable).toList();
            if (!heapSystems.isEmpty()) {
                System.out.println("[report] heap per suspended fiber, 100 000 of each: " + heapSystems);
                try {
                    HeapPerFiber.run(args.out(), 100_000, heapSystems);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while measuring the heap per fiber", e);
                }
            }
            if (!missing.isEmpty()) {
                header += "\n\n**Cells that failed or did not run** (see JMH's output): " + String.join(", ", missing) + ".";
            }
            if (!server.skip()) {
                runServer(args, server);
            }
        }
        render(args, results, header, missing);
    }

    /**
     * The grid's "Run: profile ..." line of the folder's report.md, when there: a server section run
     * alone keeps the grid's account of how its figures were taken.
     */
    static java.util.Optional<String> gridHeader(Path out) throws IOException {
        Path md = out.resolve("report.md");
        if (!Files.exists(md)) {
            return java.util.Optional.empty();
        }
        return Files.readAllLines(md, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("Run: profile"))
                .findFirst().map(l -> l.replace(SERVER_AGAIN, "").replace(REDRAWN, ""));
    }

    private static final String SERVER_AGAIN = " The server section was run again alone (--server-only).";
    private static final String REDRAWN = " Redrawn from the csv files (--render-only).";

    /** Writes report.md and the charts from the results and the csv files in the output folder. */
    private static void render(Args args, Results results, String header, List<String> missing) throws IOException {
        List<Analysis.Heap> heap = HeapPerFiber.read(args.out().resolve("heap.csv"));
        Map<String, String> charts = Charts.draw(results, args.out());
        String md = new Analysis(results, heap, Paired.read(args.out().resolve("paired.csv"))).markdown(header, charts);
        ServerAnalysis sa = new ServerAnalysis(ServerBench.read(args.out().resolve("server.csv")));
        md += sa.markdown(serverNote(args.out()), sa.charts(args.out()));
        Files.writeString(args.out().resolve("report.md"), md, StandardCharsets.UTF_8);
        System.out.println("[report] wrote " + args.out().resolve("report.md")
                + " and " + charts.size() + " charts into " + args.out());
        if (!missing.isEmpty()) {
            System.err.println("[report] " + missing.size() + " cells failed or did not run: " + missing);
            System.exit(1);
        }
    }

    /**
     * The server section's options, taken out of the command line before {@link Args#parse}:
     * {@code --no-server} (skip it), {@code --server-only} (run it alone and redraw the report from
     * the folder's csv files), {@code --server-rounds R} (default 5, full 7), {@code --server-scale S}
     * (multiplies the request counts; default 3, the full profile 4), {@code --server-pin MODE} (or
     * {@code --server-pin=MODE}; {@link ServerBench.Pinning#choose}: {@code off}, the default (pinning
     * did not narrow the A/A floor here: see {@link ServerBench}); {@code auto} pins the servers to one
     * CPU and redis-benchmark to another when it can; {@code client} pins redis-benchmark alone).
     */
    record ServerOptions(boolean skip, boolean only, Integer rounds, Integer scale, List<String> systems,
            List<ServerBench.Load> loads, List<String> tests, String pin, String[] rest) {
        static ServerOptions strip(String[] argv) {
            boolean skip = false;
            boolean only = false;
            Integer rounds = null;
            Integer scale = null;
            List<String> systems = ServerBench.SYSTEMS;
            List<ServerBench.Load> loads = ServerBench.LOADS;
            List<String> tests = ServerBench.TESTS;
            String pin = "off";
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < argv.length; i++) {
                switch (argv[i]) {
                    case "--no-server" -> skip = true;
                    case "--server-only" -> only = true;
                    case "--server-rounds" -> rounds = Args.number(argv[i], Args.value(argv, ++i, argv[i - 1]));
                    case "--server-scale" -> scale = Args.number(argv[i], Args.value(argv, ++i, argv[i - 1]));
                    case "--server-systems" -> systems = List.of(Args.value(argv, ++i, argv[i - 1]).split(","));
                    case "--server-loads" -> loads = java.util.Arrays.stream(Args.value(argv, ++i, argv[i - 1])
                            .split(",")).map(ServerBench.Load::of).toList();
                    case "--server-tests" -> tests = List.of(Args.value(argv, ++i, argv[i - 1]).split(","));
                    case "--server-pin" -> pin = Args.value(argv, ++i, argv[i - 1]);
                    default -> {
                        if (argv[i].startsWith("--server-pin=")) {
                            pin = argv[i].substring("--server-pin=".length());
                        } else {
                            rest.add(argv[i]);
                        }
                    }
                }
            }
            return new ServerOptions(skip, only, rounds, scale, systems, loads, tests,
                    ServerBench.Pinning.requireMode(pin), rest.toArray(String[]::new));
        }
    }

    /** Runs the server section ({@link ServerBench}) into the output folder, when redis-benchmark is there. */
    private static void runServer(Args args, ServerOptions o) throws IOException {
        if (ServerBench.onPath("redis-benchmark").isEmpty()) {
            System.err.println("[report] " + ServerBench.INSTALL);
            return;
        }
        // 5 rounds, not 3: on this shared 2-CPU machine a single round's fiber/promise ratio ranges
        // over 0.5-1.2 (c50-P1, 6 rounds, 21:00Z), so a median of 3 moves by more than the 5 % the
        // targets ask to see; 5 rounds add about 1.5 min to the quick report's ~9 (grid 6, server 3).
        // The A/A twin (ServerBench.AA) is a fifth system: a quarter more (4 min 16 s -> about 5 1/2).
        int rounds = o.rounds() != null ? o.rounds() : args.profile() == Profile.FULL ? 7 : 5;
        // Scale 3, not 1: three times the requests per run (a -c 1000 run 0.25 s -> 0.75 s) halved
        // the spread of fiber/promise at -c 1000 (quartiles of the per-round ratios 0.87-1.14 ->
        // 0.97-1.06) and lifted the worst-test figure from 0.77-0.91 to 0.90-0.97 (fiber, promise
        // and the twin, 4 runs each way alternating, 2026-11-30 02:08-02:44Z); the pooled medians
        // stayed 1.00-1.02 both ways. The section takes about 10 minutes instead of 5 1/2.
        int scale = o.scale() != null ? o.scale() : args.profile() == Profile.FULL ? 4 : 3;
        ServerBench.Pinning pin = ServerBench.Pinning.choose(o.pin(), ServerBench.allowedCpus(),
                ServerBench.onPath("taskset"));
        System.out.println("[server] " + pin.text());
        Instant start = Instant.now();
        try {
            ServerBench.run(args.out(), o.systems(), o.loads(), o.tests(), rounds, scale, pin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the server benchmark", e);
        }
        Files.writeString(args.out().resolve("server-run.txt"), String.format(Locale.ROOT,
                "Run: %d rounds after a warm-up round, request counts x %d, %s; %s on %d CPUs; `ulimit -n` %s. %s",
                rounds, scale, Duration.between(start, Instant.now()).truncatedTo(ChronoUnit.SECONDS),
                start.truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(), ulimitN(),
                pin.text()),
                StandardCharsets.UTF_8);
    }

    private static String ulimitN() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "ulimit -n").start();
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** How the server section ran ({@code server-run.txt}), or how to make it run. */
    private static String serverNote(Path out) throws IOException {
        Path run = out.resolve("server-run.txt");
        if (Files.exists(out.resolve("server.csv")) && Files.exists(run)) {
            return Files.readString(run, StandardCharsets.UTF_8).trim() + " redis-benchmark "
                    + (ServerBench.onPath("redis-benchmark").isPresent() ? "from " + ServerBench.onPath("redis-benchmark").get() : "")
                    + ".";
        }
        return ServerBench.INSTALL;
    }

    /** Runs JMH: one Runner per distinct parameter set (the baseline; a blocker filter splits basic from recurse*). */
    static Results run(Args args, Set<SystemId> present) throws RunnerException {
        List<Row> rows = new ArrayList<>();
        Set<SystemId> withBlockers = EnumSet.noneOf(SystemId.class);
        present.stream().filter(s -> s.hasBlockers() && s.inGrid()).forEach(withBlockers::add);
        boolean allBlockers = args.blockers().equals(EnumSet.allOf(Blocker.class));
        List<Map.Entry<Set<Experiment>, Set<Blocker>>> groups = new ArrayList<>();
        if (allBlockers) {
            groups.add(Map.entry(args.experiments(), Set.of())); // each state's own @Param blockers: the grid
        } else {
            for (Experiment e : args.experiments()) {
                Set<Blocker> bs = EnumSet.noneOf(Blocker.class);
                e.blockers().stream().filter(args.blockers()::contains).forEach(bs::add);
                if (!bs.isEmpty()) {
                    groups.add(Map.entry(EnumSet.of(e), bs));
                }
            }
        }
        if (!withBlockers.isEmpty()) {
            for (var g : groups) {
                rows.addAll(runOnce(args, withBlockers, g.getKey(), g.getValue()));
            }
        }
        if (present.contains(SystemId.BASELINE)) {
            rows.addAll(runOnce(args, EnumSet.of(SystemId.BASELINE), args.experiments(), EnumSet.of(Blocker.MEDIUM)));
        }
        return new Results(rows);
    }

    /** JMH options with the run's forks, warmup and measurement (the profile's, or the overrides). */
    private static ChainedOptionsBuilder profileOptions(Args args) {
        return new OptionsBuilder()
                .forks(args.forks())
                .warmupIterations(args.warmup()).warmupTime(TimeValue.milliseconds(args.warmupMs()))
                .measurementIterations(args.iterations()).measurementTime(TimeValue.milliseconds(args.iterationMs()));
    }

    /**
     * The side-by-side cells ({@link PairedBench}): one per series this run covers whose whole
     * group ({@link Paired#group}) is present, at every N; the profile's iterations. Returns the
     * ratios ({@link Paired#ratios}).
     */
    static List<Paired.Ratio> runPaired(Args args, Set<SystemId> present) throws RunnerException {
        List<Series> series = Grid.series().stream()
                .filter(x -> args.experiments().contains(x.experiment()) && args.blockers().contains(x.blocker()))
                .filter(x -> present.containsAll(Paired.group(x))).toList();
        if (series.isEmpty()) {
            return List.of();
        }
        // Two forks at least: one fork's JIT can move a side-by-side ratio by 5-8 % (two runs of the
        // same code read basic-medium fiber/rawloop 1.24 and 1.34 at N=1000, each within 1.33-1.35
        // over its iterations). The ratios take the iterations of both forks.
        ChainedOptionsBuilder ob = profileOptions(args)
                .forks(pairedForks(args))
                .include(methodsOf(PairedBench.class.getName(), "sideBySide"))
                .param("series", series.stream().map(Series::id).toArray(String[]::new))
                .param("n", args.sizes().stream().map(String::valueOf).toArray(String[]::new));
        List<Paired.Ratio> out = new ArrayList<>();
        for (RunResult rr : new Runner(ob.build()).run()) {
            Series x = Series.of(rr.getParams().getParam("series"));
            int n = Integer.parseInt(rr.getParams().getParam("n"));
            List<IterationResult> its = iterations(rr);
            for (SystemId[] p : Paired.pairs(x)) {
                Paired.ratios(x, n, p[0], p[1], nanos(its, p[0]), nanos(its, p[1])).ifPresent(out::add);
            }
        }
        return out;
    }

    /**
     * recurse2's linearity side by side ({@link LinearityBench}): for fiber and raw, each recurse2
     * series this run covers, when the run's sizes include 50 and 1000. Each result is a
     * {@link Paired.Ratio} of a system over itself at N=1000 ({@link Paired#growth}).
     */
    static List<Paired.Ratio> runLinearity(Args args, Set<SystemId> present) throws RunnerException {
        List<String> systems = java.util.stream.Stream.of(SystemId.FIBER, SystemId.RAW)
                .filter(present::contains).map(SystemId::id).toList();
        List<Series> series = Grid.series().stream()
                .filter(x -> x.experiment() == Experiment.RECURSE2 && args.experiments().contains(x.experiment())
                        && args.blockers().contains(x.blocker()))
                .toList();
        if (systems.isEmpty() || series.isEmpty()
                || !args.sizes().contains(LinearityBench.SMALL_N) || !args.sizes().contains(LinearityBench.LARGE_N)) {
            return List.of();
        }
        ChainedOptionsBuilder ob = profileOptions(args)
                .forks(pairedForks(args))
                .include(methodsOf(LinearityBench.class.getName(), "bothDepths"))
                .param("system", systems.toArray(String[]::new))
                .param("series", series.stream().map(Series::id).toArray(String[]::new));
        List<Paired.Ratio> out = new ArrayList<>();
        for (RunResult rr : new Runner(ob.build()).run()) {
            Series x = Series.of(rr.getParams().getParam("series"));
            SystemId sys = SystemId.of(rr.getParams().getParam("system"));
            List<IterationResult> its = iterations(rr);
            Paired.ratios(x, LinearityBench.LARGE_N, sys, sys, counter(its, "large"), counter(its, "small"))
                    .ifPresent(out::add);
        }
        return out;
    }

    /** JMH's include pattern for the benchmark methods {@code methods} (an alternation) of one class. */
    static String methodsOf(String className, String methods) {
        return "^" + className.replace(".", "\\.") + "\\.(" + methods + ")$";
    }

    /** Forks of each side-by-side cell: the profile's, and two at least (see runPaired). */
    static int pairedForks(Args args) {
        return Math.max(2, args.forks());
    }

    /** Every measurement iteration of a cell, over its forks. */
    private static List<IterationResult> iterations(RunResult rr) {
        return rr.getBenchmarkResults().stream().flatMap(br -> br.getIterationResults().stream()).toList();
    }

    /** {@code system}'s nanoseconds in each iteration (PairedBench.Nanos); 0 where it has none. */
    private static long[] nanos(List<IterationResult> its, SystemId system) {
        return counter(its, system.id());
    }

    /** An auxiliary counter's value in each iteration; 0 where it has none. */
    private static long[] counter(List<IterationResult> its, String name) {
        return its.stream().mapToLong(it -> {
            Result<?> r = it.getSecondaryResults().get(name);
            return r == null ? 0 : Math.round(r.getScore());
        }).toArray();
    }

    private static List<Row> runOnce(Args args, Set<SystemId> systems, Set<Experiment> experiments, Set<Blocker> blockers)
            throws RunnerException {
        String methods = experiments.stream().map(Experiment::id).collect(Collectors.joining("|"));
        ChainedOptionsBuilder ob = profileOptions(args)
                .addProfiler(GCProfiler.class)
                .param("n", args.sizes().stream().map(String::valueOf).toArray(String[]::new));
        // JVM flags come from each class's @Fork (Grid.ADD_EXPORTS, VThreadBench's scheduler flags):
        // setting jvmArgs* here would replace them.
        for (SystemId s : systems) {
            ob.include(methodsOf(s.className(), methods));
        }
        if (!blockers.isEmpty()) {
            ob.param("blocker", blockers.stream().map(Blocker::id).toArray(String[]::new));
        }
        Collection<RunResult> runs = new Runner(ob.build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult rr : runs) {
            Row row = toRow(rr);
            if (row != null) {
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * One cell from JMH's result. The score is the median of the measurement iterations (all
     * forks), not JMH's mean: on a shared machine a neighbour's burst slows a few iterations by
     * up to 2x, and the median ignores them while the mean does not. The error is JMH's 99.9%
     * half-interval of the mean, which shows how noisy the cell was.
     */
    static Row toRow(RunResult rr) {
        String bench = rr.getParams().getBenchmark();
        int dot = bench.lastIndexOf('.');
        SystemId system = SystemId.ofClass(bench.substring(0, dot));
        if (system == null) {
            return null;
        }
        Experiment e = Experiment.of(bench.substring(dot + 1));
        Blocker b = system.hasBlockers() ? Blocker.of(rr.getParams().getParam("blocker")) : null;
        int n = Integer.parseInt(rr.getParams().getParam("n"));
        Result<?> primary = rr.getPrimaryResult();
        double bytes = Double.NaN;
        for (String key : rr.getSecondaryResults().keySet()) {
            if (key.endsWith("gc.alloc.rate.norm")) { // "·gc.alloc.rate.norm" before JMH 1.37
                bytes = rr.getSecondaryResults().get(key).getScore();
            }
        }
        return new Row(e, system, b, n, score(primary.getStatistics(), primary.getScore()), primary.getScoreError(),
                primary.getScoreUnit(), bytes);
    }

    /** The median of the iterations, or {@code mean} when JMH kept none. */
    static double score(Statistics iterations, double mean) {
        return iterations.getN() > 0 ? iterations.getPercentile(50) : mean;
    }
}
