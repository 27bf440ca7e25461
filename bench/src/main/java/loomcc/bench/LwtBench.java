package loomcc.bench;

import org.openjdk.jmh.annotations.OperationsPerInvocation;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * lwt: the workload as Lwt bind chains (LwtWorkloads), written as the 2011 Lwt code was, on the
 * same loop and with the same blocker promises as FiberBench. The fiber/lwt ratio per N is the
 * figure the 2011 post compared to delimcc/Lwt.
 *
 * One op = one whole workload instance of the {@link Grid} (a promise chain). The loop persists
 * across ops: one invocation runs OPS_PER_LOOP ops in sequence in one LwtMain.run, and JMH divides
 * by it (@OperationsPerInvocation). The score is the average time per op in microseconds; the sum
 * of the ops' values goes to the Blackhole.
 */
@OperationsPerInvocation(LwtBench.OPS_PER_LOOP)
public class LwtBench extends SystemBench {

    /** Ops per loop: the loop persists across ops (see LwtWorkloads). */
    public static final int OPS_PER_LOOP = 16;

    private final LwtWorkloads w = new LwtWorkloads();

    @Override
    protected long invoke(Experiment experiment, Blocker blocker, int n) {
        return w.runBatch(experiment, blocker, n, OPS_PER_LOOP);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems lwt --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'LwtBench\.basic' -p blocker=medium -p n=50,1000 -prof gc
 */
