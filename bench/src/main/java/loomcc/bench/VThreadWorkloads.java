package loomcc.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

import loomcc.bench.Grid.Blocker;
import loomcc.bench.Grid.Experiment;

/**
 * The workload on a JDK virtual thread, in direct style: one new virtual thread per op (as one
 * fiber per op), started and joined by the caller.
 *
 * <h2>Blockers, and why these (JDK 25 sources, {@code java.lang.VirtualThread})</h2>
 * <ul>
 *   <li>quick: {@code CompletableFuture.completedFuture(v).join()}: await a resolved promise;
 *       never parks.
 *   <li>medium: {@code Thread.yield()}: {@code VirtualThread.tryYield} unmounts the thread and
 *       re-submits it to its scheduler ({@code afterYield}, state YIELDING -> YIELDED): it runs
 *       again on the scheduler's next turn, as {@code Lwt.pause} does.
 *   <li>slow: {@code LockSupport.parkNanos(1)}: {@code VirtualThread.parkNanos} unmounts
 *       (TIMED_PARKING) and {@code afterYield} schedules {@code parkTimeoutExpired} on the
 *       scheduler's delayed-task queue ({@code ForkJoinPool.schedule}, whose
 *       {@code DelayScheduler} thread keeps a 4-ary heap of deadlines): a real timer, then a
 *       re-submit, as {@code Lwt_unix.sleep 0} is a real libev timer. Nobody else unparks this
 *       thread, so no permit is left over and every call parks.
 * </ul>
 * Not chosen: {@code Thread.sleep(0)}: {@code VirtualThread.sleepNanos} turns a zero sleep into
 * {@code tryYield()} ("If nanos is 0 then the thread will attempt to yield"): the medium blocker
 * again, no timer. {@code Thread.sleep(Duration.ofNanos(1))}: {@code sleepNanos} ends with
 * {@code setParkPermit(true)} ("may have been unparked while sleeping", and the implNote: a later
 * park may see "a spurious, but benign, wakeup"), so the next 1 ns sleep consumes that permit and
 * returns without parking: measured on JDK 25, only every other such sleep yields.
 */
public class VThreadWorkloads extends DirectStyle {

    private final Thread.Builder.OfVirtual builder = Thread.ofVirtual().name("vthread-op");
    private Experiment experiment;
    private int n;
    private long result;
    private Throwable failure;
    private final Runnable body = () -> {
        try {
            result = compute(experiment, n);
        } catch (Throwable t) {
            failure = t;
        }
    };

    @Override
    public long run(Experiment experiment, Blocker blocker, int n) {
        this.experiment = experiment;
        this.blocker = blocker;
        this.n = n;
        this.failure = null;
        Thread t = builder.start(body);
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("vthread: interrupted while joining the op", e);
        }
        if (failure != null) {
            throw new IllegalStateException("vthread: the op failed", failure);
        }
        return result;
    }

    @Override
    protected long await(long v) {
        awaits++;
        switch (blocker) {
            case QUICK -> {
                return CompletableFuture.completedFuture(v).join();
            }
            case MEDIUM -> Thread.yield();
            case SLOW -> LockSupport.parkNanos(1);
        }
        suspensions++; // claimed: the sanity test proves the yield with a marker thread
        return v;
    }
}
