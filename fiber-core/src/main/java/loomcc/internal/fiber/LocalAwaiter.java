package loomcc.internal.fiber;

/**
 * Marks an {@link loomcc.fiber.Awaiter} whose waits only the home's own work ends (a promise of
 * the home's loop, its timers, its next turn), never another thread. A fiber waiting through any
 * other awaiter (a {@code CompletionStage}, a callback) may be woken from outside, which the
 * deadlock report must know. Not API.
 */
public interface LocalAwaiter {
}
