package loomcc.bench;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * baseline: the same loops and recursions with no await at all (BaselineWorkloads): what the
 * workload costs before any system suspends anything. The blocker parameter is ignored (the
 * report runs blocker=medium only and files it as "none").
 */
public class BaselineBench extends SystemBench {

    private final Workloads w = new BaselineWorkloads();

    @Override
    protected long invoke(Experiment experiment, Blocker blocker, int n) {
        return w.run(experiment, blocker, n);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems baseline --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'BaselineBench\.basic' -p blocker=medium -p n=50,1000 -prof gc
 */
