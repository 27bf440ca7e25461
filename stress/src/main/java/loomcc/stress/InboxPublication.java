package loomcc.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import loomcc.internal.lwt.EventLoop;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtMain;
import loomcc.lwt.Resolver;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The loop's inbox ({@code EventLoop.execute} from another thread: an MPSC offer, then a wake-up of
 * the parked loop). What the poster wrote before {@code execute}, in plain fields, is what the task
 * reads on the loop thread (the hand-off happens-before the task), and the loop, parked with nothing
 * else to do, wakes for it: a lost wake-up would hang the loop actor and fail the run.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "the task saw both writes made before execute")
@Outcome(expect = FORBIDDEN, desc = "a write made before execute was not visible to the task")
@State
public class InboxPublication {
    private volatile EventLoop loop;
    private Resolver<Void> done;
    private int a;
    private int b;
    private int seenA = -1;
    private int seenB = -1;

    @Actor
    public void poster() {
        EventLoop l;
        while ((l = loop) == null) {
            Thread.onSpinWait();
        }
        a = 1;
        b = 2;
        Resolver<Void> d = done;                          // published with loop (set before it)
        l.execute(() -> {
            seenA = a;
            seenB = b;
            d.resolve(null);
        });
    }

    @Actor
    public void loopThread() {
        LwtMain.run(() -> {
            Resolver<Void> d = Lwt.pending();
            done = d;
            loop = EventLoop.current();
            return d.promise();                           // resolved only by the posted task
        });
    }

    @Arbiter
    public void after(II_Result r) {
        r.r1 = seenA;
        r.r2 = seenB;
    }
}
