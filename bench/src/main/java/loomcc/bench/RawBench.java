package loomcc.bench;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * raw: the workload as a bare jdk.internal.vm.Continuation and a ten-line scheduler
 * (RawWorkloads): the floor under loomcc's fibers. Measured so that "fiber / raw" says what
 * loomcc's own layers (prompt, fiber, promise, loop) cost over the JDK engine they sit on
 * (target on basic-medium: fiber <= 1.15 x raw).
 */
public class RawBench extends SystemBench {

    private final Workloads w = new RawWorkloads();

    @Override
    protected long invoke(Experiment experiment, Blocker blocker, int n) {
        return w.run(experiment, blocker, n);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems raw --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'RawBench\.basic' -p blocker=medium -p n=50,1000 -prof gc
 */
