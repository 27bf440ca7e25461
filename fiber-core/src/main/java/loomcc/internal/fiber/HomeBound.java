package loomcc.internal.fiber;

import loomcc.fiber.FiberHome;

/**
 * What the callback an {@link loomcc.fiber.Awaiter} is given by a fiber's await also is: a way to
 * the awaiting fiber's home. An awaiter whose registration needs the home (the Lwt loop's pause
 * list) takes it from here, so the await itself need not look the fiber up a second time to pass
 * the home as its promise. Not API.
 */
public interface HomeBound {

    /** The home of the fiber that awaits. */
    FiberHome home();
}
