package loomcc.bench;

import org.openjdk.jmh.annotations.OperationsPerInvocation;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * fiber: the workload as loomcc fibers on the Lwt loop (FiberWorkloads): each op is one
 * LwtFiber.start running the experiment in direct style over LwtFiber.await. This is the system
 * the 2011 post called delimcc/Lwt_fiber; its rival is LwtBench, the same workload as bind chains
 * on the same loop with the same blocker promises.
 *
 * One op = one fiber running one whole workload instance of the {@link Grid}. The loop is the
 * scheduler and persists across ops (as BenchLoop does for completable and the run queue for raw):
 * one invocation runs OPS_PER_LOOP ops in sequence in one LwtMain.run, and JMH divides by it
 * (@OperationsPerInvocation), so starting a loop is not counted as part of an op. The score is the
 * average time per op in microseconds; the sum of the ops' values goes to the Blackhole.
 */
@OperationsPerInvocation(FiberBench.OPS_PER_LOOP)
public class FiberBench extends SystemBench {

    /** Ops per loop: the loop persists across ops (see FiberWorkloads). */
    public static final int OPS_PER_LOOP = 16;

    private final FiberWorkloads w = new FiberWorkloads();

    @Override
    protected long invoke(Experiment experiment, Blocker blocker, int n) {
        return w.runBatch(experiment, blocker, n, OPS_PER_LOOP);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems fiber --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'FiberBench\.basic' -p blocker=medium -p n=50,1000 -prof gc
 */
