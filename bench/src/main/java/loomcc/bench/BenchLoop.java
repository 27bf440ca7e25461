package loomcc.bench;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

/**
 * A single-threaded executor with timers that runs on the thread that calls {@link #runUntilIdle}
 * (the JMH thread): the event loop the {@code completable} peer runs on, until the Lwt loop lands.
 *
 * <p>One turn: run the tasks that were queued when the turn began (a task queued now runs next
 * turn: {@code Lwt.pause}), then read the clock once and run the timers that are due (a zero
 * delay fires next turn: {@code Lwt_unix.sleep 0}). Timers are a heap (deadline, then order of
 * scheduling). Loop thread only; not thread-safe.
 *
 * <p>Why not a JDK executor: {@code ScheduledThreadPoolExecutor.execute} <em>is</em>
 * {@code schedule(command, 0, NANOSECONDS)} (JDK 25 source), so medium and slow would be the same
 * thing; {@code CompletableFuture.delayedExecutor(0, unit, e)} relays every task through the
 * common pool's {@code DelayScheduler} thread and back (JDK 25, {@code CompletableFuture.DelayedExecutor}):
 * two thread hand-offs per await, not a timer on the loop. And a loop on another thread adds a
 * hand-off per op that the Lwt loop (run on the caller's thread by {@code LwtMain.run}) does not pay.
 */
public final class BenchLoop implements Executor {

    private record Timer(long deadline, long seq, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(deadline - o.deadline, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long seq;
    private long turns;

    /** Runs {@code task} on the loop's next turn. */
    @Override
    public void execute(Runnable task) {
        ready.add(task);
    }

    /** Runs {@code task} on the first turn at or after {@code delayNanos} from now. */
    public void schedule(long delayNanos, Runnable task) {
        timers.add(new Timer(System.nanoTime() + delayNanos, seq++, task));
    }

    /** Turns the loop until no task and no timer is left. */
    public void runUntilIdle() {
        while (!ready.isEmpty() || !timers.isEmpty()) {
            turns++;
            for (int k = ready.size(); k > 0; k--) {
                ready.poll().run();
            }
            if (!timers.isEmpty()) {
                long now = System.nanoTime();
                Timer t;
                while ((t = timers.peek()) != null && t.deadline - now <= 0) {
                    timers.poll().task.run();
                }
                // Sleep only when the next timer is really in the future (read the clock again: a
                // zero-delay timer set by a task of this turn is already due; a parkNanos of a few
                // ns would cost the OS timer slack, ~50 µs).
                long wait;
                if (ready.isEmpty() && (t = timers.peek()) != null && (wait = t.deadline - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
    }

    /** Turns run so far (for tests). */
    public long turns() {
        return turns;
    }
}
