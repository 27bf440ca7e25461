package loomcc.bench;

import java.util.concurrent.locks.LockSupport;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/**
 * The floor for loomcc's design: the workload as a bare {@code jdk.internal.vm.Continuation}
 * driven by the smallest scheduler that has the 2011 blockers, with no library around it: no
 * prompt, no fiber object, no promise, no callback, no allocation per await.
 *
 * <h2>The scheduler</h2>
 * One thread (the caller's). A run queue of continuations and a timer queue of (deadline,
 * continuation). One turn: resume every continuation that was ready when the turn began (so a
 * re-queued one waits for the next turn, as {@code Lwt.pause} does), then read the clock once and
 * resume the timers that are due ({@code Lwt_unix.sleep 0} fires on the loop's next iteration).
 * Every delay here is zero, so deadlines arrive in order and the timer queue is a FIFO ring, not a
 * heap (asserted).
 *
 * <h2>Await</h2>
 * quick: returns at once, no yield. medium: put the running continuation on the run queue and
 * yield. slow: put it on the timer queue with deadline now + 0 and yield.
 */
public class RawWorkloads extends DirectStyle {

    static final ContinuationScope SCOPE = new ContinuationScope("raw");

    private Continuation[] ready = new Continuation[8];
    private int readyHead;
    private int readyCount;
    private Continuation[] timers = new Continuation[8];
    private long[] deadlines = new long[8];
    private int timerHead;
    private int timerCount;

    private Continuation current;
    private Experiment experiment;
    private int n;
    private long result;
    private final Runnable body = () -> result = compute(experiment, n);

    @Override
    public long run(Experiment experiment, Blocker blocker, int n) {
        this.experiment = experiment;
        this.blocker = blocker;
        this.n = n;
        Continuation c = new Continuation(SCOPE, body);
        resume(c);
        loop();
        if (!c.isDone()) {
            throw new IllegalStateException("raw: the scheduler ran dry before the workload ended");
        }
        return result;
    }

    @Override
    protected long await(long v) {
        awaits++;
        switch (blocker) {
            case QUICK -> {
                return v;
            }
            case MEDIUM -> pushReady(current);
            case SLOW -> pushTimer(current, System.nanoTime());
        }
        suspensions++;
        yieldOrFail(SCOPE, "raw");
        return v;
    }

    /** Yields the running continuation of {@code scope}; a refusal (a pin) fails the op loudly. */
    static void yieldOrFail(ContinuationScope scope, String system) {
        if (!Continuation.yield(scope)) {
            throw new IllegalStateException(system + ": the continuation did not yield (pinned?)");
        }
    }

    private void resume(Continuation c) {
        current = c;
        c.run();
        current = null;
    }

    private void loop() {
        while (readyCount > 0 || timerCount > 0) {
            for (int k = readyCount; k > 0; k--) { // only what was ready when the turn began
                resume(popReady());
            }
            if (timerCount > 0) {
                long now = System.nanoTime();
                while (timerCount > 0 && deadlines[timerHead] - now <= 0) {
                    resume(popTimer());
                }
                // Nothing to do until the next deadline: sleep. Read the clock again first: a timer
                // that a resumed continuation just scheduled with delay 0 is already due, and a
                // parkNanos of a few ns costs the OS timer slack (~50 µs), not a few ns.
                long wait;
                if (readyCount == 0 && timerCount > 0 && (wait = deadlines[timerHead] - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
    }

    private void pushReady(Continuation c) {
        if (readyCount == ready.length) {
            ready = grow(ready, readyHead, readyCount);
            readyHead = 0;
        }
        ready[(readyHead + readyCount++) & (ready.length - 1)] = c;
    }

    private Continuation popReady() {
        Continuation c = ready[readyHead];
        ready[readyHead] = null;
        readyHead = (readyHead + 1) & (ready.length - 1);
        readyCount--;
        return c;
    }

    private void pushTimer(Continuation c, long deadline) {
        if (timerCount == timers.length) {
            long[] d = new long[deadlines.length * 2];
            for (int i = 0; i < timerCount; i++) {
                d[i] = deadlines[(timerHead + i) & (deadlines.length - 1)];
            }
            deadlines = d;
            timers = grow(timers, timerHead, timerCount);
            timerHead = 0;
        }
        int tail = (timerHead + timerCount) & (timers.length - 1);
        assert timerCount == 0 || deadlines[(tail - 1) & (timers.length - 1)] - deadline <= 0
                : "zero delays only: deadlines must arrive in order";
        timers[tail] = c;
        deadlines[tail] = deadline;
        timerCount++;
    }

    private Continuation popTimer() {
        Continuation c = timers[timerHead];
        timers[timerHead] = null;
        timerHead = (timerHead + 1) & (timers.length - 1);
        timerCount--;
        return c;
    }

    private static Continuation[] grow(Continuation[] ring, int head, int count) {
        Continuation[] out = new Continuation[ring.length * 2];
        for (int i = 0; i < count; i++) {
            out[i] = ring[(head + i) & (ring.length - 1)];
        }
        return out;
    }
}
