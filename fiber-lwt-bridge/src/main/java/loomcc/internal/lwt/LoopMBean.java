package loomcc.internal.lwt;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * One loop's MBean ({@link EventLoopMXBean}). The watchdog thread registers it once the loop has
 * run for a tick (so the many short loops of tests and benchmarks never pay for JMX), and the
 * loop unregisters it as it ends. Registration and unregistration hold this object's lock, so
 * an MBean is never left behind by a loop that ended while the watchdog registered it.
 *
 * <p>Threading: any thread. Not API.
 */
final class LoopMBean implements EventLoopMXBean {
    /** How long a JMX reader waits for the loop thread to make the dump. */
    static final long ANSWER_MILLIS = 5_000;

    private final EventLoop loop;
    private ObjectName name;    // guarded by this
    private boolean ended;      // guarded by this

    LoopMBean(EventLoop loop) {
        this.loop = loop;
    }

    /** The name this loop's MBean would have: {@code loomcc:type=EventLoop,name=<thread name>}. */
    static ObjectName nameFor(String threadName) throws JMException {
        return new ObjectName("loomcc:type=EventLoop,name=" + quoteIfNeeded(threadName));
    }

    private static String quoteIfNeeded(String v) {
        for (char c : v.toCharArray()) {
            if (",=:\"*?\n".indexOf(c) >= 0) {
                return ObjectName.quote(v);
            }
        }
        return v;
    }

    /** Watchdog thread: registers the MBean unless the loop has ended or it already is. */
    synchronized void register() {
        if (ended || name != null) {
            return;
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String thread = loop.thread().getName();
        try {
            ObjectName n = nameFor(thread);
            try {
                server.registerMBean(this, n);
            } catch (InstanceAlreadyExistsException sameThreadName) {
                n = nameFor(thread + "#" + loop.thread().threadId());
                server.registerMBean(this, n);
            }
            name = n;
        } catch (JMException e) {
            ended = true; // never try again for this loop
            System.getLogger("loomcc").log(System.Logger.Level.DEBUG, "loomcc: no MBean for " + loop, e);
        }
    }

    /** Loop thread, as the loop ends: unregisters the MBean, and keeps the watchdog from registering it. */
    synchronized void loopEnded() {
        ended = true;
        if (name != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (JMException e) {
                System.getLogger("loomcc").log(System.Logger.Level.DEBUG, "loomcc: unregistering " + name, e);
            }
            name = null;
        }
    }

    synchronized boolean isRegistered() {
        return name != null;
    }

    @Override
    public String getFiberDump() {
        if (loop.inHome()) {
            return loop.dump();
        }
        CompletableFuture<String> dump = new CompletableFuture<>();
        if (!loop.post(() -> {
            try {
                dump.complete(loop.dump());
            } catch (Throwable t) {
                dump.completeExceptionally(t);
            }
        })) {
            return "the event loop on thread '" + loop.thread().getName() + "' has ended";
        }
        try {
            return dump.get(ANSWER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            StringBuilder sb = new StringBuilder("the event loop on thread '").append(loop.thread().getName())
                    .append("' did not make the dump within ").append(ANSWER_MILLIS)
                    .append(" ms: it is busy in one callback (see the stall watchdog's warning). Its thread's stack:\n");
            for (StackTraceElement f : loop.thread().getStackTrace()) {
                sb.append("\tat ").append(f).append('\n');
            }
            return sb.toString();
        } catch (ExecutionException e) {
            return "the dump failed: " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while waiting for the dump";
        }
    }

    @Override
    public int getLiveFibers() {
        return loop.liveFibers();
    }

    @Override
    public String getThreadName() {
        return loop.thread().getName();
    }
}
