package loomcc.bench;

import org.openjdk.jmh.annotations.OperationsPerInvocation;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * rawloop: a bare JDK continuation driven by loomcc's Lwt loop (RawLoopWorkloads), 16 ops per
 * loop as fiber and lwt run. It measures the loop's part of a fiber's suspension; the report runs
 * it side by side only (PairedBench), not in the grid.
 */
@OperationsPerInvocation(RawLoopBench.OPS_PER_LOOP)
public class RawLoopBench extends SystemBench {

    public static final int OPS_PER_LOOP = 16;

    private final RawLoopWorkloads w = new RawLoopWorkloads();

    @Override
    protected long invoke(Experiment experiment, Blocker blocker, int n) {
        return w.runBatch(experiment, blocker, n, OPS_PER_LOOP);
    }
}
