package loomcc.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

/**
 * One PNG per 2011 chart (a series: experiment and blocker): time per op against N, one line
 * per system that ran, drawn with XChart (Java2D; works headless). Readable on its own: the
 * title names the series and the 2011 post, the axes their units, the legend the systems.
 */
public final class Charts {

    private Charts() {
    }

    private static final Map<SystemId, Color> COLORS = Map.of(
            SystemId.FIBER, new Color(0xD62728), SystemId.LWT, new Color(0x1F77B4),
            SystemId.VTHREAD, new Color(0x2CA02C), SystemId.COMPLETABLE, new Color(0xFF7F0E),
            SystemId.RAW, new Color(0x9467BD), SystemId.BASELINE, new Color(0x7F7F7F));

    /** Draws every series that has data into {@code dir}; returns series id -> file name. */
    public static Map<String, String> draw(Results results, Path dir) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        for (Series s : Grid.series()) {
            XYChart chart = chart(results, s);
            if (chart == null) {
                continue;
            }
            String name = s.id() + ".png";
            BitmapEncoder.saveBitmapWithDPI(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG, 120);
            files.put(s.id(), name);
        }
        return files;
    }

    /** The chart of one series, or null when no system ran it. */
    static XYChart chart(Results results, Series s) {
        String xTitle = switch (s.experiment()) {
            case BASIC -> "N (awaits per op)";
            case RECURSE -> "N (recursion depth; one await at the bottom)";
            case RECURSE2 -> "N (recursion depth; one await per level)";
        };
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title(s.id() + ": time per op against N  (after " + Analysis.POST + ")")
                .xAxisTitle(xTitle).yAxisTitle("time per op (µs, lower is better)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xDDDDDD));
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        int lines = 0;
        for (SystemId sys : Analysis.ORDER) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            List<Double> errs = new ArrayList<>();
            for (int n : results.sizes(s)) {
                results.cell(sys, s, n).ifPresent(r -> {
                    xs.add((double) n);
                    ys.add(r.score());
                    errs.add(Double.isNaN(r.error()) ? 0.0 : r.error());
                });
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries line = chart.addSeries(sys.id() + " – " + sys.label(), xs, ys, errs);
            line.setMarker(SeriesMarkers.CIRCLE);
            line.setLineColor(COLORS.get(sys));
            line.setMarkerColor(COLORS.get(sys));
            if (sys == SystemId.BASELINE) {
                line.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            }
            lines++;
        }
        return lines == 0 ? null : chart;
    }
}
