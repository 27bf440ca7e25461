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

    @Test
    void csvRoundTrips(@TempDir Path dir) throws Exception {
        List<Row> rows = List.of(new Row(1, "fiber", "c50-P1", "get", 20000, 41234.5, 0.551, 1.203, 612.0));
        ServerBench.write(dir.resolve("server.csv"), rows);
        assertEquals(rows, ServerBench.read(dir.resolve("server.csv")));
    }
}
