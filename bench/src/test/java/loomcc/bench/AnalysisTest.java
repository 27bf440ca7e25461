package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import loomcc.bench.Analysis.Status;
import loomcc.bench.Analysis.Verdict;
import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

class AnalysisTest {

    static final int[] NS = {50, 200, 1000};

    /** Every target met: fiber is built to pass, lwt, raw, vthread and completable around it. */
    static Results allMet() {
        Synthetic s = new Synthetic();
        for (Series x : Grid.series()) {
            s.linear(SystemId.FIBER, x, 2, 0.10, 500, 0, NS);
            s.linear(SystemId.RAW, x, 2, 0.095, 400, 0, NS);
            s.linear(SystemId.VTHREAD, x, 3, 0.30, 900, 16, NS);
            s.linear(SystemId.COMPLETABLE, x, 2, 0.20, 100, 48, NS);
            double lwt = x.experiment() == Grid.Experiment.RECURSE ? 0.4 : 0.099;
            s.linear(SystemId.LWT, x, 2, lwt, 100, 32, NS);
        }
        return s.build();
    }

    static Verdict verdict(List<Verdict> vs, String exp, String targetStart) {
        return vs.stream().filter(v -> v.experiment().equals(exp) && v.target().startsWith(targetStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no verdict " + exp + " " + targetStart));
    }

    @Test
    void ratiosAndWorstN() {
        Results r = new Synthetic()
                .add(SystemId.FIBER, Synthetic.series("basic-slow"), 50, 30, 0)
                .add(SystemId.LWT, Synthetic.series("basic-slow"), 50, 20, 0)
                .add(SystemId.FIBER, Synthetic.series("basic-slow"), 1000, 300, 0)
                .add(SystemId.LWT, Synthetic.series("basic-slow"), 1000, 250, 0)
                .add(SystemId.FIBER, Synthetic.series("basic-slow"), 200, 1, 0) // no lwt at 200: skipped
                .build();
        Analysis a = new Analysis(r, List.of());
        Series s = Synthetic.series("basic-slow");
        assertEquals(1.5, a.ratio(SystemId.FIBER, SystemId.LWT, s, 50).orElseThrow(), 1e-12);
        assertTrue(a.ratio(SystemId.FIBER, SystemId.LWT, s, 200).isEmpty());
        assertEquals(new Analysis.AtN(1.5, 50), a.worstRatio(SystemId.FIBER, SystemId.LWT, s));
        assertEquals(new Analysis.AtN(1.2, 1000), a.bestRatio(SystemId.FIBER, SystemId.LWT, s));
        assertNull(a.worstRatio(SystemId.FIBER, SystemId.RAW, s));
    }

    @Test
    void linearityIsPerAwaitTimeAt1000Over50() {
        Series s = Synthetic.series("recurse2-medium");
        Results r = new Synthetic()
                .add(SystemId.RAW, s, 50, 10, 0).add(SystemId.RAW, s, 1000, 200, 0)           // linear: 1.0
                .add(SystemId.VTHREAD, s, 50, 10, 0).add(SystemId.VTHREAD, s, 1000, 4000, 0)   // quadratic-ish: 20
                .add(SystemId.COMPLETABLE, s, 50, 10, 0)                                     // no N=1000
                .build();
        Analysis a = new Analysis(r, List.of());
        assertEquals(1.0, a.linearity(SystemId.RAW, s).orElseThrow(), 1e-12);
        assertEquals(20.0, a.linearity(SystemId.VTHREAD, s).orElseThrow(), 1e-12);
        assertTrue(a.linearity(SystemId.COMPLETABLE, s).isEmpty());
    }

    @Test
    void linearityMeasuredSideBySideDecidesTheVerdictAndQuotesTheGrid() {
        Series s = Synthetic.series("recurse2-slow");
        Results r = new Synthetic()
                .add(SystemId.FIBER, s, 50, 50, 0).add(SystemId.FIBER, s, 1000, 1600, 0)   // grid: 1.6, missed
                .add(SystemId.RAW, s, 50, 30, 0).add(SystemId.RAW, s, 1000, 1000, 0)       // grid: 1.67
                .build();
        List<Paired.Ratio> growth = List.of(
                new Paired.Ratio(s, 1000, SystemId.FIBER, SystemId.FIBER, 1.3, 1.25, 1.38, 16),
                new Paired.Ratio(s, 1000, SystemId.RAW, SystemId.RAW, 1.2, 1.1, 1.3, 16));
        Analysis a = new Analysis(r, List.of(), growth);
        assertEquals(1.3, a.linearity(SystemId.FIBER, s).orElseThrow(), 1e-12);
        assertEquals(1.6, a.gridLinearity(SystemId.FIBER, s).orElseThrow(), 1e-12);
        Verdict v = verdict(a.verdicts(), "recurse2-slow", "per-await");
        assertEquals(Status.MET, v.status());
        assertEquals("fiber: 1.30, side by side (1.25–1.38), grid: 1.60", v.figure());
        assertEquals("raw: 1.20, side by side (1.10–1.30), grid: 1.67", v.floor());
        assertTrue(new Analysis(r, List.of()).linearity(SystemId.FIBER, s).getAsDouble() > 1.5,
                "without the side-by-side row the grid decides");
        String md = a.markdown("", java.util.Map.of());
        assertTrue(md.contains("| fiber | not run | 1.30 (1.25–1.38) |"), md);
    }

    @Test
    void bytesPerAwaitIsTheSlopeOverN() {
        Series s = Synthetic.series("basic-quick");
        Results r = new Synthetic().linear(SystemId.COMPLETABLE, s, 1, 1, 200, 48, NS)
                .linear(SystemId.RAW, s, 1, 1, 300, 0, NS).build();
        Analysis a = new Analysis(r, List.of());
        assertEquals(48, a.bytesPerAwait(SystemId.COMPLETABLE, s).orElseThrow(), 1e-9);
        assertEquals(0, a.bytesPerAwait(SystemId.RAW, s).orElseThrow(), 1e-9);
        assertTrue(a.bytesPerAwait(SystemId.FIBER, s).isEmpty());
    }

    @Test
    void everyTargetMetWhenTheFiguresSaySo() {
        Series bm = Synthetic.series("basic-medium");
        List<Paired.Ratio> side = List.of(new Paired.Ratio(bm, 50, SystemId.FIBER, SystemId.RAWLOOP, 1.1, 1.0, 1.2, 6),
                new Paired.Ratio(bm, 50, SystemId.RAWLOOP, SystemId.RAW, 1.2, 1.1, 1.3, 6));
        List<Verdict> vs = new Analysis(allMet(), List.of(new Analysis.Heap(SystemId.FIBER, 100_000, 500)), side)
                .verdicts();
        assertEquals(14, vs.size());
        for (Verdict v : vs) {
            assertEquals(Status.MET, v.status(), v.toString());
        }
        assertTrue(verdict(vs, "recurse-medium", "fiber >= 1.3x").figure().startsWith("lwt/fiber = "));
    }

    @Test
    void eachTargetMissedByItsOwnFigure() {
        Synthetic s = new Synthetic();
        Series bq = Synthetic.series("basic-quick");
        Series bm = Synthetic.series("basic-medium");
        Series bs = Synthetic.series("basic-slow");
        Series r2 = Synthetic.series("recurse2-slow");
        s.add(SystemId.FIBER, bq, 50, 1.2, 100).add(SystemId.LWT, bq, 50, 1.0, 0)      // 1.2 > 1.1
                .add(SystemId.FIBER, bq, 1000, 10, 100 + 950 * 24).add(SystemId.LWT, bq, 1000, 10, 0); // 24 B/await
        s.add(SystemId.FIBER, bm, 50, 2.0, 0).add(SystemId.LWT, bm, 50, 1.0, 0)        // 2.0 > 1.9
                .add(SystemId.RAW, bm, 50, 1.5, 0).add(SystemId.VTHREAD, bm, 50, 2.0, 0); // 1.33 > 1.15; equal is not <
        s.add(SystemId.FIBER, bs, 50, 10, 0).add(SystemId.LWT, bs, 50, 5, 0).add(SystemId.COMPLETABLE, bs, 50, 6, 0);
        s.add(SystemId.FIBER, Synthetic.series("recurse-slow"), 1000, 10, 0)
                .add(SystemId.LWT, Synthetic.series("recurse-slow"), 1000, 12, 0);      // 1.2x < 1.3x
        s.add(SystemId.FIBER, r2, 50, 50, 0).add(SystemId.FIBER, r2, 1000, 1600, 0)   // linearity 1.6
                .add(SystemId.RAW, r2, 50, 30, 0).add(SystemId.RAW, r2, 1000, 1000, 0);  // 1.67 at N=50
        List<Paired.Ratio> side = List.of(new Paired.Ratio(bm, 50, SystemId.FIBER, SystemId.RAWLOOP, 1.3, 1.2, 1.4, 6),
                new Paired.Ratio(bm, 50, SystemId.RAWLOOP, SystemId.RAW, 1.4, 1.3, 1.5, 6));
        List<Verdict> vs = new Analysis(s.build(), List.of(new Analysis.Heap(SystemId.FIBER, 100_000, 600)), side)
                .verdicts();
        assertEquals(Status.MISSED, verdict(vs, "basic-quick", "fiber/lwt").status());
        Verdict bytes = verdict(vs, "basic-quick", "0 bytes");
        assertEquals(Status.MISSED, bytes.status());
        assertTrue(bytes.figure().startsWith("24.0 B/await"), bytes.figure());
        assertEquals(Status.MISSED, verdict(vs, "basic-medium", "fiber/lwt").status());
        assertEquals(Status.MISSED, verdict(vs, "basic-medium", "fiber <= 1.2 x rawloop").status());
        assertEquals(Status.MISSED, verdict(vs, "basic-medium", "rawloop <= 1.3 x raw").status());
        assertEquals(Status.MISSED, verdict(vs, "basic-slow", "fiber/lwt").status());
        assertEquals(Status.MISSED, verdict(vs, "basic-slow", "fiber <= 1.5 x completable").status());
        assertEquals(Status.MISSED, verdict(vs, "recurse-slow", "fiber >= 1.3x").status());
        assertEquals(Status.NOT_RUN, verdict(vs, "recurse-medium", "fiber >= 1.3x").status());
        assertEquals(Status.MISSED, verdict(vs, "recurse2-slow", "per-await").status());
        assertEquals("raw: 1.67", verdict(vs, "recurse2-slow", "per-await").floor()); // (1000/1000) / (30/50)
        Verdict r2raw = verdict(vs, "recurse2-slow", "fiber <= 1.3 x raw");
        assertEquals(Status.MISSED, r2raw.status());
        assertEquals("worst 1.67 at N=50", r2raw.figure());
        assertEquals(Status.NOT_RUN, verdict(vs, "recurse2-medium", "fiber <= 1.3 x raw").status());
        assertEquals(Status.MISSED, verdict(vs, "memory", "").status());
        assertEquals("", verdict(vs, "basic-slow", "fiber <= 1.5 x completable").floor(), "no raw cell: no floor");
        assertEquals("", verdict(vs, "memory", "").floor());
    }

    @Test
    void sideBySideRatiosDecideTheVerdictsTheyCoverAndHaveTheirOwnSection() {
        Series bm = Synthetic.series("basic-medium");
        Series rs = Synthetic.series("recurse-slow");
        Results grid = new Synthetic().add(SystemId.FIBER, bm, 50, 3.0, 0).add(SystemId.LWT, bm, 50, 1.0, 0)
                .add(SystemId.FIBER, rs, 1000, 10, 0).add(SystemId.LWT, rs, 1000, 10, 0).build(); // grid: 3.0, 1x
        List<Paired.Ratio> side = List.of(
                new Paired.Ratio(bm, 50, SystemId.FIBER, SystemId.LWT, 1.8, 1.7, 1.9, 6),
                new Paired.Ratio(bm, 1000, SystemId.FIBER, SystemId.LWT, 1.6, 1.5, 1.7, 6),
                new Paired.Ratio(bm, 50, SystemId.RAW, SystemId.LWT, 1.5, 1.4, 1.6, 6),
                new Paired.Ratio(bm, 50, SystemId.FIBER, SystemId.RAWLOOP, 1.2, 1.1, 1.3, 6),
                new Paired.Ratio(bm, 50, SystemId.RAWLOOP, SystemId.RAW, 1.25, 1.2, 1.3, 6),
                new Paired.Ratio(rs, 1000, SystemId.FIBER, SystemId.LWT, 0.25, 0.2, 0.3, 6));
        Analysis a = new Analysis(grid, List.of(), side);
        List<Verdict> vs = a.verdicts();
        Verdict v = verdict(vs, "basic-medium", "fiber/lwt");
        assertEquals(Status.MET, v.status(), "side by side 1.8 decides, not the grid's 3.0");
        assertEquals("worst 1.80 at N=50, side by side (grid: 3.00 at N=50)", v.figure());
        assertEquals("raw/lwt worst 1.50 at N=50, side by side", v.floor());
        Verdict r = verdict(vs, "recurse-slow", "fiber >= 1.3x");
        assertEquals(Status.MET, r.status());
        assertEquals("lwt/fiber = 4.00, side by side", r.figure());
        String md = a.markdown("header", Map.of());
        assertTrue(md.contains("## Side by side"), md);
        assertTrue(md.contains("| basic-medium | 50 | 1.80 (1.70–1.90) | – | 1.20 (1.10–1.30) | 1.25 (1.20–1.30) | – | – |"
                + " 1.50 (1.40–1.60) | – | – |"), md);
        Verdict onLoop = verdict(vs, "basic-medium", "fiber <= 1.2 x rawloop");
        assertEquals(Status.MET, onLoop.status());
        assertEquals("worst 1.20 at N=50, side by side", onLoop.figure(), "what the fiber layer adds");
        Verdict loop = verdict(vs, "basic-medium", "rawloop <= 1.3 x raw");
        assertEquals(Status.MET, loop.status());
        assertEquals("worst 1.25 at N=50, side by side", loop.figure(), "what the loop adds");
        assertFalse(new Analysis(grid, List.of()).markdown("header", Map.of()).contains("## Side by side"));
    }

    /** fiber and lwt missing (until the bridge lands): their verdicts and cells are "not run", nothing crashes. */
    @Test
    void missingSystemsShowAsNotRun() {
        Synthetic s = new Synthetic();
        for (Series x : Grid.series()) {
            s.linear(SystemId.RAW, x, 2, 0.1, 400, 0, NS);
            s.linear(SystemId.COMPLETABLE, x, 2, 0.2, 100, 48, NS);
        }
        Analysis a = new Analysis(s.build(), List.of());
        for (Verdict v : a.verdicts()) {
            assertEquals(Status.NOT_RUN, v.status(), v.toString());
        }
        String md = a.markdown("header line", Map.of("basic-medium", "basic-medium.png"));
        assertTrue(md.contains("header line"));
        assertTrue(md.contains("`fiber` = loomcc fiber (LwtFiber) (not run)"), md);
        assertTrue(md.contains("| 50 | not run | not run | not run | 12.0 ± 0.120 | 7.00 ± 0.070 | not run | not run | 1.93 | not run |"), md);
        assertTrue(md.contains("![basic-medium](basic-medium.png)"));
        assertTrue(md.contains("| raw | 0.729 | 0.729 |"), md); // recurse2 linearity: (102/1000) / (7/50)
        assertTrue(md.contains(Analysis.POST));
        assertFalse(md.contains("| met |"));
    }

    @Test
    void anEmptyRunStillRenders() {
        String md = new Analysis(new Results(List.of()), List.of()).markdown("", Map.of());
        assertTrue(md.contains("### basic-quick\n\nnot run"), md);
    }
}
