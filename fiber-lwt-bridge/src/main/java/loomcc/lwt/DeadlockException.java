package loomcc.lwt;

/**
 * Thrown by {@link LwtMain#run} (and {@link LwtMain#runWithVirtualClock}) when the main promise
 * is pending and nothing the loop knows of can ever run again: nothing ready or paused, no timer,
 * no I/O interest, no work on another thread (pool work, a {@code CompletionStage}, a callback, a
 * detached block). Under the virtual clock it is thrown at once, since waiting would hang the test
 * for ever; on a real clock only with {@code -Dloomcc.deadlock=throw} (otherwise the loop logs the
 * same text as a WARNING after {@code loomcc.deadlockSeconds} and keeps waiting, since another
 * thread may still call {@code LwtPreemptive.runInMain}).
 *
 * <p>It is an {@link IllegalStateException}: a program that waits on a promise nobody will resolve
 * (a {@link Resolver} dropped, a lock never unlocked, a stream never closed) is in a state it
 * cannot leave. The message says what the loop was doing and holds the fiber dump
 * ({@link LwtFiber#dump()}) taken when the deadlock was found.
 *
 * <p>Threading: an ordinary exception, thrown on the loop's thread out of the run.
 */
public class DeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what the loop was waiting for, with the fiber dump
     */
    public DeadlockException(String message) {
        super(message);
    }
}
