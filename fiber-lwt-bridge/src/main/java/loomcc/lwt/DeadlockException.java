package loomcc.lwt;

/**
 * Thrown by {@link LwtMain#runWithVirtualClock} when the main promise is pending and nothing the
 * loop knows of can ever run again: nothing ready or paused, no timer, no I/O interest, no work on
 * another thread. Waiting would hang the test for ever, so the run ends at once, with this.
 *
 * <p>It is an {@link IllegalStateException}: a program that waits on a promise nobody will resolve
 * (a {@link Resolver} dropped, a lock never unlocked, a stream never closed) is in a state it
 * cannot leave. The message says what the loop was doing.
 *
 * <p>Threading: an ordinary exception, thrown on the loop's thread out of the run.
 */
public class DeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what the loop was waiting for, and for how long
     */
    public DeadlockException(String message) {
        super(message);
    }
}
