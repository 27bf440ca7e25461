package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

class FiberWorkloadsTest extends WorkloadsSpec {
    @Override
    Workloads create() {
        return new FiberWorkloads();
    }

    @Test
    void aBatchRunsEveryOpOnOneLoop() {
        FiberWorkloads w = new FiberWorkloads();
        assertEquals(16 * Experiment.RECURSE2.result(50), w.runBatch(Experiment.RECURSE2, Blocker.MEDIUM, 50, 16));
        assertEquals(16 * 50, w.awaits());
        assertEquals(16 * 50, w.suspensions());
    }
}
