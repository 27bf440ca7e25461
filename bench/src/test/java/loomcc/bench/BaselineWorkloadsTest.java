package loomcc.bench;

import loomcc.bench.Grid.Series;

class BaselineWorkloadsTest extends WorkloadsSpec {
    @Override
    Workloads create() {
        return new BaselineWorkloads();
    }

    @Override
    long expectedSuspensions(Series s, long awaits) {
        return 0; // the baseline never suspends: that is what it is for
    }
}
