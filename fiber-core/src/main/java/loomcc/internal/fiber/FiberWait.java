package loomcc.internal.fiber;

import loomcc.fiber.FiberHome;

/**
 * What the callback an {@link loomcc.fiber.Awaiter} is given by a fiber's await also is, for the
 * awaiters of this library: a way to the awaiting fiber's home, and the registration the awaiter
 * made for the fiber's previous await, if it can be used again. A fiber reuses its wait from one
 * await to the next, so an awaiter that keeps a node of its own in the promise (the Lwt awaiter's
 * callback node) can reuse that node as well, and a fiber that awaits in a loop allocates nothing
 * per await. Home thread. Not API.
 */
public interface FiberWait {

    /** The home of the fiber that awaits. */
    FiberHome home();

    /**
     * The registration {@code onComplete} returned for this wait's previous await, when it is
     * {@link Reusable} and that await ended by its callback (so the promise is done with it);
     * else null.
     */
    Object spareRegistration();

    /**
     * Marks a registration that its awaiter may take back through {@link #spareRegistration} once
     * its callback has run: the wait then keeps it instead of dropping it. It must hold nothing
     * that should not outlive the await (the promise, a value).
     */
    interface Reusable {
    }
}
