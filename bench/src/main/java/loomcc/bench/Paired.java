package loomcc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

/**
 * Side-by-side ratios: the target ratios of issue 5, measured by {@link PairedBench} with the
 * systems' ops interleaved in one fork, so that a burst of a noisy neighbour slows both sides of
 * a ratio alike. Separate cells of the grid run seconds apart, and on a shared 2-core machine the
 * same cell can run 1.8x slower from one second to the next (while the ratio of two systems run
 * in alternation stays within a few percent: see the report's section on them).
 *
 * <p>This class names which systems share a cell ({@link #group}), turns a cell's per-iteration
 * times into ratios ({@link #ratios}), and reads and writes {@code paired.csv}: one row per ratio,
 * {@code series,N,a,b,ratio,min,max,iterations}; {@code ratio} is a's total time over b's total
 * time in the measurement iterations, {@code min} and {@code max} the range of the per-iteration
 * ratios (see {@link #ratios}). A row whose a and b are the same system is that system's growth
 * ({@link LinearityBench}): its per-await time at N (1000) over its per-await time at N=50, the
 * two depths run in turn in one fork ({@link #growth}).
 */
public final class Paired {
    private Paired() {
    }

    public static final String HEADER = "series,N,a,b,ratio,min,max,iterations";

    /**
     * The systems that run side by side in a series' cell: fiber, its rivals in the targets, and
     * raw; on basic-medium also raw on the Lwt loop, which splits fiber's cost over raw in two.
     */
    public static List<SystemId> group(Series s) {
        return switch (s.id()) {
            case "basic-quick" -> List.of(SystemId.FIBER, SystemId.LWT);
            case "basic-medium" -> List.of(SystemId.FIBER, SystemId.LWT, SystemId.VTHREAD, SystemId.RAW, SystemId.RAWLOOP);
            case "basic-slow" -> List.of(SystemId.FIBER, SystemId.LWT, SystemId.COMPLETABLE, SystemId.RAW);
            default -> List.of(SystemId.FIBER, SystemId.LWT, SystemId.RAW);
        };
    }

    /**
     * The ratios a cell yields: fiber and raw, each over every other system of the group, and
     * rawloop over raw (what the loop adds to a bare continuation).
     */
    static List<SystemId[]> pairs(Series s) {
        List<SystemId[]> out = new ArrayList<>();
        List<SystemId> g = group(s);
        for (SystemId a : List.of(SystemId.FIBER, SystemId.RAW)) {
            if (!g.contains(a)) {
                continue;
            }
            for (SystemId b : g) {
                if (b != a && b != SystemId.FIBER && !(a == SystemId.RAW && b == SystemId.RAWLOOP)) {
                    out.add(new SystemId[] {a, b});
                }
            }
        }
        if (g.contains(SystemId.RAWLOOP) && g.contains(SystemId.RAW)) {
            out.add(new SystemId[] {SystemId.RAWLOOP, SystemId.RAW});
        }
        return out;
    }

    /** {@code system}'s growth over {@code s} (a row of it over itself), when the run measured it. */
    static Optional<Ratio> growth(List<Ratio> rows, SystemId system, Series s) {
        return rows.stream().filter(r -> r.a() == system && r.b() == system && r.series().equals(s)).findFirst();
    }

    /** One side-by-side ratio. */
    public record Ratio(Series series, int n, SystemId a, SystemId b, double ratio, double min, double max,
            int iterations) {

        /** {@code min–max}: the range of the per-iteration ratios, as the report prints it. */
        String range() {
            return Analysis.fmt(min) + "–" + Analysis.fmt(max);
        }

        String toCsv() {
            return String.join(",", series.id(), Integer.toString(n), a.id(), b.id(), num(ratio), num(min), num(max),
                    Integer.toString(iterations));
        }

        static Ratio parseCsv(String line) {
            String[] f = line.split(",", -1);
            if (f.length != 8) {
                throw new IllegalArgumentException("paired.csv: expected 8 fields (" + HEADER + "), got " + f.length
                        + " in: " + line);
            }
            return new Ratio(Series.of(f[0]), Integer.parseInt(f[1].trim()), SystemId.of(f[2]),
                    SystemId.of(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                    Integer.parseInt(f[7].trim()));
        }

        private static String num(double d) {
            return String.format(Locale.ROOT, "%.6g", d);
        }
    }

    /**
     * The ratio a/b of one cell from its per-iteration times ({@code aNanos[i]}, {@code bNanos[i]}:
     * the time each side spent in iteration i, for the same number of ops): a's total over b's
     * total, so that a cost that comes in lumps (a GC pause lands in one side's turn, now and
     * then) counts in full, as it does in that system's own time; a burst of load counts on both
     * sides alike, since they alternate every few milliseconds. Min and max are the range of the
     * per-iteration ratios. Empty when a side has no time (it did not run).
     */
    static Optional<Ratio> ratios(Series s, int n, SystemId a, SystemId b, long[] aNanos, long[] bNanos) {
        int k = Math.min(aNanos.length, bNanos.length);
        long sumA = 0;
        long sumB = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        int m = 0;
        for (int i = 0; i < k; i++) {
            if (aNanos[i] > 0 && bNanos[i] > 0) {
                double r = (double) aNanos[i] / bNanos[i];
                min = Math.min(min, r);
                max = Math.max(max, r);
                sumA += aNanos[i];
                sumB += bNanos[i];
                m++;
            }
        }
        return m == 0 ? Optional.empty() : Optional.of(new Ratio(s, n, a, b, (double) sumA / sumB, min, max, m));
    }

    public static void write(Path csv, List<Ratio> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        rows.forEach(r -> lines.add(r.toCsv()));
        Files.write(csv, lines, StandardCharsets.UTF_8);
    }

    /** paired.csv, or no rows when the file is not there (a run without side-by-side cells). */
    public static List<Ratio> read(Path csv) throws IOException {
        if (!Files.exists(csv)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER)) {
            throw new IllegalArgumentException(csv + ": the first line must be the header " + HEADER);
        }
        List<Ratio> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(Ratio.parseCsv(line));
            }
        }
        return rows;
    }
}
