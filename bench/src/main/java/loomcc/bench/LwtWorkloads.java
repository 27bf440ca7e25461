package loomcc.bench;

import java.util.function.Supplier;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtMain;
import loomcc.lwt.LwtUnix;

/**
 * The workload as Lwt bind chains, written as the 2011 Lwt code was ({@code >>=}, {@code >|=}),
 * on the same loop and with the same blocker promises as {@link FiberWorkloads}. The loop
 * persists across ops: {@link #runBatch} runs several ops in sequence in one {@code LwtMain.run}.
 */
public class LwtWorkloads extends Workloads {

    private Blocker blocker;

    @Override
    public long run(Experiment experiment, Blocker blocker, int n) {
        return runBatch(experiment, blocker, n, 1);
    }

    /** Runs {@code ops} ops in sequence on one loop; returns the sum of their values. */
    public long runBatch(Experiment experiment, Blocker blocker, int n, int ops) {
        this.blocker = blocker;
        return inSequenceOnOneLoop(ops, () -> switch (experiment) {
            case BASIC -> basic(0, n, 0L);
            case RECURSE -> recurse(n);
            case RECURSE2 -> recurse2(n);
        });
    }

    /**
     * Runs {@code ops} ops, each the promise {@code op} makes, one after the other in one
     * {@code LwtMain.run}; returns the sum of their values. Shared with {@link FiberWorkloads}.
     */
    static long inSequenceOnOneLoop(int ops, Supplier<Lwt<Long>> op) {
        return LwtMain.run(() -> next(op, ops, 0L));
    }

    private static Lwt<Long> next(Supplier<Lwt<Long>> op, int left, long acc) {
        if (left == 0) {
            return Lwt.resolved(acc);
        }
        return op.get().bind(v -> next(op, left - 1, acc + v));
    }

    private Lwt<Void> block() {
        awaits++;
        Lwt<Void> p = switch (blocker) {
            case QUICK -> FiberWorkloads.DONE;
            case MEDIUM -> Lwt.pause();
            case SLOW -> LwtUnix.sleep(0);
        };
        if (p.isPending()) {
            suspensions++;
        }
        return p;
    }

    /** let rec loop i acc = if i = n then return acc else b () >>= fun () -> loop (i+1) (acc+i) */
    private Lwt<Long> basic(int i, int n, long acc) {
        if (i == n) {
            return Lwt.resolved(acc);
        }
        return block().bind(x -> basic(i + 1, n, acc + i));
    }

    /** let rec r k = if k = 0 then b () >|= fun () -> 0 else r (k-1) >|= fun x -> x + k */
    private Lwt<Long> recurse(int k) {
        if (k == 0) {
            return block().map(x -> 0L);
        }
        return recurse(k - 1).map(x -> x + k);
    }

    /** let rec r k = if k = 0 then return 0 else b () >>= fun () -> r (k-1) >|= fun x -> k + x */
    private Lwt<Long> recurse2(int k) {
        if (k == 0) {
            return Lwt.resolved(0L);
        }
        return block().bind(x -> recurse2(k - 1).map(r -> k + r));
    }
}
