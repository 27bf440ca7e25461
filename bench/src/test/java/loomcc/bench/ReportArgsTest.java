package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.bench.Grid.SystemId;

class ReportArgsTest {

    @Test
    void quickIsTheDefaultAndCoversTheWholeGridAt4N() {
        Report.Args a = Report.Args.parse();
        assertEquals(Report.Profile.QUICK, a.profile());
        assertEquals(List.of(50, 200, 600, 1000), a.sizes());
        // 7 series x 5 systems + 3 baseline experiments = 38 cells per N
        assertEquals(38 * 4, a.expectedCells(EnumSet.allOf(SystemId.class)).size());
        assertTrue(a.sizes().contains(50) && a.sizes().contains(1000), "the linearity figure needs 50 and 1000");
    }

    @Test
    void fullRunsEveryN() {
        Report.Args a = Report.Args.parse("full");
        assertEquals(Grid.SIZES, a.sizes());
        assertEquals(38 * 8, a.expectedCells(EnumSet.allOf(SystemId.class)).size());
    }

    @Test
    void filtersForDevelopment() {
        Report.Args a = Report.Args.parse("--systems", "raw,vthread", "--experiments", "recurse2", "--blockers",
                "quick,slow", "--sizes", "50,1000", "--out", "/tmp/x", "--time-ms", "100", "--forks", "1");
        assertEquals(EnumSet.of(SystemId.RAW, SystemId.VTHREAD), a.systems());
        assertEquals(Set.of(Experiment.RECURSE2), a.experiments());
        assertEquals(EnumSet.of(Blocker.QUICK, Blocker.SLOW), a.blockers());
        assertEquals(Path.of("/tmp/x"), a.out());
        assertEquals(100, a.warmupMs());
        assertEquals(100, a.iterationMs());
        // recurse2 has no quick blocker: only slow, 2 systems x 2 N
        assertEquals(List.of("recurse2/vthread/slow/50", "recurse2/vthread/slow/1000", "recurse2/raw/slow/50",
                "recurse2/raw/slow/1000"), a.expectedCells(a.systems())); // SystemId order
    }

