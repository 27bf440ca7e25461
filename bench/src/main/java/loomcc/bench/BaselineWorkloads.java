package loomcc.bench;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/** The baseline: the same loops and recursions, where "await" is a plain call that returns. */
public class BaselineWorkloads extends DirectStyle {

    @Override
    public long run(Experiment experiment, Blocker blocker, int n) {
        this.blocker = blocker;
        return compute(experiment, n);
    }

    @Override
    protected long await(long v) {
        awaits++;
        return v;
    }
}
