package loomcc.internal.fiber;

/**
 * What a {@link loomcc.fiber.FiberHome} implements when it counts how deep its callbacks are nested
 * (the Lwt loop does: {@code loomcc.internal.lwt.Engine}), so that the count stays in step with the
 * fiber's own stack. A fiber's frames come and go from the home's thread as the fiber runs and
 * suspends; without these calls a fiber suspended inside a counted frame would keep that level
 * counted on the home (and the home's outermost frame, which drains deferred work at level 0, would
 * never come back to it).
 *
 * <p>The fiber runtime calls, on the home thread:
 * <ul>
 *   <li>{@link #mount} just before the fiber's code runs there (its start, each resume), outside
 *       the fiber, with the fiber and the nesting its own frames held when it last left;
 *   <li>{@link #unmount} just after the fiber's code stopped running there (it suspended, went to
 *       a detached block, or ended), outside the fiber; it returns the nesting its frames hold,
 *       for the next mount;
 *   <li>{@link #settle} inside the fiber, before it suspends and when its body ends: run what the
 *       fiber's own code left deferred, in the fiber, so that nothing of the fiber's waits for a
 *       fiber that is not running.
 * </ul>
 * Mounts nest like calls (a fiber resumed by a fiber runs on top of it), so a home may keep them on
 * a stack. Not API.
 */
public interface Nesting {

    /**
     * {@code fiber}'s code is about to run on the home thread; its frames hold {@code own} levels.
     * The home answers for that fiber as the one running on its thread until the matching
     * {@link #unmount} (dumps and watchdogs ask it; see {@link LiveFibers#running}).
     */
    void mount(loomcc.fiber.Fiber<?> fiber, int own);

    /** The fiber's code has stopped running on the home thread; returns the levels its frames hold. */
    int unmount();

    /** Inside the fiber: run the work its own code deferred, before it suspends or ends. */
    void settle();
}
