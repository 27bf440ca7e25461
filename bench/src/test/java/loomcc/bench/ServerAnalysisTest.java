package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import loomcc.bench.ServerAnalysis.Verdict;
import loomcc.bench.ServerBench.Load;
import loomcc.bench.ServerBench.Row;

class ServerAnalysisTest {

    /** Rounds 1..3 (and a warm-up round 0 that must not count): rps = base * factor(round). */
    static List<Row> rows(Map<String, Double> rpsBySystem, Map<String, Double> cpuUsBySystem) {
        List<Row> rows = new ArrayList<>();
        double[] noise = {0.1, 1.0, 0.8, 1.1};          // round 0's 0.1 would wreck every median if counted
        for (int round = 0; round <= 3; round++) {
            for (Load l : ServerBench.LOADS) {
                for (String t : ServerBench.TESTS) {
                    for (var e : rpsBySystem.entrySet()) {
                        double rps = e.getValue() * noise[round];
                        double cpuMs = cpuUsBySystem.get(e.getKey()) * l.requests() / 1000.0;
                        rows.add(new Row(round, e.getKey(), l.id(), t, l.requests(), rps, 0.5, 1000 / rps, cpuMs));
                    }
                }
            }
        }
        return rows;
    }

    static Verdict verdict(List<Verdict> vs, String start) {
        return vs.stream().filter(v -> v.comparison().startsWith(start)).findFirst().orElseThrow();
    }

    @Test
    void ratiosAreTakenRoundByRoundAndTheWarmUpIsLeftOut() {
        ServerAnalysis a = new ServerAnalysis(rows(Map.of("fiber", 100.0, "promise", 100.0, "vthread", 80.0,
                "redis-server", 110.0), Map.of("fiber", 10.0, "promise", 10.0, "vthread", 12.0, "redis-server", 9.5)));
        ServerAnalysis.Spread fiber = a.figure("fiber", "c50-P1", "get", ServerAnalysis.RPS).orElseThrow();
        assertEquals(100, fiber.median(), 1e-9);
        assertEquals(80, fiber.min(), 1e-9);
        assertEquals(110, fiber.max(), 1e-9);
        assertEquals(3, fiber.n());
        ServerAnalysis.Spread r = a.ratio("fiber", "vthread", "c50-P1", "get", ServerAnalysis.RPS).orElseThrow();
        assertEquals(1.25, r.median(), 1e-9);
        assertEquals(1.25, r.min(), 1e-9, "the same burst in a round cancels out");
        assertEquals(1.25, r.max(), 1e-9);
        List<Verdict> vs = a.verdicts();
        assertEquals(5, vs.size());
        assertEquals(Analysis.Status.MET, verdict(vs, "fiber / promise").status());
        assertEquals(Analysis.Status.MET, verdict(vs, "fiber / vthread").status());
        assertEquals(Analysis.Status.MET, verdict(vs, "fiber / redis-server, requests").status(), "100/110 = 0.91");
        assertEquals(Analysis.Status.MET, verdict(vs, "fiber / redis-server, server CPU").status(), "10 / 9.5 = 1.05");
    }

    @Test
    void eachTargetHasItsOwnFigure() {
        ServerAnalysis met = new ServerAnalysis(rows(Map.of("fiber", 100.0, "promise", 100.0, "vthread", 80.0,
                "redis-server", 110.0), Map.of("fiber", 10.0, "promise", 10.0, "vthread", 12.0, "redis-server", 9.5)));
        assertTrue(verdict(met.verdicts(), "fiber / redis-server, server CPU").figure().startsWith("worst 1.05"));
        ServerAnalysis missed = new ServerAnalysis(rows(Map.of("fiber", 90.0, "promise", 100.0, "vthread", 95.0,
                "redis-server", 110.0), Map.of("fiber", 12.0, "promise", 10.0, "vthread", 12.0, "redis-server", 10.0)));
        List<Verdict> vs = missed.verdicts();
        assertEquals(Analysis.Status.MISSED, verdict(vs, "fiber / promise").status(), "0.9 < 0.95");
        assertEquals(Analysis.Status.MISSED, verdict(vs, "fiber / vthread").status(), "0.947 < 1");
        assertEquals(Analysis.Status.MISSED, verdict(vs, "fiber / redis-server, requests").status(), "0.818 < 0.9");
        assertEquals(Analysis.Status.MISSED, verdict(vs, "fiber / redis-server, server CPU").status(), "1.2 > 1.1");
        assertEquals(Analysis.Status.MET, verdict(vs, "fiber p99").status(), "p99 = 1000/rps: 1.11 <= 1.2");
    }

