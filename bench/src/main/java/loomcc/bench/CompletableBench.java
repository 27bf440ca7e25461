package loomcc.bench;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * completable: CompletableFuture thenCompose chains (CompletableWorkloads) on a single-threaded
 * loop run by the JMH thread (BenchLoop): the JDK's monadic promise, the peer of the 2011 Lwt
 * code (target on basic-slow: fiber < completable). Blockers: see CompletableWorkloads.
 */
public class CompletableBench extends SystemBench {

    private final Workloads w = new CompletableWorkloads();

    @Override
    protected long invoke(Experiment experiment, Blocker blocker, int n) {
        return w.run(experiment, blocker, n);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems completable --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'CompletableBench\.basic' -p blocker=medium -p n=50,1000 -prof gc
 */
