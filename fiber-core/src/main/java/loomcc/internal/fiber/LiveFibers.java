package loomcc.internal.fiber;

import loomcc.fiber.Fiber;

/**
 * The fibers of one home that have started and not ended, for dumps and watchdogs: a home that
 * wants them tracked implements {@link TrackedHome}. The fibers link themselves into the list
 * when they start and out when they end (an intrusive list: no allocation, O(1) each way), and
 * record here the fiber running on the home's thread right now.
 *
 * <p>Like the JDK's own thread containers ({@code jdk.internal.vm.ThreadContainers}, which keep
 * every virtual thread for thread dumps), the list holds its fibers strongly: a fiber waiting on a
 * promise nobody else holds stays listed (and in dumps) until its home ends.
 *
 * <p>Threading: the list and {@link #running} are written on the home's thread only.
 * {@link #running} is also read by watchdog threads (see its note). Not API.
 */
public class LiveFibers {
    /** Oldest first; written only by {@link Fiber}. */
    public Fiber<?> head;
    public Fiber<?> tail;
    public int count;
    /**
     * The fiber running on the home's thread now (the innermost one), or null; kept here only for
     * a home that does not count nesting: a {@link Nesting} home is told the running fiber by
     * {@link Nesting#mount}, which the fiber calls on every resume anyway, and answers for it.
     * NOTE: benign race: a plain field that a watchdog reads from another thread. It may read a
     * stale value; it only uses it to name the fiber in a warning about a stall of seconds.
     */
    public Fiber<?> running;
    /**
     * The JFR events of suspensions in progress, while JFR records {@code loomcc.FiberSuspend}
     * (null until then): kept here rather than in every fiber, which would cost each one a field.
     */
    public java.util.Map<Fiber<?>, FiberSuspendEvent> jfr;

    /**
     * The clock that dumps measure suspensions with, in nanoseconds; called on the home's thread
     * at every suspension, so it must be cheap. The default is {@link CoarseClock}.
     */
    public long clockNanos() {
        return CoarseClock.nanos();
    }
}
