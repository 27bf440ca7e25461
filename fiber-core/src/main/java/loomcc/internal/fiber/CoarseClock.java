package loomcc.internal.fiber;

/**
 * A clock that costs a plain memory read: {@link System#nanoTime()} as last sampled by
 * {@link #tick()}, which a background thread calls every few tens of milliseconds (the event
 * loops' watchdog). A suspension records it in one read, where {@code nanoTime} itself would add
 * a noticeable share to an await that costs a couple of hundred nanoseconds; dumps then say how
 * long a fiber has waited to within a tick.
 *
 * <p>Threading: any thread. Not API.
 */
public final class CoarseClock {
    private static volatile long now = System.nanoTime();

    private CoarseClock() {
    }

    /** The last sample of {@code System.nanoTime()}. */
    public static long nanos() {
        return now;
    }

    /** Samples {@code System.nanoTime()}; returns it. */
    public static long tick() {
        long t = System.nanoTime();
        now = t;
        return t;
    }
}
