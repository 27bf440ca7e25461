package loomcc.internal.cont;

/**
 * Runs one {@code reset}'s body as a resumable unit of execution. Made by a {@link Backend}.
 *
 * <p>Threading: {@link #runUntilYield} is called by one thread at a time (the caller of
 * {@code reset} or {@code resume}); the one-shot handle in {@code loomcc.cont} guarantees that.
 */
public interface Runner {

    /**
     * Runs the body from its start or from where it last suspended, on the calling thread (the
     * Loom backend) or on the runner's own virtual thread while the caller waits (the vthread
     * backend), until the body finishes or suspends to this runner's scope. A suspension to an
     * outer scope passes through: this call then stays inside the captured part and goes on when
     * the outer runner is resumed.
     *
     * @return true when the body has finished, false when it suspended to this runner
     */
    boolean runUntilYield();

    /**
     * Throws {@link IllegalStateException}, and changes nothing, when running this suspended
     * runner on the calling thread would be unsafe: the Loom backend on a JVM where C2 keeps the
     * old thread in compiled frames (see {@link Migration}), and a thread other than the one that
     * ran it last. The default (the virtual-thread backend) accepts any thread.
     *
     * @param what the suspended computation, for the message
     */
    default void requireResumableHere(String what) {
    }

    /** The object the prompt keeps its per-reset state in; set once, before the first run. */
    Object attachment();

    void attach(Object attachment);

    /**
     * The frames of the body while it is suspended (innermost first, as {@link Thread#getStackTrace}
     * gives them, the backend's own frames included), or an empty array if the backend cannot
     * tell. Call it only while nothing runs the body.
     */
    default StackTraceElement[] stackTrace() {
        return new StackTraceElement[0];
    }

    /**
     * The frames of the body while it runs, where they are on a thread of the body's own (the
     * vthread backend); empty where the body runs on the caller's thread, whose own stack shows
     * them. Any thread.
     */
    default StackTraceElement[] runningStackTrace() {
        return new StackTraceElement[0];
    }
}
