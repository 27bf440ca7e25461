package loomcc.internal.cont;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The virtual-thread backend's waiting, seen from inside: a body (or driver) whose interrupt flag
 * is set costs no CPU while it waits for its turn, and finds its flag as it left it. Wake-ups are
 * counted by the runner (park returns), so nothing here asserts a time.
 */
class VThreadBackendTest {
    private final Backend backend = Backends.vthread();

    @Test
    void aSuspendedBodyWhoseInterruptFlagIsSetDoesNotSpinAndKeepsItsFlag() throws Exception {
        Object scope = backend.newScope("interrupted");
        boolean[] flagAfterResume = {false};
        Runner[] self = new Runner[1];
        self[0] = backend.newRunner(scope, () -> {
            Thread.currentThread().interrupt();
            backend.suspend(self[0]);
            flagAfterResume[0] = Thread.currentThread().isInterrupted();
        });
        assertFalse(self[0].runUntilYield(), "suspended");
        // While it is suspended, give a spinning body plenty of time to show itself: before, park
        // returned at once on the interrupted virtual thread, hundreds of thousands of times here.
        new CountDownLatch(1).await(200, TimeUnit.MILLISECONDS);
        assertTrue(self[0].runUntilYield(), "finished");
        assertTrue(flagAfterResume[0], "the body's interrupt flag is as it was when it suspended");
        int wakeups = ((VThreadBackend.VThreadRunner) self[0]).bodyWakeups;
        assertTrue(wakeups <= 4, "park returned " + wakeups + " times for two waits: the body spun");
    }

    @Test
    void aBodyInterruptedWhileSuspendedFindsTheFlagSetWhenResumed() {
        Object scope = backend.newScope("interrupted-later");
        Thread[] body = new Thread[1];
        boolean[] flag = {false};
        Runner[] self = new Runner[1];
        self[0] = backend.newRunner(scope, () -> {
            body[0] = Thread.currentThread();
            backend.suspend(self[0]);
            flag[0] = Thread.interrupted();
        });
        assertFalse(self[0].runUntilYield());
        body[0].interrupt();
        assertTrue(self[0].runUntilYield());
        assertTrue(flag[0], "an interrupt that arrived while suspended is kept for the body");
    }

    @Test
    void aDriverWhoseInterruptFlagIsSetKeepsIt() {
        Object scope = backend.newScope("driver");
        Runner[] self = new Runner[1];
        self[0] = backend.newRunner(scope, () -> backend.suspend(self[0]));
        Thread.currentThread().interrupt();
        try {
            assertFalse(self[0].runUntilYield());
            assertTrue(self[0].runUntilYield());
            assertTrue(Thread.currentThread().isInterrupted(), "the driver's flag is as it was");
        } finally {
            Thread.interrupted();
        }
        assertEquals(false, Thread.currentThread().isInterrupted());
    }
}
