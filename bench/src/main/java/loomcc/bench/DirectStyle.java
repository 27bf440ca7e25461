package loomcc.bench;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/**
 * The three experiments in direct style, for the systems whose await blocks the caller (raw,
 * vthread, baseline and, with the bridge, fiber): written once, so those systems differ only in
 * {@link #await}. Each system runs in its own JMH fork, so {@code await} is monomorphic there.
 */
public abstract class DirectStyle extends Workloads {

    /** The blocker of the op that is running. */
    protected Blocker blocker;

    /** Awaits a promise of {@code blocker}'s kind whose value is {@code v}, and returns v. */
    protected abstract long await(long v);

    /** Runs the experiment in the calling context (for a fiber system: inside the fiber). */
    protected final long compute(Experiment experiment, int n) {
        return switch (experiment) {
            case BASIC -> basic(n);
            case RECURSE -> recurse(n);
            case RECURSE2 -> recurse2(n);
        };
    }

    private long basic(int n) {
        long acc = 0;
        for (int i = 0; i < n; i++) {
            acc += await(i);
        }
        return acc;
    }

    /** Non-tail recursion of depth k, one await at the bottom. */
    private long recurse(int k) {
        return k == 0 ? await(0) : recurse(k - 1) + k;
    }

    /** Non-tail recursion of depth k, an await at every level before recursing. */
    private long recurse2(int k) {
        if (k == 0) {
            return 0;
        }
        long v = await(k);
        return v + recurse2(k - 1);
    }
}
