package loomcc.bench;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/**
 * One system's implementation of the {@link Grid}: runs one op (one whole workload instance) on
 * the calling thread and returns its value. Counts the awaits it does and how many of them really
 * suspended, so a sanity test can prove that a benchmark measures what it claims: a plain field
 * increment, the same for every system. Not thread-safe: one instance per JMH thread.
 */
public abstract class Workloads {

    /** Awaits done since construction. */
    protected long awaits;
    /** Awaits that went through the scheduler (the blocker's promise was not yet resolved). */
    protected long suspensions;

    /** Runs one op to the end and returns its value ({@link Experiment#result}). */
    public abstract long run(Experiment experiment, Blocker blocker, int n);

    public final long awaits() {
        return awaits;
    }

    public long suspensions() {
        return suspensions;
    }
}
