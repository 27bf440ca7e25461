package loomcc.internal.lwt;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import loomcc.fiber.Fiber;
import loomcc.internal.fiber.CoarseClock;

/**
 * One daemon thread for all event loops (as Vert.x's blocked-thread checker, one per JVM): every
 * tick it samples the {@link CoarseClock}, registers the MBean of each loop that has run for a
 * tick, and looks for stalls.
 *
 * <h2>Stalls</h2>
 * A loop counts each unit of work it begins ({@code EventLoop.beat}, an opaque store) and says
 * when it waits for work ({@code idle}). A loop that is not idle and whose count has not moved
 * for its {@code loomcc.stallMillis} is stalled: one callback or fiber keeps its thread. The
 * watchdog logs one WARNING per stall with the loop thread's stack, its state (a thread BLOCKED
 * on a monitor says on which, and who holds it) and the running fiber's name, then one INFO when
 * the count moves again, with the stall's length; a JFR {@code loomcc.LoopStall} event spans the
 * two. The tick is at most a quarter of the smallest threshold, so a stall is reported within a
 * quarter of the threshold after it passes; the loop's hot path pays one opaque store per task.
 *
 * <p>Threading: {@link #register}/{@link #unregister} from loop threads; the rest on the
 * watchdog's own thread. Not API.
 */
final class Watchdog implements Runnable {
    /** Longest tick: the coarse clock's resolution, and how soon a new loop's MBean appears. */
    static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final Set<EventLoop> LOOPS = ConcurrentHashMap.newKeySet();
    private static final Object START_LOCK = new Object();
    private static volatile Thread thread;
    /** Set while the watchdog parks with no loop to watch: only then does a new loop unpark it. */
    private static volatile boolean parkedForGood;

    /** What the watchdog knows of one loop (watchdog thread only). */
    private static final class Watch {
        long progress = -1;
        long since;
        boolean reported;
        LoopStallEvent event;
        String fiber;
    }

    private final Map<EventLoop, Watch> watches = new HashMap<>();

    private Watchdog() {
    }

    static void register(EventLoop loop) {
        LOOPS.add(loop);
        Thread t = thread;
        if (t == null) {
            synchronized (START_LOCK) {
                t = thread;
                if (t == null) {
                    t = new Thread(null, new Watchdog(), "loomcc-watchdog", 256 * 1024, false);
                    t.setDaemon(true);
                    thread = t;
                    t.start();
                    return;
                }
            }
        }
        if (parkedForGood) {
            // NOTE: no lost wake-up: the watchdog sets the flag, then re-checks LOOPS before it
            // parks; we added to LOOPS before reading the flag (both volatile/concurrent).
            LockSupport.unpark(t); // only then: a wake-up per LwtMain.run would cost a context switch
        }
    }

    static void unregister(EventLoop loop) {
        LOOPS.remove(loop);
    }

    @Override
    public void run() {
        while (true) {
            try {
                long tick = tickNanos();
                if (LOOPS.isEmpty() && watches.isEmpty()) {
                    parkedForGood = true;
                    if (LOOPS.isEmpty()) {
                        LockSupport.park(this);           // until a loop registers
                    }
                    parkedForGood = false;
                } else {
                    LockSupport.parkNanos(this, tick);
                }
                check(CoarseClock.tick());
            } catch (Throwable t) {
                // NOTE: the watchdog must outlive anything one check throws (an MBean server, a
                // logger); say so once per failure and go on.
                System.getLogger("loomcc").log(System.Logger.Level.ERROR, "loomcc: watchdog check failed", t);
            }
        }
    }

    private static long tickNanos() {
        long tick = MAX_TICK_NANOS;
        for (EventLoop l : LOOPS) {
            if (l.stallNanos > 0) {
                tick = Math.min(tick, Math.max(TimeUnit.MILLISECONDS.toNanos(1), l.stallNanos / 4));
            }
        }
        return tick;
    }

