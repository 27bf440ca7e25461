package loomcc.internal.fiber;

/** A {@link loomcc.fiber.FiberHome} whose fibers are listed for dumps. Not API. */
public interface TrackedHome {
    /** The home's list; the same object every time. */
    LiveFibers fiberList();
}