    @Test
    void aVerdictSaysHowManyMediansMeetItAndWhenTheWorstOnesRoundsStraddleTheTarget() {
        ServerAnalysis steady = new ServerAnalysis(rows(Map.of("fiber", 100.0, "promise", 100.0, "vthread", 80.0,
                "redis-server", 110.0), Map.of("fiber", 10.0, "promise", 10.0, "vthread", 12.0, "redis-server", 9.5)));
        String f = verdict(steady.verdicts(), "fiber / redis-server, server CPU").figure();
        assertTrue(f.endsWith("; 6 of 6 test medians meet it"), f);
        // get: fiber's CPU per request x1 in round 1 (ratio 1.05), x1.2 in round 2 (1.26), x1.03 in
        // round 3 (1.08): the worst median, which meets <= 1.1, and its rounds straddle the target
        List<Row> rows = new ArrayList<>();
        for (Row r : rows(Map.of("fiber", 100.0, "redis-server", 110.0), Map.of("fiber", 10.0, "redis-server", 9.5))) {
            double x = r.round() == 2 ? 1.2 : r.round() == 3 ? 1.03 : 1;
            rows.add(r.system().equals("fiber") && r.test().equals("get")
                    ? new Row(r.round(), r.system(), r.load(), r.test(), r.requests(), r.rps(), r.p50Ms(), r.p99Ms(),
                            r.cpuMs() * x)
                    : r);
        }
        Verdict v = verdict(new ServerAnalysis(rows).verdicts(), "fiber / redis-server, server CPU");
        assertEquals(Analysis.Status.MET, v.status());
        assertTrue(v.figure().startsWith("worst 1.08 (1.05–1.26) (get at c50-P1)"), v.figure());
        assertTrue(v.figure().endsWith("6 of 6 test medians meet it; the worst one's rounds fall on both sides of the"
                + " target (within this run's noise)"), v.figure());
    }

    @Test
    void thePooledViewTakesEveryRoundOfEveryTestAndTheTwinsBesideIt() {
        // fiber's rps is promise's x0.9 at set, x1.0 elsewhere; the twin's is promise's x1.0 in round 1
        // and x1.1 in rounds 2 and 3 (so promise/promise-aa is 1 or 1/1.1 = 0.909)
        List<Row> rows = new ArrayList<>();
        for (Row r : rows(Map.of("fiber", 100.0, "promise", 100.0, ServerBench.AA, 100.0),
                Map.of("fiber", 10.0, "promise", 10.0, ServerBench.AA, 10.0))) {
            double x = r.system().equals("fiber") && r.test().equals("set") ? 0.9
                    : r.system().equals(ServerBench.AA) && r.round() >= 2 ? 1.1 : 1;
            rows.add(new Row(r.round(), r.system(), r.load(), r.test(), r.requests(), r.rps() * x, r.p50Ms(),
                    r.p99Ms(), r.cpuMs()));
        }
        ServerAnalysis a = new ServerAnalysis(rows);
        ServerAnalysis.Pooled p = a.pooled().get(0);
        assertTrue(p.comparison().startsWith("fiber / promise, requests"), p.comparison());
        int ratios = ServerBench.LOADS.size() * ServerBench.TESTS.size() * 3;   // the warm-up round left out
        ServerAnalysis.Middle pair = p.pair().orElseThrow();
        assertEquals(ratios, pair.n());
        assertEquals(1.0, pair.median(), 1e-9, "one test of six at 0.9 does not move the median");
        assertEquals(1.0, pair.p25(), 1e-9);
        ServerAnalysis.Middle twins = p.twins().orElseThrow();
        assertEquals(ratios, twins.n());
        assertEquals(1 / 1.1, twins.median(), 1e-9, "two rounds of three at 1/1.1");
        assertEquals(1.0, twins.p75(), 1e-9);
        assertEquals(Analysis.Status.MISSED, verdict(a.verdicts(), "fiber / promise").status(), "the worst test decides");
        assertTrue(a.pooled().get(2).pair().isEmpty(), "no redis-server: nothing to pool");
        String md = a.markdown("note", Map.of());
        assertTrue(md.contains("| fiber / promise, requests per second, every test and load | 1.00 (1.00–1.00), "
                + ratios + " ratios | 0.909 (0.909–1.00), " + ratios + " ratios |"), md);
        assertTrue(md.contains("| fiber / redis-server, requests per second at -c 50 -P 1 | not run |"), md);
    }

