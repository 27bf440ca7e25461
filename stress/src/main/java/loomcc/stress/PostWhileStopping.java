package loomcc.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import loomcc.internal.lwt.EventLoop;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtMain;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A post into the inbox racing with the loop's end (its main promise resolves after one turn). The
 * task is refused ({@code post} returns false), or runs, or, posted too late to run, hears that it
 * was abandoned: exactly one of the three; none is lost (the work behind {@code runInMain} relies on
 * it: a caller that is never answered hangs).
 *
 * <p>r1: post returned true (1) or false (0); r2: times the task ran; r3: times it was abandoned.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "posted and ran")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "posted as the loop stopped: abandoned, and told so")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "refused: the loop had stopped")
@Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "lost: posted, never ran, never told")
@Outcome(expect = FORBIDDEN, desc = "anything else (ran or abandoned twice, or both)")
@State
public class PostWhileStopping {
    private volatile EventLoop loop;
    private final AtomicInteger ran = new AtomicInteger();
    private final AtomicInteger abandoned = new AtomicInteger();
    private int posted;

    private final class Task implements Runnable, EventLoop.Abandonable {
        @Override
        public void run() {
            ran.incrementAndGet();
        }

        @Override
        public void abandon(IllegalStateException why) {
            abandoned.incrementAndGet();
        }
    }

    @Actor
    public void poster() {
        EventLoop l;
        while ((l = loop) == null) {
            Thread.onSpinWait();
        }
        posted = l.post(new Task()) ? 1 : 0;
    }

    @Actor
    public void loopThread() {
        LwtMain.run(() -> {
            loop = EventLoop.current();
            return Lwt.pause();                           // one turn, then the loop stops
        });
    }

    @Arbiter
    public void after(III_Result r) {
        r.r1 = posted;
        r.r2 = ran.get();
        r.r3 = abandoned.get();
    }
}
