package loomcc.lwt;

/**
 * Thrown by {@link LwtMain#run} when the loop's main promise is pending and nothing the loop
 * knows of can ever run again (nothing ready or paused, no timer, no I/O interest, no pool work,
 * no fiber waiting for a {@code CompletionStage}, a callback or a detached block), under
 * {@code -Dloomcc.deadlock=throw} and under the virtual clock. Without either, the loop logs the
 * same text as a WARNING after {@code loomcc.deadlockSeconds} and keeps waiting. The message
 * holds the fiber dump ({@link LwtFiber#dump()}) taken when the deadlock was found.
 *
 * <p>Threading: an ordinary exception; thrown on the loop's thread.
 */
public class DeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** @param message what is deadlocked, with the fiber dump */
    public DeadlockException(String message) {
        super(message);
    }
}
