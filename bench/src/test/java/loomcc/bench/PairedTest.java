package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

class PairedTest {

    @Test
    void aCellsRatioIsTotalOverTotalAndKeepsItsLumpsWhileTheRangeIsPerIteration() {
        Series s = Series.of("basic-medium");
        // iteration 3: a burst slows both sides 2x (the ratio holds); iteration 4: b's GC pause
        long[] a = {200, 210, 400, 200, 0};
        long[] b = {100, 100, 200, 300, 100};
        Paired.Ratio r = Paired.ratios(s, 600, SystemId.FIBER, SystemId.LWT, a, b).orElseThrow();
        assertEquals((200 + 210 + 400 + 200) / (double) (100 + 100 + 200 + 300), r.ratio(), 1e-12,
                "b's pause counts in full; the iteration where a did not run is left out");
        assertEquals(200 / 300.0, r.min(), 1e-12);
        assertEquals(2.1, r.max(), 1e-12);
        assertEquals(4, r.iterations());
        assertTrue(Paired.ratios(s, 600, SystemId.FIBER, SystemId.LWT, new long[] {0, 0}, b).isEmpty());
    }

    @Test
    void everySeriesPairsFiberAndRawWithTheRivalsOfItsTargets() {
        for (Series s : Grid.series()) {
            List<SystemId> g = Paired.group(s);
            assertTrue(g.contains(SystemId.FIBER) && g.contains(SystemId.LWT), s.id());
        }
        assertTrue(Paired.group(Series.of("basic-slow")).contains(SystemId.COMPLETABLE));
        assertTrue(Paired.group(Series.of("basic-medium")).contains(SystemId.VTHREAD));
        List<String> medium = Paired.pairs(Series.of("basic-medium")).stream().map(p -> p[0].id() + "/" + p[1].id()).toList();
        assertEquals(List.of("fiber/lwt", "fiber/vthread", "fiber/raw", "fiber/rawloop", "raw/lwt", "raw/vthread",
                "rawloop/raw"), medium);
        List<String> slow = Paired.pairs(Series.of("basic-slow")).stream().map(p -> p[0].id() + "/" + p[1].id()).toList();
        assertEquals(List.of("fiber/lwt", "fiber/completable", "fiber/raw", "raw/lwt", "raw/completable"), slow);
        assertThrows(IllegalArgumentException.class, () -> Series.of("basic-fast"));
    }

    @Test
    void pairedCsvRoundTripsAndAMissingFileIsNoRows(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("paired.csv");
        assertEquals(List.of(), Paired.read(csv));
        List<Paired.Ratio> rows = List.of(new Paired.Ratio(Series.of("recurse2-slow"), 50, SystemId.RAW, SystemId.LWT,
                2.5, 2.25, 2.75, 6));
        Paired.write(csv, rows);
        assertEquals(Paired.HEADER, Files.readAllLines(csv).get(0));
        assertEquals(rows, Paired.read(csv));
    }

    /** A system's growth is a row of it over itself, found by series and system only. */
    @Test
    void growthIsARowOfASystemOverItself() {
        Series s = Series.of("recurse2-medium");
        Paired.Ratio fiberGrowth = new Paired.Ratio(s, 1000, SystemId.FIBER, SystemId.FIBER, 1.2, 1.1, 1.3, 8);
        List<Paired.Ratio> rows = List.of(
                new Paired.Ratio(s, 1000, SystemId.FIBER, SystemId.RAW, 1.15, 1.1, 1.2, 8), fiberGrowth);
        assertEquals(java.util.Optional.of(fiberGrowth), Paired.growth(rows, SystemId.FIBER, s));
        assertTrue(Paired.growth(rows, SystemId.RAW, s).isEmpty());
        assertTrue(Paired.growth(rows, SystemId.FIBER, Series.of("recurse2-slow")).isEmpty());
    }

    /** LinearityBench: both depths run the same number of awaits, each side timed, in a loader of their own. */
    @Test
    void linearityBenchRunsBothDepthsWithTheSameAwaits() throws Exception {
        assertEquals(LinearityBench.SMALL_OPS * LinearityBench.SMALL_N, LinearityBench.LARGE_OPS * LinearityBench.LARGE_N);
        for (String system : List.of("fiber", "raw")) {
            LinearityBench b = new LinearityBench();
            b.system = system;
            b.series = "recurse2-medium";
            b.setUp();
            LinearityBench.Nanos t = new LinearityBench.Nanos();
            t.reset();
            long v = b.bothDepths(t);
            Series s = Series.of("recurse2-medium");
            assertEquals(LinearityBench.SMALL_OPS * s.experiment().result(LinearityBench.SMALL_N)
                    + LinearityBench.LARGE_OPS * s.experiment().result(LinearityBench.LARGE_N), v, system);
            assertTrue(t.small > 0 && t.large > 0, system);
        }
    }

    /** The benchmark itself: each system of the group runs its ops and is timed; the others stay at 0. */
    @Test
    void pairedBenchTimesEverySideOfTheGroupAndRunsTheirOps() throws Exception {
        for (String id : List.of("basic-slow", "basic-medium", "recurse2-medium")) {
            Series s = Series.of(id);
            PairedBench b = new PairedBench();
            b.series = id;
            b.n = 7;
            b.setUp();
            PairedBench.Nanos t = new PairedBench.Nanos();
            t.reset();
            long v = b.sideBySide(t);
            List<SystemId> g = Paired.group(s);
            assertEquals(g.size() * PairedBench.OPS * s.experiment().result(7), v, "every side ran its 16 ops");
            assertEquals(g.contains(SystemId.FIBER), t.fiber > 0, id);
            assertEquals(g.contains(SystemId.LWT), t.lwt > 0, id);
            assertEquals(g.contains(SystemId.RAW), t.raw > 0, id);
            assertEquals(g.contains(SystemId.COMPLETABLE), t.completable > 0, id);
            assertEquals(g.contains(SystemId.VTHREAD), t.vthread > 0, id);
            assertEquals(g.contains(SystemId.RAWLOOP), t.rawloop > 0, id);
            ClassLoader fiberLoader = b.side(SystemId.FIBER).getClass().getClassLoader();
            assertNotSame(PairedBench.class.getClassLoader(), fiberLoader, "each side runs its own copy of loomcc");
            assertNotSame(fiberLoader, b.side(SystemId.LWT).getClass().getClassLoader());
            assertNotSame(loomcc.lwt.Lwt.class, Class.forName("loomcc.lwt.Lwt", false, fiberLoader));
        }
    }
}
