package loomcc.bench;

import java.util.function.BiConsumer;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.internal.lwt.EventLoop;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtUnix;
import loomcc.lwt.Resolver;

/**
 * raw on the loop: a bare {@code jdk.internal.vm.Continuation}, as in {@link RawWorkloads}, but
 * driven by loomcc's Lwt loop instead of a ten-line ring: a pause queues the continuation's
 * wake-up on the loop's pause list ({@code EventLoop.pauseFiber}, the list a fiber's pause uses)
 * and yields; the loop's next turn resumes it. No fiber, no wait, no prompt. fiber/rawloop is
 * therefore what loomcc's fiber layer adds to a suspension, and rawloop/raw what a general event
 * loop's turn costs; it runs side by side only ({@link PairedBench}), on the series where the
 * loop's cost decides a target.
 *
 * <p>Blockers: quick returns at once (as raw's); medium as above; slow waits for
 * {@code LwtUnix.sleep(0)}'s promise and resumes from its callback, so it is not a floor there.
 * Ops run one at a time (as the other loop systems do, {@link LwtWorkloads#inSequenceOnOneLoop}),
 * so one field holds the op in flight.
 */
public class RawLoopWorkloads extends DirectStyle {

    static final ContinuationScope SCOPE = new ContinuationScope("rawloop");

    private EventLoop loop;
    private Continuation op;
    private Resolver<Long> opDone;
    private long opValue;
    private Experiment experiment;
    private int n;
    private final Runnable body = () -> opValue = compute(experiment, n);
    private final BiConsumer<Object, Throwable> wake = (v, e) -> resumeOp();

    @Override
    public long run(Experiment experiment, Blocker blocker, int n) {
        return runBatch(experiment, blocker, n, 1);
    }

    /** Runs {@code ops} ops in sequence on one loop; returns the sum of their values. */
    public long runBatch(Experiment experiment, Blocker blocker, int n, int ops) {
        this.experiment = experiment;
        this.blocker = blocker;
        this.n = n;
        return LwtWorkloads.inSequenceOnOneLoop(ops, this::startOp);
    }

    private Lwt<Long> startOp() {
        loop = EventLoop.current();
        opDone = Lwt.pending();
        Lwt<Long> p = opDone.promise();
        op = new Continuation(SCOPE, body);
        resumeOp();
        return p;
    }

    private void resumeOp() {
        Continuation c = op;
        c.run();
        if (c.isDone()) {
            op = null;
            opDone.resolve(opValue);
        }
    }

    @Override
    protected long await(long v) {
        awaits++;
        switch (blocker) {
            case QUICK -> {
                return v;
            }
            case MEDIUM -> loop.pauseFiber(wake);
            case SLOW -> LwtUnix.sleep(0).map(x -> {
                wake.accept(null, null);
                return x;
            });
        }
        suspensions++;
        RawWorkloads.yieldOrFail(SCOPE, "rawloop");
        return v;
    }
}
