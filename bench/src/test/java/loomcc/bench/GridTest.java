package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.bench.Grid.SystemId;

/** The benchmark classes' @Params spell the Grid (annotations need literals, so this checks them). */
class GridTest {

    static final List<Class<?>> BENCHES = List.of(FiberBench.class, LwtBench.class, RawBench.class, VThreadBench.class,
            CompletableBench.class, BaselineBench.class);

    @Test
    void theSevenSeriesOf2011() {
        assertEquals(List.of("basic-quick", "basic-medium", "basic-slow", "recurse-medium", "recurse-slow",
                "recurse2-medium", "recurse2-slow"), Grid.series().stream().map(Grid.Series::id).toList());
    }

    @Test
    void theSharedCellsSpellTheGridInTheirParams() throws Exception {
        for (Class<?> state : List.of(Cells.Basic.class, Cells.Recurse.class)) {
            Field n = state.getField("n");
            assertEquals(Grid.SIZES, Arrays.stream(n.getAnnotation(Param.class).value()).map(Integer::valueOf).toList(),
                    state.getSimpleName() + ".n");
            List<Blocker> blockers = Arrays.stream(state.getField("blocker").getAnnotation(Param.class).value())
                    .map(Blocker::of).toList();
            Experiment e = state == Cells.Basic.class ? Experiment.BASIC : Experiment.RECURSE;
            assertEquals(e.blockers(), blockers, state.getSimpleName() + ".blocker");
        }
        assertEquals(Experiment.RECURSE2.blockers(), Experiment.RECURSE.blockers()); // they share the Recurse state
    }

    @Test
    void everySystemBenchmarksEachExperimentOnTheSharedCellsAndForksWithTheFlag() throws Exception {
        for (Class<?> c : BENCHES) {
            assertEquals(Cells.Basic.class, c.getMethod("basic", Cells.Basic.class).getParameterTypes()[0]);
            assertEquals(Cells.Recurse.class, c.getMethod("recurse", Cells.Recurse.class).getParameterTypes()[0]);
            assertEquals(Cells.Recurse.class, c.getMethod("recurse2", Cells.Recurse.class).getParameterTypes()[0]);
            assertTrue(Arrays.asList(c.getAnnotation(Fork.class).jvmArgsAppend()).contains(Grid.ADD_EXPORTS),
                    c.getSimpleName() + " forks with the add-exports flag");
            assertEquals(c, Class.forName(SystemId.ofClass(c.getName()).className()));
        }
    }

    @Test
    void vthreadForksOnOneCarrierWithAVirtualBenchmarkThread() {
        List<String> args = Arrays.asList(VThreadBench.class.getAnnotation(Fork.class).jvmArgsAppend());
        assertTrue(args.contains("-Djdk.virtualThreadScheduler.parallelism=1"), args.toString());
        assertTrue(args.contains("-Djmh.executor=VIRTUAL"), args.toString());
    }

    @Test
    void expectedValuesAndAwaits() {
        assertEquals(0 + 1 + 2 + 3, Experiment.BASIC.result(4));
        assertEquals(4 + 3 + 2 + 1, Experiment.RECURSE.result(4));
        assertEquals(1, Experiment.RECURSE.awaits(1000));
        assertEquals(1000, Experiment.RECURSE2.awaits(1000));
        assertEquals(0, Blocker.QUICK.suspensions(50));
        assertEquals(50, Blocker.SLOW.suspensions(50));
    }
}