    @Test
    void aMissingSystemIsNotRunAndNothingCrashes(@TempDir Path dir) throws Exception {
        ServerAnalysis a = new ServerAnalysis(rows(Map.of("fiber", 100.0, "promise", 100.0), Map.of("fiber", 10.0,
                "promise", 10.0)));
        List<Verdict> vs = a.verdicts();
        assertEquals(Analysis.Status.MET, verdict(vs, "fiber / promise").status());
        assertEquals(Analysis.Status.NOT_RUN, verdict(vs, "fiber / redis-server, requests").status());
        Map<String, String> charts = a.charts(dir);
        assertEquals(3, charts.size());
        assertTrue(Files.size(dir.resolve(charts.get("c50-P1"))) > 1000);
        String md = a.markdown("note", charts);
        assertTrue(md.contains("| get | 100 (80–110) | 100 (80–110) | not run | not run | 1.00 (1.00–1.00) | – | – |"), md);
        assertTrue(md.contains("![server c50-P1](server-c50-P1.png)"), md);
    }

    @Test
    void withoutRowsTheSectionSaysHowToGetThem() {
        String md = new ServerAnalysis(List.of()).markdown(ServerBench.INSTALL, Map.of());
        assertTrue(md.contains("redis-tools"), md);
        assertFalse(md.contains("### Targets"), md);
    }

    /**
     * fiber, promise and the A/A twin at every test and load; the twin's requests per second and
     * p99 are promise's times {@code twin[round]}, fiber's are promise's times {@code fiberRps}.
     */
    static List<Row> withTwin(double fiberRps, double[] twin) {
        List<Row> out = new ArrayList<>();
        for (Row r : rows(Map.of("fiber", 100.0, "promise", 100.0, ServerBench.AA, 100.0),
                Map.of("fiber", 10.0, "promise", 10.0, ServerBench.AA, 10.0))) {
            double x = r.system().equals(ServerBench.AA) ? twin[r.round()] : r.system().equals("fiber") ? fiberRps : 1;
            out.add(new Row(r.round(), r.system(), r.load(), r.test(), r.requests(), r.rps() * x, r.p50Ms(),
                    r.p99Ms() * x, r.cpuMs()));
        }
        return out;
    }

    @Test
    void theAaFloorIsTheTwinsRangeTakenBothWays() {
        // promise/promise-aa per round: 1/1.1 = 0.909, 1/0.95 = 1.053, 1 -> both ways [0.909, 1.10]
        ServerAnalysis a = new ServerAnalysis(withTwin(1, new double[] {9, 1.1, 0.95, 1}));
        ServerAnalysis.Spread aa = a.aa("c50-P1", "get", ServerAnalysis.RPS).orElseThrow();
        assertEquals(0.909, aa.min(), 1e-3);
        assertEquals(1.053, aa.max(), 1e-3);
        assertEquals(3, aa.n(), "the warm-up round's twin (x9) is left out");
        ServerAnalysis.Floor f = a.floor("c50-P1", "get", ServerAnalysis.RPS).orElseThrow();
        assertEquals(0.909, f.lo(), 1e-3);
        assertEquals(1.1, f.hi(), 1e-3, "the inverse of the lowest ratio: an identical pair has no side");
        // all ratios above 1: the floor still holds 1 and their inverses
        ServerAnalysis.Floor up = new ServerAnalysis(withTwin(1, new double[] {1, 0.9, 0.8, 0.9})).floor("c50-P1",
                "get", ServerAnalysis.RPS).orElseThrow();
        assertEquals(0.8, up.lo(), 1e-9);
        assertEquals(1.25, up.hi(), 1e-9);
        assertTrue(up.contains(1) && up.contains(0.81) && !up.contains(0.79) && !up.contains(1.26));
        assertEquals(18, a.aaPooled("c50-P1", ServerAnalysis.RPS).orElseThrow().n(), "6 tests x 3 rounds");
    }

