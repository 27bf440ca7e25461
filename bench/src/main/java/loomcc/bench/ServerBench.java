package loomcc.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The report's server section, measured: {@code redis-benchmark} against the RESP2 server in each
 * style ({@code loomcc.bench.redis}, each in a JVM of its own started with this jar's
 * {@code serve} command) and against {@code redis-server} when installed. Each test runs as its
 * own {@code redis-benchmark} invocation, so the server's CPU time over it (user + system, from
 * {@code /proc}: see {@link Server#cpuNanos}) can be divided by the requests it served.
 *
 * <p>Order: every server gets one warm-up pass of every test and load first (the JIT compiles the
 * request path; redis-server gets one too, for symmetry); then {@code rounds} rounds, each going
 * through every load and test, and for each of those through every system, in alternating order: the systems being compared run seconds apart, in both
 * orders, so a burst of load on this shared machine slows them alike and the per-round ratios are
 * steady where the raw figures are not.
 * (Odd rounds take the list's order, even rounds the reverse.)
 *
 * <p>The A/A control: {@link #AA} is a second promise server, the same code in a JVM of its own,
 * run as one more system in the same rounds. Its ratios to {@code promise} are what two identical
 * servers show on this machine in this run: the noise floor each verdict is read against
 * ({@link ServerAnalysis}). Why a twin of promise and not of fiber: fiber is the system under test
 * in every verdict, so a fiber twin would widen the floor by any real unsteadiness of fiber itself
 * (a stall, a GC pause) and excuse the very defect a verdict should show; promise is the other side
 * of the two verdicts most in doubt (fiber/promise requests per second and p99), so promise/promise-aa
 * is exactly how fiber/promise would spread if fiber behaved like promise. The twin sits right after
 * promise in the order, so promise/promise-aa are as far apart in time, and in the same order each
 * round, as fiber/promise.
 *
 * <p>Pinning ({@link Pinning}), opt-in: {@code --server-pin auto} runs every server on one CPU and
 * redis-benchmark on another ({@code taskset -c}). It is not the default because it did not narrow
 * the A/A floor on this 2-CPU machine (2026-11-30 00:20-01:28Z, runs alternating pinned and free).
 * A part (fiber, promise, promise-aa; ping_mbulk, get, set at c50-P1 and c1000-P1; 5 rounds; 6 runs
 * each way): the twins' per-round requests-per-second ratio strayed from 1 by a median 2.7 % pinned
 * against 5.8 % free at c50-P1 (6.3 % against 11 % at c1000-P1), but the range of the rounds, the
 * floor, was as wide, and single rounds' p99 jumped more often (A/A p99 ratios beyond 2x: 9 of 180
 * pinned, 1 of 180 free: a server pinned to a CPU a neighbour is using cannot move away). The whole
 * section (5 systems, 6 tests, 3 loads, 5 rounds; 3 runs each way): 1.8 % against 2.5 % at c50-P1,
 * 8.3 % against 6.4 % at c1000-P1; the worst-test rule on the twins gave 0.82-0.93 pinned against
 * 0.93-0.94 free (requests per second) and 1.23-1.30 against 1.29-1.39 (p99): no verdict became
 * decidable. Pinning also changes what is compared: on one CPU a JVM runs the Serial GC and the
 * vthread server has one carrier, which made vthread faster (c50-P1: 90 000 requests per second
 * against 81 000, 10.4 against 12.3 µs of CPU per request) and fiber/vthread at c50-P1 0.96-0.98
 * against 1.03-1.05 free.
 *
 * <p>{@code server.csv}: {@code round,system,load,test,requests,rps,p50_ms,p99_ms,cpu_ms}
 * (round 0 is the warm-up, not used in the figures).
 */
public final class ServerBench {
    private ServerBench() {
    }

    public static final String HEADER = "round,system,load,test,requests,rps,p50_ms,p99_ms,cpu_ms";

    /** The A/A control: a second, identical promise server (see the class comment). */
    public static final String AA = "promise-aa";

    /** The system {@link #AA} is a twin of. */
    public static final String AA_OF = "promise";

    /**
     * The systems, in run order: loomcc's three styles with the A/A twin right after promise, then
     * the C server.
     */
    public static final List<String> SYSTEMS = List.of("fiber", "promise", AA, "vthread", "redis-server");

    /** The systems the report's tables and verdicts compare (all but the A/A twin). */
    public static final List<String> COMPARED = List.of("fiber", "promise", "vthread", "redis-server");

    /** redis-benchmark's tests as separate invocations (-t ping runs the first two). */
    public static final List<String> TESTS = List.of("ping_inline", "ping_mbulk", "set", "get", "incr", "mset");

    /** A load: clients at once, pipeline depth, requests per test at scale 1. */
    public record Load(int clients, int pipeline, int requests) {
        public String id() {
            return "c" + clients + "-P" + pipeline;
        }

        /** The load named {@code id} ({@link #id()}). */
        public static Load of(String id) {
            for (Load l : LOADS) {
                if (l.id().equals(id)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("unknown load " + id);
        }
    }

    /**
     * The three loads, with their request counts at scale 1: a run of 0.25-0.5 s here. The
     * report multiplies them by 3 (see {@code Report}'s choice of scale: shorter runs measured noise).
     */
    public static final List<Load> LOADS = List.of(new Load(50, 1, 20_000), new Load(50, 16, 400_000),
            new Load(1000, 1, 20_000));

    /** One redis-benchmark run. */
    public record Row(int round, String system, String load, String test, long requests, double rps, double p50Ms,
            double p99Ms, double cpuMs) {
        /** Server CPU time per request, µs. */
        public double cpuUsPerRequest() {
            return cpuMs * 1000 / requests;
        }

        String csv() {
            return String.format(Locale.ROOT, "%d,%s,%s,%s,%d,%.2f,%.3f,%.3f,%.1f", round, system, load, test,
                    requests, rps, p50Ms, p99Ms, cpuMs);
        }

        static Row parse(String line) {
            String[] f = line.split(",");
            return new Row(Integer.parseInt(f[0]), f[1], f[2], f[3], Long.parseLong(f[4]), Double.parseDouble(f[5]),
                    Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]));
        }
    }

    /** The path of a program on the PATH, if there. */
    public static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** What the report says when redis-benchmark is missing. */
    public static final String INSTALL = "`redis-benchmark` is not on the PATH: install Debian's `redis-tools`"
            + " (and `redis-server` for the C server beside loomcc's), e.g. `sudo apt-get install redis-tools"
            + " redis-server`, then run the report again.";

    /**
     * Where the servers and {@code redis-benchmark} run: each server process (loomcc's JVMs and
     * redis-server alike) started as {@code taskset -c SERVER_CPU ...}, redis-benchmark as
     * {@code taskset -c CLIENT_CPU ...}, or left to the scheduler ({@code null} CPU). Pinned, the
     * client and the server do not migrate or share a core's caches and time slices with each other
     * (measured both ways: see the class comment). A JVM started on one CPU sees
     * {@code availableProcessors() == 1}: its ergonomics pick the Serial GC (not G1) and the vthread
     * server gets one carrier thread. {@code why}: how it was chosen, for the report's text.
     * {@code taskset} execs the program, so the process's pid is the server's own (its CPU clock
     * reads the server, not the wrapper).
     */
    public record Pinning(Integer serverCpu, Integer clientCpu, String taskset, String why) {
        /** Nothing pinned, for the reason {@code why}. */
        public static Pinning off(String why) {
            return new Pinning(null, null, null, why);
        }

        /** The modes of {@code --server-pin}; the report's default is {@code off} (see the class comment). */
        public static final List<String> MODES = List.of("off", "auto", "client");

        /**
         * The pinning for {@code --server-pin MODE} on a machine whose CPUs this process may use are
         * {@code cpus} (ascending) and whose {@code taskset} is at {@code taskset} (empty: not on the
         * PATH). {@code off} (the report's default): nothing pinned. {@code auto}: the server on the
         * first CPU and the client on the second, when taskset is there and there are two CPUs or
         * more; otherwise off, saying why. {@code client}: only redis-benchmark, on the second CPU.
         */
        public static Pinning choose(String mode, List<Integer> cpus, Optional<Path> taskset) {
            requireMode(mode);
            if (mode.equals("off")) {
                return off("--server-pin off, the default: pinning did not narrow the A/A floor on a"
                        + " 2-CPU machine; `--server-pin auto` pins the servers to one CPU and redis-benchmark to"
                        + " another");
            }
            if (taskset.isEmpty()) {
                return off("`taskset` is not on the PATH (Debian's util-linux has it)");
            }
            if (cpus.size() < 2) {
                return off("this process may use " + cpus.size() + " CPU" + (cpus.size() == 1 ? "" : "s")
                        + " (" + cpus + "), and pinning needs two");
            }
            String t = taskset.get().toString();
            return mode.equals("client") ? new Pinning(null, cpus.get(1), t, "--server-pin client")
                    : new Pinning(cpus.get(0), cpus.get(1), t, "--server-pin " + mode);
        }

        /**
         * {@code mode} if it is one of {@link #MODES}.
         *
         * @throws IllegalArgumentException naming the modes otherwise
         */
        public static String requireMode(String mode) {
            if (!MODES.contains(mode)) {
                throw new IllegalArgumentException("unknown --server-pin " + mode + ": one of " + String.join(", ", MODES));
            }
            return mode;
        }

        /** What a server's command line starts with: {@code taskset -c CPU}, or nothing. */
        public List<String> serverPrefix() {
            return prefix(serverCpu);
        }

        /** What redis-benchmark's command line starts with. */
        public List<String> clientPrefix() {
            return prefix(clientCpu);
        }

        private List<String> prefix(Integer cpu) {
            return cpu == null ? List.of() : List.of(taskset, "-c", cpu.toString());
        }

        /** The report's sentence on it. */
        public String text() {
            if (serverCpu == null && clientCpu == null) {
                return "Not pinned (" + why + "): the servers and redis-benchmark ran wherever the scheduler put"
                        + " them, each JVM seeing every CPU (with two or more: the G1 GC, and a carrier thread per CPU for"
                        + " vthread).";
            }
            String client = "redis-benchmark on CPU " + clientCpu + " (`taskset -c " + clientCpu + "`)";
            if (serverCpu == null) {
                return "Pinned (" + why + "): " + client + "; the servers not pinned (each JVM sees every CPU).";
            }
            return "Pinned (" + why + "): every server (the JVMs and redis-server alike) on CPU " + serverCpu
                    + " (`taskset -c " + serverCpu + "`), " + client + ", so client and server never share or"
                    + " swap a core. A JVM on one CPU sees one processor: it runs the Serial GC (not G1) and the"
                    + " vthread server has one carrier thread.";
        }
    }

    /**
     * The CPUs this process may run on ({@code Cpus_allowed_list} in {@code /proc/self/status},
     * proc(5)), ascending; empty where that is not there.
     */
    public static List<Integer> allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseCpuList(line.substring(line.indexOf(':') + 1));
                }
            }
        } catch (IOException e) {
            // not Linux, or no /proc: nothing known
        }
        return List.of();
    }

    /** A kernel CPU list ({@code 0-3,6,8-9}) as numbers, ascending. */
    static List<Integer> parseCpuList(String list) {
        java.util.TreeSet<Integer> cpus = new java.util.TreeSet<>();
        for (String part : list.trim().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            int lo = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).trim());
            int hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1).trim());
            for (int c = lo; c <= hi; c++) {
                cpus.add(c);
            }
        }
        return List.copyOf(cpus);
    }

    /**
     * Runs the whole server benchmark and writes {@code server.csv} into {@code dir}.
     *
     * @param rounds measured rounds, at least 1
     * @param scale  multiplies each load's request count
     */
    public static List<Row> run(Path dir, List<String> systems, int rounds, int scale)
            throws IOException, InterruptedException {
        return run(dir, systems, LOADS, rounds, scale);
    }

    /**
     * {@link #run(Path, List, int, int)} on some of the loads. A system may also be
     * {@code STYLE@JAR}: that style served by another build's jar ({@code java -jar JAR serve}),
     * to compare two versions of the code side by side in one interleaved run.
     */
    public static List<Row> run(Path dir, List<String> systems, List<Load> loads, int rounds, int scale)
            throws IOException, InterruptedException {
        return run(dir, systems, loads, TESTS, rounds, scale);
    }

    /** {@link #run(Path, List, List, int, int)} on some of the tests ({@link #TESTS}' names). */
    public static List<Row> run(Path dir, List<String> systems, List<Load> loads, List<String> tests, int rounds,
            int scale) throws IOException, InterruptedException {
        return run(dir, systems, loads, tests, rounds, scale, Pinning.off("not asked"));
    }

    /** {@link #run(Path, List, List, List, int, int)} with the servers and the client pinned as {@code pin} says. */
    public static List<Row> run(Path dir, List<String> systems, List<Load> loads, List<String> tests, int rounds,
            int scale, Pinning pin) throws IOException, InterruptedException {
        for (String t : tests) {
            if (!TESTS.contains(t)) {
                throw new IllegalArgumentException("unknown test " + t + ": the tests are " + TESTS);
            }
        }
        Path bench = onPath("redis-benchmark").orElseThrow(() -> new IllegalStateException(INSTALL));
        List<String> present = new ArrayList<>();
        for (String s : systems) {
            if (s.equals("redis-server") && onPath("redis-server").isEmpty()) {
                System.err.println("[server] redis-server is not on the PATH: not run");
                continue;
            }
            present.add(s);
        }
        Map<String, Server> servers = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        try {
            for (String s : present) {
                servers.put(s, Server.start(s, pin.serverPrefix()));
            }
            for (int round = 0; round <= rounds; round++) {
                List<String> order = new ArrayList<>(present);
                if (round % 2 == 0) {
                    java.util.Collections.reverse(order);   // round 0 (warm-up) and even rounds: reversed
                }
                for (Load l : loads) {
                    for (String test : tests) {
                        for (String s : order) {
                            Row r = runOne(bench, pin.clientPrefix(), servers.get(s), round, l, test, round == 0 ? 1 : scale);
                            rows.add(r);
                            System.out.printf(Locale.ROOT, "[server] round %d %-12s %-9s %-11s %10.0f req/s p50 %.3f"
                                    + " p99 %.3f ms, cpu %.2f us/req%n", round, s, l.id(), test, r.rps(), r.p50Ms(),
                                    r.p99Ms(), r.cpuUsPerRequest());
                        }
                    }
                }
            }
        } finally {
            servers.values().forEach(Server::stop);
        }
        write(dir.resolve("server.csv"), rows);
        return rows;
    }

    private static Row runOne(Path bench, List<String> pin, Server server, int round, Load l, String test, int scale)
            throws IOException, InterruptedException {
        long n = (long) l.requests() * scale;
        long cpu0 = server.cpuNanos();
        Process p = new ProcessBuilder(clientCommand(pin, bench, server.port, l, test, n)).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("redis-benchmark failed against " + server.name + ": " + out);
        }
        long cpu1 = server.cpuNanos();
        for (String line : out.split("\n")) {
            String[] f = line.replace("\"", "").trim().split(",");
            if (f.length >= 7 && !f[0].equals("test")) {
                return new Row(round, server.name, l.id(), test, n, Double.parseDouble(f[1]), Double.parseDouble(f[4]),
                        Double.parseDouble(f[6]), (cpu1 - cpu0) / 1e6);
            }
        }
        throw new IOException("no result from redis-benchmark against " + server.name + ": " + out);
    }

    /** redis-benchmark's command line for one test: {@code pin} (a taskset prefix, or empty) first. */
    static List<String> clientCommand(List<String> pin, Path bench, int port, Load l, String test, long n) {
        List<String> cmd = new ArrayList<>(pin);
        cmd.addAll(List.of(bench.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-c",
                Integer.toString(l.clients()), "-P", Integer.toString(l.pipeline()), "-n", Long.toString(n), "-t", test,
                "--csv"));
        return cmd;
    }

    /**
     * A server's command line: {@code pin} (a taskset prefix, or empty) first, then redis-server on
     * {@code port}, or this code's {@code serve} (another build's jar for {@code STYLE@JAR}) on a
     * free port it prints.
     */
    static List<String> serverCommand(List<String> pin, String system, int port) {
        List<String> cmd = new ArrayList<>(pin);
        if (system.equals("redis-server")) {
            cmd.addAll(List.of(onPath("redis-server").map(Path::toString).orElse("redis-server"), "--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxclients",
                    "4096"));
            return cmd;
        }
        List<String> serve = serveCommand();
        int at = system.indexOf('@');
        if (at > 0) {                               // STYLE@JAR: another build's server
            serve = List.of(serve.get(0), "-jar", system.substring(at + 1), "serve");
        }
        cmd.addAll(serve);
        cmd.addAll(List.of("--style", style(system), "--port", "0"));
        return cmd;
    }

    /**
     * The {@code serve} command of this code: {@code java -jar loomcc-bench.jar serve} when it runs
     * from the jar, else the same class path and main class with the add-exports flag.
     */
    static List<String> serveCommand() {
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            Path here = Path.of(ServerBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (here.toString().endsWith(".jar")) {
                return List.of(java, "-jar", here.toString(), "serve");
            }
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall through to the class path
        }
        return List.of(java, "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "loomcc.bench.redis.RespServers", "serve");
    }

    /**
     * The {@code serve --style} a system runs: its name, less a {@code @JAR} suffix (another build's
     * jar), and {@link #AA_OF} for the A/A twin {@link #AA}.
     */
    static String style(String system) {
        int at = system.indexOf('@');
        String s = at > 0 ? system.substring(0, at) : system;
        return s.equals(AA) ? AA_OF : s;
    }

    /** sysconf(_SC_CLK_TCK): 100 on Linux for x86-64 and arm64 (USER_HZ). */
    static final int CLK_TCK = 100;

    public static void write(Path csv, List<Row> rows) throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        rows.forEach(r -> b.append(r.csv()).append('\n'));
        Files.writeString(csv, b, StandardCharsets.UTF_8);
    }

    public static List<Row> read(Path csv) throws IOException {
        if (!Files.exists(csv)) {
            return List.of();
        }
        return Files.readAllLines(csv, StandardCharsets.UTF_8).stream().skip(1).filter(l -> !l.isBlank())
                .map(Row::parse).toList();
    }

    /** One server process and its CPU clock. */
    static final class Server {
        final String name;
        final Process process;
        final int port;

        private Server(String name, Process process, int port) {
            this.name = name;
            this.process = process;
            this.port = port;
        }

        /** Starts {@code name}'s server, its command line starting with {@code pin} (see {@link Pinning}). */
        static Server start(String name, List<String> pin) throws IOException, InterruptedException {
            if (name.equals("redis-server")) {
                int port;
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                Process p = new ProcessBuilder(serverCommand(pin, name, port)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                for (int i = 0; i < 200; i++) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 100);
                        return new Server(name, p, port);
                    } catch (IOException e) {
                        Thread.sleep(50);
                    }
                }
                p.destroy();
                throw new IOException("redis-server did not start on port " + port);
            }
            Process p = new ProcessBuilder(serverCommand(pin, name, 0)).redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder before = new StringBuilder();
            // The JVM may print first (e.g. "Picked up JAVA_TOOL_OPTIONS: ..." when that is set): skip to "ready".
            while ((line = r.readLine()) != null && !line.startsWith("ready ")) {
                System.err.println("[server " + name + "] " + line);
                before.append(line).append('\n');
            }
            if (line == null) {
                p.destroy();
                throw new IOException("the " + name + " server did not start: " + before);
            }
            Thread drain = new Thread(() -> {
                try {
                    String l;
                    while ((l = r.readLine()) != null) {
                        System.err.println("[server " + name + "] " + l);
                    }
                } catch (IOException ignored) {
                    // the server exited
                }
            }, "server-output-" + name);
            drain.setDaemon(true);
            drain.start();
            return new Server(name, p, Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).trim()));
        }

        /**
         * The process's CPU time so far, ns: the sum over its threads of the run time in
         * {@code /proc/PID/task/TID/schedstat} (user + system, in ns), or, where the kernel has no
         * schedstat, utime + stime from {@code /proc/PID/stat} (proc(5): fields 14 and 15, in clock
         * ticks of 10 ms, which is 7 % of a 140 ms run: too coarse for a ratio).
         */
        long cpuNanos() throws IOException {
            Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
            long sum = 0;
            boolean any = false;
            try (var ts = Files.list(tasks)) {
                for (Path t : ts.toList()) {
                    try {
                        String s = Files.readString(t.resolve("schedstat")).trim();
                        sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                        any = true;
                    } catch (IOException | RuntimeException threadGone) {
                        // NOTE: a thread that ended between the listing and the read: its time is lost
                    }
                }
            }
            if (any) {
                return sum;
            }
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * (1_000_000_000L / CLK_TCK);
        }

        void stop() {
            process.destroy();                      // SIGTERM: the serve command closes cleanly
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
