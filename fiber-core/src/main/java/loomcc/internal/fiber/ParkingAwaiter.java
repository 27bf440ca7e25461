package loomcc.internal.fiber;

import java.util.function.BiConsumer;

import loomcc.fiber.Awaiter;
import loomcc.fiber.Fiber;

/**
 * An awaiter whose wait the home itself ends, by handing the fiber back: instead of registering a
 * callback (the fiber's wait object, which races a cancel by a CAS), the fiber parks itself with
 * the awaiter together with a ticket, and the home later calls {@link FiberAccess#wake} with that
 * ticket. A parked fiber has no wait object, so a park and a wake-up cost a few field writes; the
 * Lwt loop's pause list is one ({@code LwtFiber.pause}).
 *
 * <p>The rules, which the fiber runtime relies on:
 * <ul>
 *   <li>{@link #park} runs on the home thread, after the capture, and never wakes the fiber
 *       itself: the wake-up comes later, from the home's own work (so a parking awaiter is a
 *       {@link LocalAwaiter}). If it throws, the await throws that.
 *   <li>The wake-up is {@link FiberAccess#wake} on the home thread, with the ticket, at most
 *       once per park. A cancel resumes the fiber without it; a wake-up with a stale ticket (the
 *       fiber was cancelled, and may have parked again since) does nothing. So the awaiter never
 *       has to take a parked fiber back, though {@link #unpark} lets it drop one.
 * </ul>
 * Not API.
 *
 * @param <P> the promise (or token) type
 * @param <V> the value the await returns
 */
public interface ParkingAwaiter<P, V> extends Awaiter<P, V>, LocalAwaiter {

    /**
     * Home thread, after the capture: arrange for {@code wake(fiber, ticket, ...)} later.
     *
     * @return what {@link #unpark} needs to take the fiber back (kept by the fiber while it is
     *         parked), or null
     */
    Object park(P promise, Fiber<?> fiber, int ticket);

    /**
     * Home thread: the parked fiber was cancelled and resumes without the wake-up; drop it if you
     * hold it. {@code registration} is what {@link #park} returned.
     */
    default void unpark(P promise, Object registration) {
    }

    /**
     * Not called: the fiber runtime parks a fiber with a parking awaiter and never asks it to
     * register a callback. An awaiter that also serves as a plain one overrides this.
     */
    @Override
    default Object onComplete(P promise, BiConsumer<? super V, ? super Throwable> callback) {
        throw new IllegalStateException(getClass().getName() + " parks its fiber; it registers no callback");
    }
}