    @Test
    void aMissInsideTheAaFloorStaysAMissAndSaysSo() {
        // fiber/promise 0.93 < 0.95: missed; the twin spreads [0.909, 1.10]: inside
        ServerAnalysis inside = new ServerAnalysis(withTwin(0.93, new double[] {1, 1.1, 0.95, 1}));
        Verdict v = verdict(inside.verdicts(), "fiber / promise");
        assertEquals(Analysis.Status.MISSED, v.status());
        assertEquals(ServerAnalysis.Noise.INSIDE, v.noise());
        assertEquals("**missed**, inside the A/A noise floor [0.909–1.10]", v.text());
        // fiber/promise 0.85: outside the same floor
        Verdict out = verdict(new ServerAnalysis(withTwin(0.85, new double[] {1, 1.1, 0.95, 1})).verdicts(),
                "fiber / promise");
        assertEquals(Analysis.Status.MISSED, out.status());
        assertEquals(ServerAnalysis.Noise.OUTSIDE, out.noise());
        assertEquals("**missed**, outside the A/A noise floor [0.909–1.10]", out.text());
        // a met target is placed too: fiber/promise 1.0 lies inside
        Verdict met = verdict(new ServerAnalysis(withTwin(1.0, new double[] {1, 1.1, 0.95, 1})).verdicts(),
                "fiber / promise");
        assertEquals("met, inside the A/A noise floor [0.909–1.10]", met.text());
    }

    @Test
    void eachVerdictAlsoSaysWhatTheSameRuleGivesTwoIdenticalServers() {
        // The twin serves 1.1x promise's requests per second in rounds 1 and 2: promise/promise-aa
        // has a median of 0.909 at every test, so the worst-of-18-medians rule misses >= 0.95 for
        // two identical servers; fiber/promise (1.0) meets it.
        ServerAnalysis a = new ServerAnalysis(withTwin(1.0, new double[] {1, 1.1, 1.1, 1}));
        Verdict v = verdict(a.verdicts(), "fiber / promise");
        assertEquals(Analysis.Status.MET, v.status());
        assertTrue(v.figure().endsWith("; two identical servers (promise, promise-aa) by the same rule: worst 0.909"
                + " (ping_inline at c50-P1), which misses the target"), v.figure());
        // p99 (highest is worst): the pair both ways round, the worse is promise-aa/promise = 1.1: meets <= 1.2
        Verdict p99 = verdict(a.verdicts(), "fiber p99");
        assertTrue(p99.figure().endsWith("by the same rule: worst 1.10 (ping_inline at c50-P1), which meets the target"),
                p99.figure());
        // no twin, no such clause
        assertFalse(verdict(new ServerAnalysis(rows(Map.of("fiber", 90.0, "promise", 100.0), Map.of("fiber", 10.0,
                "promise", 10.0))).verdicts(), "fiber / promise").figure().contains("identical"));
    }

