package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import loomcc.fiber.Fiber;
import loomcc.fiber.FiberHome;

/**
 * {@link LwtFiber#pause}: a fiber parks itself on its loop's pause list, with no wait object, and
 * is woken on the next turn. A cancelled pause leaves its entry behind; that entry must wake
 * nothing, even after the fiber has paused again. A fiber of another home pausing on this
 * thread's loop is resumed on its own home.
 */
class FiberPauseTest {

    @Test
    void aCancelledPauseLeavesAStaleEntryThatWakesNothing() {
        List<String> seen = new ArrayList<>();
        LwtMain.run(() -> {
            Lwt<Void> ticker = LwtFiber.start(() -> {
                for (int turn = 1; turn <= 3; turn++) {
                    LwtFiber.pause();
                    seen.add("turn " + turn);
                }
                return null;
            });
            Lwt<Void> f = LwtFiber.start(() -> {
                try {
                    LwtFiber.pause();
                    seen.add("first pause returned");
                } catch (Lwt.Canceled c) {
                    seen.add("first pause threw Canceled");
                }
                LwtFiber.pause();                   // queued after the first pause's stale entry
                seen.add("second pause returned");
                LwtFiber.pause();
                seen.add("third pause returned");
                return null;
            });
            f.cancel();           // the fiber's promise is rejected at once; the fiber itself goes on
            assertTrue(f.isRejected());
            return ticker;        // ends on turn 3, after the fiber's last pause
        });
        // Each pause takes exactly one turn: had the stale entry woken the second pause, the
        // second pause's own entry would have woken the third within the same turn.
        assertEquals(List.of("first pause threw Canceled", "turn 1", "second pause returned",
                "turn 2", "third pause returned", "turn 3"), seen);
    }

    @Test
    void aTimeoutEndsAFiberThatOnlyPauses() {
        int[] pauses = {0};
        // A real clock: a virtual one moves only when the loop is idle, and a pausing fiber never lets it.
        String out = LwtMain.run(() -> LwtFiber.start(() -> {
            try {
                LwtFiber.withTimeout(0.05, () -> {
                    while (true) {                  // busy work that lets the loop turn
                        LwtFiber.pause();
                        pauses[0]++;
                    }
                });
                return "no timeout";
            } catch (java.util.concurrent.TimeoutException e) {
                LwtFiber.pause();                   // the parked pause's stale entry is behind us
                return "timed out";
            }
        }));
        assertEquals("timed out", out);
        assertTrue(pauses[0] > 0);
    }

    @Test
    void aFiberOfAnotherHomePausingOnThisLoopIsResumedOnItsOwnHome() {
        AtomicInteger posted = new AtomicInteger();
        AtomicReference<Boolean> resumedOnHome = new AtomicReference<>();
        Thread loopThread = Thread.currentThread();
        FiberHome home = new FiberHome() {
            @Override
            public boolean inHome() {
                return Thread.currentThread() == loopThread;
            }

            @Override
            public void execute(Runnable task) {
                posted.incrementAndGet();
                Lwt.async(() -> {                    // the home's own queue: a turn of this loop
                    task.run();
                    return Lwt.resolved(null);
                });
            }
        };
        String out = LwtMain.run(() -> {
            Resolver<String> done = Lwt.pending();
            Fiber.start(home, () -> {
                LwtFiber.pause();
                resumedOnHome.set(Fiber.onHome(home)); // (the vthread backend runs the body on a thread of its own)
                return "resumed";
            }, (v, e) -> {
                if (e != null) {
                    done.reject(e);
                } else {
                    done.resolve(v);
                }
            });
            return done.promise();
        });
        assertEquals("resumed", out);
        assertEquals(1, posted.get(), "the wake-up went through the fiber's home");
        assertEquals(Boolean.TRUE, resumedOnHome.get());
    }
}
