package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import loomcc.bench.Grid.SystemId;

class ResultsTest {

    @Test
    void csvRoundTripKeepsEveryFieldAndMissingFiguresAreEmpty(@TempDir Path dir) throws Exception {
        Results r = new Synthetic()
                .add(SystemId.RAW, Synthetic.series("basic-medium"), 50, 12.5, 0.0)
                .add(SystemId.BASELINE, Synthetic.series("recurse2-slow"), 1000, 1.25, Double.NaN)
                .add(SystemId.VTHREAD, Synthetic.series("recurse-slow"), 200, 1234.5, 96)
                .build();
        Path csv = dir.resolve("results.csv");
        r.write(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(Results.HEADER, lines.get(0));
        assertEquals("recurse2,baseline,none,1000,1.25000,0.0125000,us/op,", lines.get(3));
        Results back = Results.read(csv);
        assertEquals(r.rows().size(), back.rows().size());
        for (int i = 0; i < r.rows().size(); i++) {
            Results.Row a = r.rows().get(i);
            Results.Row b = back.rows().get(i);
            assertEquals(a.experiment(), b.experiment());
            assertEquals(a.system(), b.system());
            assertEquals(a.blocker(), b.blocker());
            assertEquals(a.n(), b.n());
            assertEquals(a.score(), b.score(), a.score() * 1e-5);
            assertEquals(a.bytesPerOp(), b.bytesPerOp(), 1e-3);
            assertEquals(a.unit(), b.unit());
        }
        assertTrue(Double.isNaN(back.rows().get(2).bytesPerOp()));
    }

    @Test
    void theBaselineAnswersForEveryBlocker() {
        Results r = new Synthetic().add(SystemId.BASELINE, Synthetic.series("basic-medium"), 50, 1.0, 0).build();
        assertEquals(1.0, r.score(SystemId.BASELINE, Synthetic.series("basic-quick"), 50).orElseThrow());
        assertEquals(1.0, r.score(SystemId.BASELINE, Synthetic.series("basic-slow"), 50).orElseThrow());
    }

    @Test
    void aBadLineIsReportedWithTheLine(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("results.csv");
        Files.write(csv, List.of(Results.HEADER, "basic,nosuch,quick,50,1,1,us/op,0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Results.read(csv));
        assertTrue(e.getMessage().contains("basic,nosuch,quick"), e.getMessage());
        Files.write(csv, List.of("wrong header"));
        assertThrows(IllegalArgumentException.class, () -> Results.read(csv));
    }
}