    @Test
    void eachVerdictIsReadAgainstTheFloorOfItsOwnMetric() {
        // The twin serves as many requests per second as promise every round (a floor of [1-1]),
        // but its p99 is promise's x1.3 in round 2 (a p99 floor of [0.769-1.3]); fiber's p99 is
        // promise's x1.25: missed (> 1.2), inside the p99 floor, though outside the rps one.
        List<Row> rows = new ArrayList<>();
        for (Row r : withTwin(1, new double[] {1, 1, 1, 1})) {
            double x = r.system().equals(ServerBench.AA) && r.round() == 2 ? 1.3 : r.system().equals("fiber") ? 1.25 : 1;
            rows.add(new Row(r.round(), r.system(), r.load(), r.test(), r.requests(), r.rps(), r.p50Ms(), r.p99Ms() * x,
                    r.cpuMs()));
        }
        ServerAnalysis a = new ServerAnalysis(rows);
        Verdict p99 = verdict(a.verdicts(), "fiber p99");
        assertEquals(Analysis.Status.MISSED, p99.status());
        assertEquals(ServerAnalysis.Noise.INSIDE, p99.noise());
        assertEquals("**missed**, inside the A/A noise floor [0.769–1.30]", p99.text());
        assertEquals("met, inside the A/A noise floor [1.00–1.00]", verdict(a.verdicts(), "fiber / promise").text());
        ServerAnalysis.Floor rps = a.floor("c50-P1", "get", ServerAnalysis.RPS).orElseThrow();
        assertFalse(rps.contains(1.25), "the requests-per-second floor would have called it outside");
    }

    @Test
    void withoutTheTwinTheVerdictsSayThereIsNoControl() {
        ServerAnalysis a = new ServerAnalysis(rows(Map.of("fiber", 90.0, "promise", 100.0), Map.of("fiber", 10.0,
                "promise", 10.0)));
        Verdict v = verdict(a.verdicts(), "fiber / promise");
        assertEquals(Analysis.Status.MISSED, v.status());
        assertEquals(ServerAnalysis.Noise.NO_CONTROL, v.noise());
        assertEquals("**missed** (no A/A control in this run)", v.text());
        assertEquals("not run", verdict(a.verdicts(), "fiber / vthread").text());
        String md = a.markdown("note", Map.of());
        assertTrue(md.contains("No A/A control ran"), md);
        assertFalse(md.contains("A/A control, `promise / promise-aa`"), md);
    }

    @Test
    void theMarkdownShowsTheAaTableAndTheVerdictsWithTheirFloors(@TempDir Path dir) throws Exception {
        ServerAnalysis a = new ServerAnalysis(withTwin(0.93, new double[] {1, 1.1, 0.95, 1}));
        Map<String, String> charts = a.charts(dir);
        String md = a.markdown("note", charts);
        assertTrue(md.contains("| **missed**, inside the A/A noise floor [0.909–1.10] |"), md);
        assertTrue(md.contains("A/A control, `promise / promise-aa` (two identical servers)"), md);
        // requests per second: 0.909-1.05 every test; CPU per request: the same every round
        assertTrue(md.contains("| get | 1.00 (0.909–1.05) | 1.00 (1.00–1.00) | 1.00 (1.00–1.00) | 1.00 (0.909–1.05) |"),
                md);
        assertTrue(md.contains("| all tests | 1.00 (0.909–1.05) |"), md);
        assertFalse(md.contains("| promise-aa |"), "the twin is no column of the comparison tables: " + md);
        assertTrue(a.chart("c50-P1").getSeriesMap().containsKey("promise-aa (A/A twin of promise)"));
    }

    @Test
    void aRunOfSomeTestsShowsThoseAlone(@TempDir Path dir) throws Exception {
        List<Row> some = withTwin(1, new double[] {1, 1.1, 0.95, 1}).stream()
                .filter(r -> r.test().equals("get") || r.test().equals("set")).toList();
        ServerAnalysis a = new ServerAnalysis(some);
        assertEquals(List.of("set", "get"), a.tests("c50-P1"));
        String md = a.markdown("note", a.charts(dir));
        assertTrue(md.contains("| get | 100 (80–110) |"), md);
        assertFalse(md.contains("| ping_inline |"), "a test that did not run gets no row: " + md);
        assertEquals(List.of("set", "get"), a.chart("c50-P1").getSeriesMap().get("fiber").getXData());
    }

    @Test
    void csvRoundTrips(@TempDir Path dir) throws Exception {
        List<Row> rows = List.of(new Row(1, "fiber", "c50-P1", "get", 20000, 41234.5, 0.551, 1.203, 612.0));
        ServerBench.write(dir.resolve("server.csv"), rows);
        assertEquals(rows, ServerBench.read(dir.resolve("server.csv")));
    }
}
