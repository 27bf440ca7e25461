package loomcc.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.CancellationException;
import loomcc.fiber.Callback;
import loomcc.fiber.Fiber;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A fiber's wait (Fiber.Wait: ARMED -> FIRED | CANCELLED): the awaited callback is completed on one
 * thread while the fiber's home runs the tasks it was sent and then cancels the fiber. Exactly one
 * wins, and the fiber ends exactly once with that winner's outcome: never both, never neither (a
 * lost wake-up would leave it suspended after the home has run everything it was given). The
 * completion wins only if its resume ran on the home before the cancel; a cancel wins over a
 * completion that came first but whose resume was still queued (prompt cancellation).
 *
 * <p>r1: what {@code cancel} returned (1 = it interrupted the wait). r2: how the fiber ended, seen
 * once the home ran its queued tasks: 1 with the value, 2 with the cancel, 0 not at all, 3 more
 * than once.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "cancel won (before the completion, or with its resume still queued)")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the completion's resume ran first; cancel found the fiber done")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both won")
@Outcome(id = "0, 2", expect = FORBIDDEN, desc = "cancel lost but the fiber saw it")
@Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "lost wake-up: the fiber never ended")
@Outcome(id = ".*, 3", expect = FORBIDDEN, desc = "the fiber ended twice")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class FiberWaitRace {
    private final TestHome home = new TestHome();
    private final Fiber<String> fiber;
    private Callback<String> callback;
    private int ended;
    private String outcome;

    public FiberWaitRace() {
        home.enter();                                     // the fiber starts and suspends on this thread
        fiber = Fiber.start(home, () -> {
            try {
                return Fiber.<String>awaitCallback(cb -> callback = cb);
            } catch (CancellationException c) {
                return "cancelled";
            }
        }, (v, e) -> {
            ended++;
            outcome = e == null ? v : "failed";
        });
        home.leave();
    }

    @Actor
    public void home(II_Result r) {
        home.enter();
        home.runQueued();                                 // a completion's resume, if it came already
        r.r1 = fiber.cancel(new CancellationException("cancelled by the home")) ? 1 : 0;
        home.leave();
    }

    @Actor
    public void completer() {
        callback.success("value");
    }

    @Arbiter
    public void after(II_Result r) {
        home.enter();
        home.runQueued();                                 // a completion's resume, if it was posted
        home.leave();
        r.r2 = ended == 0 ? 0 : ended > 1 ? 3 : "value".equals(outcome) ? 1 : "cancelled".equals(outcome) ? 2 : 4;
    }
}
