package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

class LwtWorkloadsTest extends WorkloadsSpec {
    @Override
    Workloads create() {
        return new LwtWorkloads();
    }

    @Test
    void aBatchRunsEveryOpOnOneLoop() {
        LwtWorkloads w = new LwtWorkloads();
        assertEquals(16 * Experiment.BASIC.result(50), w.runBatch(Experiment.BASIC, Blocker.SLOW, 50, 16));
        assertEquals(16 * 50, w.awaits());
        assertEquals(16 * 50, w.suspensions());
    }
}