    private void check(long now) {
        for (EventLoop l : LOOPS) {
            Watch w = watches.get(l);
            if (w == null) {
                w = new Watch();
                watches.put(l, w);
                w.since = now;
                w.progress = l.progressOpaque();
                continue;                                 // a loop seen for the first time
            }
            l.mbean.register();                           // no-op once registered or ended
            long p = l.progressOpaque();
            if (p != w.progress || l.idleOpaque()) {
                if (w.reported) {
                    stallEnded(l, w, now);
                }
                w.progress = p;
                w.since = now;
            } else if (!w.reported && l.stallNanos > 0 && now - w.since >= l.stallNanos) {
                stallFound(l, w, now);
            }
        }
        for (Iterator<Map.Entry<EventLoop, Watch>> it = watches.entrySet().iterator(); it.hasNext();) {
            Map.Entry<EventLoop, Watch> e = it.next();
            if (!LOOPS.contains(e.getKey())) {            // the loop ended
                if (e.getValue().reported) {
                    stallEnded(e.getKey(), e.getValue(), now);
                }
                it.remove();
            }
        }
    }

    private static void stallFound(EventLoop l, Watch w, long now) {
        w.reported = true;
        Fiber<?> f = l.runningFiber();
        w.fiber = f == null ? null : f.name();
        Thread t = l.thread();
        StringBuilder sb = new StringBuilder("loomcc: stall: the event loop thread '").append(t.getName())
                .append("' has been kept by one callback for ").append(seconds(now - w.since))
                .append(" (loomcc.stallMillis=").append(l.stallNanos / 1_000_000).append("), ")
                .append(w.fiber == null ? "outside any fiber" : "in fiber '" + w.fiber + "'")
                .append("; nothing else on this loop runs meanwhile. Blocking calls belong in"
                        + " LwtFiber.detach or LwtPreemptive.detach.");
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(t.threadId(), Integer.MAX_VALUE);
        StackTraceElement[] stack;
        if (info != null) {
            Thread.State st = info.getThreadState();
            sb.append("\nThe loop thread is ").append(st);
            if (st == Thread.State.BLOCKED) {
                sb.append(" on the monitor of ").append(info.getLockName()).append(", held by thread '")
                        .append(info.getLockOwnerName()).append("'");
            } else if (info.getLockName() != null) {
                sb.append(", waiting on ").append(info.getLockName());
                if (info.getLockOwnerName() != null) {
                    sb.append(" held by thread '").append(info.getLockOwnerName()).append("'");
                }
            }
            sb.append(':');
            stack = info.getStackTrace();
        } else {
            sb.append("\nThe loop thread's stack:");
            stack = t.getStackTrace();
        }
        for (StackTraceElement e : stack) {
            sb.append("\n\tat ").append(e);
        }
        if (f != null) {
            String own = f.dump();                        // has frames only where the fiber has a thread
            if (own.contains("\tat ")) {                 // of its own (vthread backend)
                sb.append("\nThe running fiber's own stack:\n").append(own.stripTrailing());
            }
        }
        System.getLogger("loomcc").log(System.Logger.Level.WARNING, sb.toString());
        if (!jdk.jfr.FlightRecorder.isInitialized()) {
            return;                                       // JFR not in use: do not start it (see FiberSuspendEvent)
        }
        LoopStallEvent ev = new LoopStallEvent();
        if (ev.isEnabled()) {
            ev.begin();
            ev.loopThread = t.getName();
            ev.fiber = w.fiber;
            ev.stalledBefore = TimeUnit.NANOSECONDS.toMillis(now - w.since);
            w.event = ev;
        }
    }

    private static void stallEnded(EventLoop l, Watch w, long now) {
        w.reported = false;
        LoopStallEvent ev = w.event;
        w.event = null;
        if (ev != null) {
            ev.commit();
        }
        System.getLogger("loomcc").log(System.Logger.Level.INFO, "loomcc: the event loop thread '"
                + l.thread().getName() + "' moved again after a stall of about " + seconds(now - w.since)
                + (w.fiber == null ? "" : " (fiber '" + w.fiber + "')"));
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
