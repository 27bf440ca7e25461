package loomcc.bench;

import org.openjdk.jmh.annotations.Fork;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/*
 * vthread: JDK virtual threads in direct style (VThreadWorkloads), what a JDK user picks instead
 * of fibers (target on basic-medium: fiber < vthread). One new virtual thread per op, joined.
 *
 * The fork runs with jdk.virtualThreadScheduler.parallelism=1 and maxPoolSize=1 (the scheduler
 * is a ForkJoinPool sized from these, VirtualThread.createDefaultScheduler): one carrier, as the
 * Lwt loop is one thread, so a yield is a turn of one queue and not a steal by another core of a
 * 2-core machine. And with -Djmh.executor=VIRTUAL (JMH 1.37) the benchmark thread is itself a
 * virtual thread on that carrier: starting, yielding, waking and joining the op's thread are
 * then mounts and unmounts on one carrier, with no platform-thread park/unpark per op, as the
 * Lwt loop runs on the JMH thread. (The timer of the slow blocker is the scheduler's own
 * DelayScheduler thread: a second thread the JDK design has and the Lwt loop does not.)
 */
@Fork(value = 1, jvmArgsAppend = {Grid.ADD_EXPORTS, "-Djmh.executor=VIRTUAL", "-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1"})
public class VThreadBench extends SystemBench {

    private final Workloads w = new VThreadWorkloads();

    @Override
    protected long invoke(Experiment experiment, Blocker blocker, int n) {
        return w.run(experiment, blocker, n);
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25; the report runs this class with the rest):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -jar bench/target/loomcc-bench.jar --systems vthread --experiments basic --sizes 50,1000
 *
 * or JMH's own command line on the same jar, for instance:
 *
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main 'VThreadBench\.basic' -p blocker=medium -p n=50,1000 -prof gc

 *
 * (VThreadBench's @Fork adds the scheduler flags above; keep them when running it by hand.) */