    @Test
    void badArgumentsNameTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Report.Args.parse("--systems", "raw,kotlin"));
        assertTrue(e.getMessage().contains("fiber,lwt,vthread,completable,raw,baseline"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Report.Args.parse("--bogus"));
        assertTrue(e.getMessage().startsWith("unknown argument --bogus; usage: [quick|full]"), e.getMessage());
        assertTrue(e.getMessage().contains("[--server-pin off|auto|client]"), "the usage lists the server options too");
        assertTrue(e.getMessage().contains("or: serve --style fiber|promise|vthread --port N"), e.getMessage());
    }

    @Test
    void aNumberOptionThatIsNotANumberIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Report.Args.parse("--forks", "two"));
        assertEquals("--forks two: not a whole number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Report.Args.parse("--sizes", "50,x"));
        assertEquals("--sizes x: not a whole number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Report.ServerOptions.strip(new String[] {"--server-rounds", "5x"}));
        assertEquals("--server-rounds 5x: not a whole number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Report.Args.parse("--profile", "fast"));
        assertEquals("--profile fast: one of quick, full", e.getMessage());
    }

    @Test
    void aCellsScoreIsTheMedianOfItsIterationsSoABurstDoesNotDecideIt() {
        org.openjdk.jmh.util.ListStatistics it = new org.openjdk.jmh.util.ListStatistics();
        for (double v : new double[] {100, 99, 250, 101, 102, 260, 98}) { // two iterations hit by a burst
            it.addValue(v);
        }
        assertEquals(101, Report.score(it, it.getMean()), 1e-9);
        assertTrue(it.getMean() > 140, "the mean is what the burst would have moved");
        assertEquals(7.5, Report.score(new org.openjdk.jmh.util.ListStatistics(), 7.5), 0, "no iterations: the mean");
    }

    @Test
    void theServerSectionsOptionsComeOutBeforeTheGridsAndRunTheAaTwinByDefault() {
        Report.ServerOptions o = Report.ServerOptions.strip(new String[] {"quick", "--server-only", "--server-tests",
                "get,set", "--server-loads", "c50-P16", "--server-rounds", "3"});
        assertEquals(List.of("get", "set"), o.tests());
        assertEquals(List.of(ServerBench.Load.of("c50-P16")), o.loads());
        assertEquals(3, o.rounds());
        assertTrue(o.only());
        assertEquals(List.of("quick"), List.of(o.rest()));
        Report.ServerOptions d = Report.ServerOptions.strip(new String[0]);
        assertEquals(ServerBench.TESTS, d.tests());
        assertTrue(d.systems().contains(ServerBench.AA), "the A/A control runs unless left out: " + d.systems());
        assertEquals(d.systems().indexOf(ServerBench.AA_OF) + 1, d.systems().indexOf(ServerBench.AA),
                "the twin runs right after promise, as fiber runs right before it");
        assertEquals(d.systems().indexOf(ServerBench.AA_OF) - 1, d.systems().indexOf("fiber"));
    }

    @Test
    void theServerPinIsOffUnlessToldAndTakesBothSpellings() {
        assertEquals("off", Report.ServerOptions.strip(new String[] {"quick"}).pin());
        Report.ServerOptions auto = Report.ServerOptions.strip(new String[] {"--server-pin", "auto", "quick"});
        assertEquals("auto", auto.pin());
        assertEquals(List.of("quick"), List.of(auto.rest()), "the option is the server section's, not the grid's");
        assertEquals("client", Report.ServerOptions.strip(new String[] {"--server-pin=client"}).pin());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Report.ServerOptions.strip(new String[] {"--server-pin=yes"}));
        assertTrue(e.getMessage().contains("unknown --server-pin yes") && e.getMessage().contains("off, auto, client"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Report.ServerOptions.strip(new String[] {"--server-pin"}));
    }

    @Test
    void anUnknownServerTestIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerBench.run(
                Path.of("/tmp"), List.of("fiber"), ServerBench.LOADS, List.of("get", "hget"), 1, 1));
        assertTrue(e.getMessage().contains("unknown test hget"), e.getMessage());
    }

    @Test
    void aServerSectionRunAloneKeepsTheGridsRunLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertTrue(Report.gridHeader(dir).isEmpty());
        java.nio.file.Files.writeString(dir.resolve("report.md"), "# title\n\nintro\n\nRun: profile `quick`, 1 fork(s)."
                + " The server section was run again alone (--server-only).\n\n## Verdicts\n");
        assertEquals("Run: profile `quick`, 1 fork(s).", Report.gridHeader(dir).orElseThrow(),
                "once, however often the server section runs alone");
    }

    @Test
    void aRedrawKeepsTheRunLineOfTheMeasurement(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // the committed report's csv files, redrawn twice: the line that says when and how the
        // figures were measured survives, marked once as redrawn
        Path committed = Path.of("report");
        for (String f : List.of("report.md", "results.csv", "paired.csv", "heap.csv", "server.csv", "server-run.txt")) {
            java.nio.file.Files.copy(committed.resolve(f), dir.resolve(f));
        }
        String run = Report.gridHeader(dir).orElseThrow();
        for (int i = 0; i < 2; i++) {
            Report.main(new String[] {"quick", "--render-only", "--out", dir.toString()});
        }
        List<String> runLines = java.nio.file.Files.readAllLines(dir.resolve("report.md")).stream()
                .filter(l -> l.startsWith("Run: profile")).toList();
        assertEquals(List.of(run + " Redrawn from the csv files (--render-only)."), runLines);
        assertEquals(run, Report.gridHeader(dir).orElseThrow());
    }

    @Test
    void theAaTwinServesThePromiseStyle() {
        assertEquals("promise", ServerBench.style(ServerBench.AA));
        assertEquals("promise", ServerBench.style(ServerBench.AA + "@/tmp/other.jar"));
        assertEquals("fiber", ServerBench.style("fiber@/tmp/other.jar"));
        assertEquals("vthread", ServerBench.style("vthread"));
    }
}
