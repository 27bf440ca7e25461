package loomcc.bench;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtFiber;

/**
 * The workload as loomcc fibers on the Lwt loop: each op is a new fiber ({@code LwtFiber.start})
 * that runs the experiment in direct style, awaiting Lwt promises.
 *
 * <p>Blockers: quick = the same shared, already fulfilled promise {@link LwtWorkloads} binds on
 * (so bytes per await measure the await, not the making of a promise); medium =
 * {@code LwtFiber.pause()}, which queues the fiber itself for the loop's next turn where Lwt code
 * needs a promise from {@code Lwt.pause()} to bind on; slow = {@code LwtFiber.sleep(0)}, whose
 * timer wakes the fiber itself where Lwt code binds on {@code LwtUnix.sleep(0)}'s promise. Both
 * are what a user of each style writes.
 *
 * <p>The loop is the scheduler, so it persists across ops as {@link BenchLoop} does for
 * completable and the raw driver's queue does for raw: {@link #runBatch} runs several ops, one
 * after the other, inside one {@code LwtMain.run}. {@link #run} (one op, one loop) is for the
 * sanity tests.
 */
public class FiberWorkloads extends DirectStyle {

    static final Lwt<Void> DONE = Lwt.resolved(null);

    @Override
    public long run(Experiment experiment, Blocker blocker, int n) {
        return runBatch(experiment, blocker, n, 1);
    }

    /** Runs {@code ops} ops in sequence on one loop; returns the sum of their values. */
    public long runBatch(Experiment experiment, Blocker blocker, int n, int ops) {
        this.blocker = blocker;
        return LwtWorkloads.inSequenceOnOneLoop(ops, () -> LwtFiber.start(() -> compute(experiment, n)));
    }

    @Override
    protected long await(long v) {
        awaits++;
        switch (blocker) {
            case QUICK -> LwtFiber.await(DONE);
            case MEDIUM -> {
                suspensions++;
                LwtFiber.pause(); // a fiber pauses itself: no promise needed
            }
            case SLOW -> {
                suspensions++;
                LwtFiber.sleep(0); // the fiber's own timer: no promise needed (a zero sleep always suspends)
            }
        }
        return v;
    }
}
