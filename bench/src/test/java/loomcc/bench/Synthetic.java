package loomcc.bench;

import java.util.ArrayList;
import java.util.List;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.bench.Grid.Series;
import loomcc.bench.Grid.SystemId;
import loomcc.bench.Results.Row;

/** Synthetic results for the report's tests: score = perAwait * awaits + fixed, bytes likewise. */
final class Synthetic {
    private final List<Row> rows = new ArrayList<>();

    Synthetic add(SystemId sys, Series s, int n, double score, double bytes) {
        rows.add(new Row(s.experiment(), sys, sys.hasBlockers() ? s.blocker() : null, n, score, score / 100, "us/op", bytes));
        return this;
    }

    /** A linear system: fixed + perAwait per await (and per level for recurse), bytes fixedB + perAwaitB per await. */
    Synthetic linear(SystemId sys, Series s, double fixed, double perAwait, double fixedB, double perAwaitB, int... ns) {
        for (int n : ns) {
            long a = s.experiment() == Experiment.RECURSE ? n : s.experiment().awaits(n);
            add(sys, s, n, fixed + perAwait * a, fixedB + perAwaitB * s.experiment().awaits(n));
        }
        return this;
    }

    Results build() {
        return new Results(rows);
    }

    static Series series(String id) {
        String[] p = id.split("-");
        return new Series(Experiment.of(p[0]), Blocker.of(p[1]));
    }
}
