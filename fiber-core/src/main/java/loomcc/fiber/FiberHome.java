package loomcc.fiber;

/**
 * Where a fiber lives: a single-threaded loop that runs it and always resumes it. An event loop
 * (an Lwt loop, a Netty {@code EventLoop}, a single-thread executor) fits as it is.
 *
 * <p>Threading: {@link #inHome} and {@link #execute} are called from any thread.
 */
public interface FiberHome {

    /** True when the calling thread is this home's thread. */
    boolean inHome();

    /**
     * Runs {@code task} on the home's thread, soon, after the task that is running now; tasks run
     * in the order they were given. Callable from any thread, the home's own included. What
     * {@code execute}'s caller did before the call happens-before the task runs.
     *
     * <p>Once the home has stopped, a task can no longer run: the home may throw
     * {@link java.util.concurrent.RejectedExecutionException} (an executor does), or drop the task
     * and account for it (the Lwt loop counts such fiber wake-ups and reports the fibers left
     * suspended when it ends). The fiber runtime handles both; it never retries.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the home has stopped and refuses
     *         tasks rather than dropping them
     */
    void execute(Runnable task);

    /**
     * A number for the next fiber started on this home, for its default name {@code fiber-<id>};
     * called on the home's thread. The default draws from one counter shared by all homes (an
     * atomic increment); a home that counts its own fibers with a plain field saves that.
     */
    default int nextFiberId() {
        return SharedFiberIds.next();
    }
}
