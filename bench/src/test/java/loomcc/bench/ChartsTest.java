package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import loomcc.bench.Grid.SystemId;

class ChartsTest {

    @Test
    void onePngPerSeriesThatRanAndNoneForTheRest(@TempDir Path dir) throws Exception {
        Results r = new Synthetic()
                .linear(SystemId.RAW, Synthetic.series("basic-medium"), 2, 0.1, 0, 0, 50, 1000)
                .linear(SystemId.BASELINE, Synthetic.series("basic-medium"), 1, 0.01, 0, 0, 50, 1000)
                .build();
        Map<String, String> files = Charts.draw(r, dir);
        // the baseline has no blocker, so it draws into every basic chart; recurse* have nothing
        assertEquals(List.of("basic-quick", "basic-medium", "basic-slow"), List.copyOf(files.keySet()));
        BufferedImage img = ImageIO.read(dir.resolve("basic-medium.png").toFile());
        assertEquals(1500, img.getWidth()); // 900 px at 120 dpi (XChart scales from 72)
        assertTrue(Files.size(dir.resolve("basic-medium.png")) > 10_000);
        assertNull(Charts.chart(r, Synthetic.series("recurse-slow")));
        assertEquals(2, Charts.chart(r, Synthetic.series("basic-medium")).getSeriesMap().size());
    }
}
