package loomcc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeSet;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;

/**
 * The measured cells of one report run, and their CSV form ({@code results.csv}): one row per
 * cell, {@code experiment,system,blocker,N,score,error,unit,bytes_per_op}. The baseline's rows
 * carry blocker {@code none} (it has no blocker). A missing figure (no error with one iteration,
 * no bytes without the gc profiler) is an empty field, read back as NaN.
 */
public final class Results {

    public static final String HEADER = "experiment,system,blocker,N,score,error,unit,bytes_per_op";
    /** The baseline's blocker column. */
    public static final String NO_BLOCKER = "none";

    /** One cell. {@code blocker} is null for the baseline. */
    public record Row(Experiment experiment, SystemId system, Blocker blocker, int n, double score,
            double error, String unit, double bytesPerOp) {

        public String toCsv() {
            return String.join(",", experiment.id(), system.id(), blocker == null ? NO_BLOCKER : blocker.id(),
                    Integer.toString(n), num(score), num(error), unit, num(bytesPerOp));
        }

        public static Row parseCsv(String line) {
            String[] f = line.split(",", -1);
            if (f.length != 8) {
                throw new IllegalArgumentException("results.csv: expected 8 fields (" + HEADER + "), got "
                        + f.length + " in: " + line);
            }
            try {
                return new Row(Experiment.of(f[0]), SystemId.of(f[1]),
                        f[2].trim().equals(NO_BLOCKER) ? null : Blocker.of(f[2]), Integer.parseInt(f[3].trim()),
                        parse(f[4]), parse(f[5]), f[6].trim(), parse(f[7]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("results.csv: cannot read line: " + line + " (" + e.getMessage() + ")", e);
            }
        }

        private static String num(double d) {
            return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.6g", d);
        }

        private static double parse(String s) {
            return s.isBlank() ? Double.NaN : Double.parseDouble(s.trim());
        }
    }

    private final List<Row> rows;

    public Results(List<Row> rows) {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(Row::experiment).thenComparing(Row::system)
                .thenComparing(r -> r.blocker() == null ? -1 : r.blocker().ordinal()).thenComparingInt(Row::n));
        this.rows = List.copyOf(sorted);
    }

    public List<Row> rows() {
        return rows;
    }

    /** The cell of {@code system} in {@code series} at {@code n}; the baseline answers for every blocker. */
    public Optional<Row> cell(SystemId system, Series series, int n) {
        for (Row r : rows) {
            if (r.system() == system && r.experiment() == series.experiment() && r.n() == n
                    && (r.blocker() == null || r.blocker() == series.blocker())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public OptionalDouble score(SystemId system, Series series, int n) {
        return cell(system, series, n).map(r -> OptionalDouble.of(r.score())).orElse(OptionalDouble.empty());
    }

    /** True when any cell of {@code system} was measured. */
    public boolean ran(SystemId system) {
        return rows.stream().anyMatch(r -> r.system() == system);
    }

    /** The N measured in {@code series} by any system, ascending. */
    public List<Integer> sizes(Series series) {
        TreeSet<Integer> ns = new TreeSet<>();
        for (Row r : rows) {
            if (r.experiment() == series.experiment() && (r.blocker() == null || r.blocker() == series.blocker())) {
                ns.add(r.n());
            }
        }
        return List.copyOf(ns);
    }

    public void write(Path csv) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        rows.forEach(r -> lines.add(r.toCsv()));
        Files.write(csv, lines, StandardCharsets.UTF_8);
    }

    public static Results read(Path csv) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER)) {
            throw new IllegalArgumentException(csv + ": the first line must be the header " + HEADER);
        }
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(Row.parseCsv(line));
            }
        }
        return new Results(rows);
    }
}
