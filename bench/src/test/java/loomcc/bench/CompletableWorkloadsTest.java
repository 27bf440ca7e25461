package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

class CompletableWorkloadsTest extends WorkloadsSpec {
    @Override
    Workloads create() {
        return new CompletableWorkloads();
    }

    /** medium and slow go round the loop once per await (one turn each: the next turn, not later). */
    @Test
    void mediumAndSlowTakeOneLoopTurnPerAwait() {
        for (Blocker b : new Blocker[] {Blocker.MEDIUM, Blocker.SLOW}) {
            CompletableWorkloads w = new CompletableWorkloads();
            w.run(Experiment.BASIC, b, 20);
            assertEquals(20, w.turns(), b.id());
        }
        CompletableWorkloads w = new CompletableWorkloads();
        w.run(Experiment.BASIC, Blocker.QUICK, 20);
        assertEquals(0, w.turns(), "quick never needs the loop");
    }

    @Test
    void timersRunInDeadlineOrderAndTasksOnTheNextTurn() {
        BenchLoop loop = new BenchLoop();
        StringBuilder order = new StringBuilder();
        // 'c' must not be due before the second turn: 200 ms, not 2 ms, so a cold JVM's first
        // turn (class loading, interpretation) cannot reach it (it did, in a fresh-clone CI run).
        loop.schedule(200_000_000, () -> order.append('c'));
        loop.schedule(0, () -> order.append('b'));
        loop.execute(() -> {
            order.append('a');
            loop.execute(() -> order.append('d')); // next turn: after this turn's due timers
        });
        loop.runUntilIdle();
        assertEquals("abdc", order.toString());
        assertTrue(loop.turns() >= 2);
    }
}
