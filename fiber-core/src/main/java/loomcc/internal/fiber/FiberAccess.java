package loomcc.internal.fiber;

import loomcc.fiber.Awaiter;
import loomcc.fiber.Fiber;

/**
 * Calls into {@link Fiber} that only this library's own code makes, kept off the public API (the
 * JDK's {@code SharedSecrets} pattern): {@code Fiber} installs the one implementation when it is
 * initialized. A caller keeps the instance in a {@code static final} field, so the call compiles
 * to a direct one. Not API.
 */
public abstract class FiberAccess {
    private static volatile FiberAccess installed;

    /** Called once, by {@code Fiber}'s static initializer. */
    public static void install(FiberAccess access) {
        if (installed != null) {
            throw new IllegalStateException("FiberAccess is installed once, by Fiber");
        }
        installed = access;
    }

    /** The implementation ({@code Fiber} is initialized first if it was not yet). */
    public static FiberAccess get() {
        FiberAccess a = installed;
        if (a == null) {
            Fiber.current(); // initializes Fiber, which installs it
            a = installed;
        }
        return a;
    }

    /**
     * {@link Fiber#await(Object, Awaiter)} for a caller that has just looked up the current fiber
     * ({@code self}, from {@link Fiber#current()}, possibly null) and must not pay the lookup twice.
     */
    public abstract <P, V> V await(Fiber<?> self, P promise, Awaiter<P, V> awaiter);

    /**
     * Ends the park of {@code fiber} with {@code ticket} ({@link ParkingAwaiter}): the fiber runs
     * on, on the calling thread (its home's), until it suspends again or ends. A stale ticket (the
     * fiber was resumed since it parked, by a cancel) does nothing. Home thread.
     */
    public abstract void wake(Fiber<?> fiber, int ticket);

    /**
     * {@link #wake(Fiber, int)} from a promise's callback, the await then returning {@code value}
     * or throwing {@code error}: at once when called on the fiber's home, else posted to the home
     * ({@link loomcc.fiber.FiberHome#execute}), which may refuse it once it has ended (a later
     * loop on the same thread resolving an earlier loop's promise).
     */
    public abstract void wake(Fiber<?> fiber, int ticket, Object value, Throwable error);
}
