package loomcc.internal.lwt;

/**
 * The JMX view of one running event loop, registered as
 * {@code loomcc:type=EventLoop,name=<loop thread's name>} while the loop runs (jconsole, JMC,
 * {@code jcmd}). Not API: the attribute names are the contract (DESIGN.md, "Observability").
 *
 * <p>Threading: any thread; the dump is made on the loop's thread.
 */
public interface EventLoopMXBean {
    /**
     * {@code LwtFiber.dump()} of the loop, made on the loop's thread (through its inbox); if the
     * loop does not answer within a few seconds (a stall), says so and shows the thread's stack.
     */
    String getFiberDump();

    /** Fibers started on the loop and not ended. */
    int getLiveFibers();

    /** The loop's thread. */
    String getThreadName();
}
