package loomcc.internal.lwt;

import loomcc.internal.Throwing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import loomcc.fiber.Awaiter;
import loomcc.fiber.Fiber;
import loomcc.fiber.FiberHome;
import loomcc.internal.fiber.CoarseClock;
import loomcc.internal.fiber.FiberAccess;
import loomcc.internal.fiber.LiveFibers;
import loomcc.internal.fiber.Nesting;
import loomcc.internal.fiber.ParkingAwaiter;
import loomcc.internal.fiber.TrackedHome;
import loomcc.lwt.DeadlockException;
import loomcc.lwt.Lwt;
import loomcc.lwt.Resolver;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

/**
 * The event loop behind {@code LwtMain}, {@code LwtUnix} and {@code LwtPreemptive}: one per
 * {@code LwtMain.run} call, on the calling thread, with its own {@link Selector}, timer heap, list of
 * paused promises and an MPSC inbox for work posted from other threads.
 *
 * <h2>The cycle (STYLE.md #5; Lwt's lwt_main.ml keeps the same shape)</h2>
 * <pre>
 *   loop:
 *     0. main promise resolved, or the loop stopped by an async failure?  -> exit
 *     1. run ready callbacks: the work other threads posted (inbox, FIFO, a bounded batch)
 *     2. wake the paused promises, in the order they were paused (pauses made now wait a turn)
 *     3. fire the due timers, deadline order, ties in creation order (timers made now wait a turn)
 *     4. poll NIO readiness: selectNow() if anything is ready (inbox, paused); otherwise block in
 *        select() until the next timer's deadline (or indefinitely without timers); other threads
 *        end the block with Selector.wakeup(). Run the callbacks of the channels found ready.
 *        A loop that has no channel yet has no selector either: it skips the poll when anything
 *        is ready and otherwise parks until the next timer, and other threads unpark it.
 * </pre>
 * Callbacks of promises resolved at any step run there and then (the promise core runs them at
 * resolution, bounded by {@link Engine#MAX_NESTING}); the loop itself never spins: with nothing ready
 * it is parked in {@code select}.
 *
 * <h2>The clock</h2>
 * Timers are kept on the loop's clock. A loop started by {@code LwtMain.run} reads
 * {@code System.nanoTime()}. One started by {@code LwtMain.runWithVirtualClock} has a virtual clock
 * that starts at 0 and moves only in step 4 ({@link #pollVirtual}): when nothing is ready and no
 * other thread is working for the loop, it jumps to the next deadline instead of blocking. Steps
 * 0-3 are the same code on both, so events come in the same order. On a real clock the loop keeps
 * its last reading ({@link #clockSeen}): a timer due by it is due, so steps 3 and 4 read the clock
 * only when that reading cannot answer, and a zero sleep takes it as its deadline when that keeps
 * the order (see {@link #deadline}). Waits that another thread ends
 * are counted ({@link #beginExternalWait}, and the channels with a pending read, write or connect):
 * while there are any, a virtual clock stands still and the loop blocks in real time.
 *
 * <h2>Observability (DESIGN.md; the section of that name below)</h2>
 * <ul>
 *   <li>Fibers list themselves in {@link #fiberList()} (a {@code TrackedHome}): {@link #dump()}.
 *   <li>Deadlock: before step 4 blocks with nothing ready, no timer, no I/O interest
 *       ({@code pendingIo}) and no external wait, it blocks for {@code loomcc.deadlockSeconds}
 *       at most; if nothing came and no fiber waits for another thread, one WARNING with the dump
 *       ({@link #deadlockThrows}: a {@link DeadlockException} at once instead). Under the virtual
 *       clock {@link #pollVirtual} throws it, the dump included.
 *   <li>Stalls: each unit of work begins with {@link #beat()}, one opaque store, and step 4 says
 *       when it is idle; the {@link Watchdog} thread does the rest, and registers the
 *       {@link LoopMBean}.
 *   <li>Lost failures: {@link #noteUnseenFailure}, reported as {@code run} ends.
 * </ul>
 *
 * <h2>Threading contract</h2>
 * Loop thread only, except {@link #execute}, {@link #post} (any thread) and {@link #current()}.
 * {@code execute}/{@code post} happen-before the task runs on the loop (MPSC queue hand-off).
 *
 * <p>Not API (see package-info).
 */
public final class EventLoop implements FiberHome, Nesting, TrackedHome {

    /** Work posted from another thread that must hear about it if the loop stops before running it. */
    public interface Abandonable {
        /** Called at most once, on some thread, instead of running. */
        void abandon(IllegalStateException why);
    }

    /** What an I/O attempt returns when the channel is not ready. */
    public static final Object WOULD_BLOCK = new Object();

    /** One non-blocking attempt of an operation: its result, or {@link #WOULD_BLOCK}. */
    @FunctionalInterface
    public interface IoAttempt {
        Object attempt() throws IOException;
    }

    private static final Set<EventLoop> RUNNING = ConcurrentHashMap.newKeySet();

    /** Work items taken from the inbox per turn, so that I/O and timers are never starved. */
    private static final int INBOX_BATCH = 4096;

    private final Engine engine;
    private final Thread thread;
    private final Throwable startedAt;
    /**
     * Opened by the first channel that registers (most loops never do I/O, and Selector.open costs
     * more than a whole short loop). Until then the loop waits with park/parkNanos and posts wake it
     * with unpark. Written once, by the loop thread; read by posting threads.
     */
    private volatile Selector selector;
    private final MessagePassingQueue<Runnable> inbox = new MpscUnboundedAtomicArrayQueue<>(256);
    /** Who may consume the inbox: the loop while it runs; after it stops, whoever abandons leftovers. */
    private final AtomicBoolean consumer = new AtomicBoolean(true);
    /** See {@link #execute}. */
    private final AtomicInteger droppedAfterEnd = new AtomicInteger();
    private volatile boolean closed;

    private final TimerHeap timers = new TimerHeap();
    private long timerSeq;
    /**
     * The clock (see "The clock" on the class): virtual under {@code runWithVirtualClock}, where
     * {@link #virtualNanos} is the time and only {@link #pollVirtual} moves it; else
     * {@code System.nanoTime()}. Deadlines are on this clock's scale; {@link #originNanos} is its
     * reading when the run began, so {@link #now()} starts at 0 on both.
     */
    private final boolean virtual;
    private long virtualNanos;
    private final long originNanos;
    /** Waits in flight that another thread ends (pool work, CompletionStages, callbacks). Loop thread. */
    private int externalWaits;
    /** Paused promises' resolvers and paused fibers' wake-ups, in the order they paused. */
    private PauseList paused = new PauseList();
    private PauseList waking = new PauseList();
    private final Set<Abandonable> tracked = Collections.newSetFromMap(new IdentityHashMap<>());

    private Consumer<Throwable> asyncHandler;   // null: the default (stop the loop, run() throws)
    private Throwable failure;                  // set when the loop must stop with it
    private long turns;
    /** Fibers started on this loop that have not ended (LwtFiber counts them). Loop thread. */
    private int liveFibers;
    /** Of those, the ones whose detached block is running on the pool. Loop thread. */
    private int detachedFibers;

    // ----- Observability (see Observability below) -----
    /** This loop's fibers, for dumps; the running one, for the watchdog. */
    private final LiveFibers fibers = new LiveFibers() {
        @Override
        public long clockNanos() {
            return clock();
        }
    };
    /**
     * Counts units of loop work begun (tasks, timers, ready channels, turns): the stall watchdog
     * reads it from its own thread and sees a stall as a count that does not move while the loop
     * is not {@link #idle}. Opaque writes (a plain store on x86), never a fence.
     */
    private long progress;
    /** True while the loop waits in select/park for something to do. Opaque, like progress. */
    private boolean idle;
    /** Stall threshold of this loop in ns ({@code loomcc.stallMillis}); 0 = the watchdog ignores it. */
    final long stallNanos = Math.max(0, Long.getLong("loomcc.stallMillis", 2000)) * 1_000_000L;
    /** Idle time before a deadlock is reported ({@code loomcc.deadlockSeconds}). */
    private final long deadlockNanos = (long) (Math.max(0, doubleProperty("loomcc.deadlockSeconds", 5)) * 1e9);
    /**
     * A deadlock throws {@link DeadlockException} at once instead of warning
     * ({@code -Dloomcc.deadlock=throw}). Under the virtual clock a deadlock always throws
     * ({@link #pollVirtual} finds it).
     */
    public boolean deadlockThrows = "throw".equals(System.getProperty("loomcc.deadlock"));
    /** The loop found itself deadlocked and said so; cleared when anything happens. */
    private boolean deadlockChecked;
    /** Operations waiting for readiness on this loop's selector (accept, connect, read, write). */
    private int pendingIo;
    /** Fibers' failures nobody looked at yet (LwtFiber notes them); reported when the loop ends. */
    private List<UnseenFailure> unseenFailures;
    /** The JMX side of this loop, registered by the watchdog thread once the loop has run a while. */
    final LoopMBean mbean = new LoopMBean(this);

    private EventLoop(Engine engine, Throwable startedAt, boolean virtual) {
        this.engine = engine;
        this.thread = engine.thread;
        this.startedAt = startedAt;
        this.virtual = virtual;
        this.originNanos = virtual ? 0 : System.nanoTime();
        this.clockSeen = originNanos;
    }

    /** The selector, opened on first use. Loop thread. */
    private Selector selector() throws IOException {
        Selector s = selector;
        if (s == null) {
            s = Selector.open();
            selector = s; // NOTE: published before the loop next checks its inbox (see post)
        }
        return s;
    }

    // ----- Finding the loop ---------------------------------------------------------------------

    /** The loop running on the calling thread, or null. Any thread. */
    public static EventLoop current() {
        return Engine.current().loop;
    }

    /** The running loop, or {@link IllegalStateException} naming {@code what} and the fix. */
    public static EventLoop require(String what) {
        EventLoop l = current();
        if (l == null) {
            throw new IllegalStateException(what + " needs an event loop running on this thread ('"
                    + Thread.currentThread().getName() + "'): call it inside LwtMain.run(() -> ...)"
                    + " (from another thread, go through LwtPreemptive.runInMain)");
        }
        return l;
    }

    /** The loops running now, in no particular order. Any thread. */
    public static List<EventLoop> running() {
        return List.copyOf(RUNNING);
    }

    public Thread thread() {
        return thread;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Where the {@code LwtMain.run} that started this loop was called, for messages. */
    public String startedAtFrame() {
        for (StackTraceElement f : startedAt.getStackTrace()) {
            String c = f.getClassName();
            if (!c.startsWith("loomcc.internal.lwt.") && !c.equals("loomcc.lwt.LwtMain")) {
                return f.toString();
            }
        }
        return "(unknown frame)";
    }

    // ----- Running ------------------------------------------------------------------------------

    /** Thrown away as the cause of a nested-run error: its stack trace is where the outer run began. */
    private static final class StartedHere extends Throwable {
        private static final long serialVersionUID = 1L;

        StartedHere(Thread t) {
            super("the running loop was started here, on thread '" + t.getName() + "'");
        }
    }

    /**
     * Runs a loop on the calling thread until {@code main}'s promise resolves; returns its value or
     * throws its error (same instance). See {@code LwtMain.run} for the contract.
     */
    public static <T> T run(Supplier<? extends Lwt<T>> main) {
        return run(main, false);
    }

    /**
     * {@link #run} on a virtual clock: see {@code LwtMain.runWithVirtualClock} for the contract and
     * "The clock" on this class for how it moves.
     */
    public static <T> T runWithVirtualClock(Supplier<? extends Lwt<T>> main) {
        return run(main, true);
    }

    private static <T> T run(Supplier<? extends Lwt<T>> main, boolean virtual) {
        Objects.requireNonNull(main, "LwtMain.run: main");
        Engine e = Engine.current();
        EventLoop outer = e.loop;
        if (outer != null) {
            throw new IllegalStateException("LwtMain.run: an event loop is already running on thread '"
                    + e.thread.getName() + "', started at " + outer.startedAtFrame()
                    + ". One loop per thread: return a promise to the running loop instead of"
                    + " running a nested one", outer.startedAt);
        }
        CoarseClock.tick(); // fresh: the watchdog may have slept while no loop ran
        EventLoop loop = new EventLoop(e, new StartedHere(e.thread), virtual);
        int savedDepth = e.enterLoop(loop);
        RUNNING.add(loop);
        Watchdog.register(loop);
        try {
            Lwt<T> p;
            e.depth++;
            try {
                p = main.get();
            } finally {
                e.leave();
            }
            if (p == null) {
                throw new NullPointerException("LwtMain.run: main returned null instead of a promise");
            }
            loop.cycle(p);
            if (loop.failure != null) {
                throw Throwing.sneaky(loop.failure);
            }
            return p.getNow();
        } finally {
            RUNNING.remove(loop);
            Watchdog.unregister(loop);
            loop.mbean.loopEnded();
            loop.close();
            loop.reportAbandonedFibers();
            loop.reportUnseenFailures();
            e.exitLoop(savedDepth);
        }
    }

    /** The explicit cycle documented on the class. */
    private void cycle(Lwt<?> main) {
        while (failure == null && main.isPending()) {
            turns++;
            beat();
            runInbox();                                   // 1. ready callbacks
            if (failure != null) {
                break;
            }
            wakePaused();                                 // 2. paused promises
            if (failure != null) {
                break;
            }
            fireTimers();                                 // 3. due timers
            if (failure != null || !main.isPending()) {
                break;                                    // never block once there is nothing to wait for
            }
            poll();                                       // 4. NIO readiness (the only place that blocks)
        }
    }

    /**
     * Step 1. The common turn has an empty inbox: one {@code relaxedPoll} (a single volatile load of
     * the next slot) answers that, with no consumer object and no further call.
     */
    private void runInbox() {
        Runnable r = inbox.relaxedPoll();
        if (r == null) {
            return;                                       // NOTE: an offer in flight is seen by poll's isEmpty
        }
        deadlockChecked = false;                          // something happened: a deadlock may be over
        int n = 0;
        do {
            runTask(r, 0);
        } while (++n < INBOX_BATCH && (r = inbox.relaxedPoll()) != null);
    }

    /**
     * Runs one unit of loop work as a callback frame: within the nesting bound, and what it throws
     * goes to the async-exception handler. A task is a posted {@link Runnable}, a paused fiber
     * parked with {@code ticket} ({@link #parkPaused}), or a paused wake-up (a {@link BiConsumer}
     * called with no value and no error).
     */
    @SuppressWarnings("unchecked")
    private void runTask(Object task, int ticket) {
        beat();
        engine.depth++;
        try {
            if (task instanceof Runnable r) {
                r.run();
            } else if (task instanceof Fiber<?> f) {      // a final class: one class compare
                FIBERS.wake(f, ticket);
            } else {
                ((BiConsumer<Object, Throwable>) task).accept(null, null);
            }
        } catch (Throwable t) {
            engine.reportAsync(t);
        } finally {
            engine.leave();
        }
    }

    /**
     * Step 2. The list holds paused promises' resolvers and paused fibers' wake-ups, in pause order;
     * what pauses while it runs goes to the other list, for the next turn.
     */
    private void wakePaused() {
        PauseList now = paused;
        int n = now.size;
        if (n == 0) {
            return;
        }
        paused = waking;
        waking = now;
        now.size = 0;                                     // (were anything to escape, nothing runs twice)
        Object[] items = now.items;
        int[] tickets = now.tickets;
        for (int i = 0; i < n; i++) {
            Object o = items[i];
            items[i] = null;                              // nothing kept once it ran
            if (o instanceof Resolver<?> r) {             // Resolver is a final class: one class compare
                r.tryResolve(null);                       // a cancelled pause is simply skipped
            } else {
                runTask(o, tickets[i]);
            }
        }
    }

    /**
     * The paused list: an array and a count, no modification count or range checks, since only
     * {@link #wakePaused} reads it and the loop thread alone writes it. Loop thread.
     */
    private static final class PauseList {
        Object[] items = new Object[16];
        /** Beside a parked fiber in {@link #items}, its park's ticket (else unused). */
        int[] tickets = new int[16];
        int size;

        boolean isEmpty() {
            return size == 0;
        }

        void add(Object o, int ticket) {
            Object[] a = items;
            int n = size;
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
                items = a;
                tickets = java.util.Arrays.copyOf(tickets, n * 2);
            }
            a[n] = o;
            tickets[n] = ticket;
            size = n + 1;
        }
    }

    /**
     * Step 3. The clock is read at most once, and only when a timer is not known to be due by the
     * last reading ({@link #clockSeen}, never ahead of the real clock): a fiber sleeping 0 s in a
     * loop reads no clock at all.
     */
    private void fireTimers() {
        TimerHeap.Timer t = timers.peek();
        if (t == null) {
            return;
        }
        boolean fresh = virtual;                          // a virtual clock is always fresh
        long now = virtual ? virtualNanos : clockSeen;
        long seqLimit = timerSeq;                         // timers made while firing wait a turn
        while ((t = timers.peek()) != null && t.seq < seqLimit) {
            if (t.deadline - now > 0) {
                if (fresh) {
                    break;
                }
                now = readClock();
                fresh = true;
                if (t.deadline - now > 0) {
                    break;
                }
            }
            timers.poll();
            if (t.fire instanceof Runnable r) {
                beat();
                r.run();
            } else {
                runTask(t.fire, t.ticket);                  // a sleeping fiber
                releaseFiberTimer(t);
            }
        }
    }

    private void poll() {
        if (virtual) {
            pollVirtual();
            return;
        }
        Selector sel = selector;
        if (sel == null) {
            parkForWork();
            return;
        }
        int n;
        try {
            if (!paused.isEmpty() || !inbox.isEmpty()) {
                n = sel.selectNow(collectReady);
            } else {
                TimerHeap.Timer t = timers.peek();
                if (t == null && mayBeDeadlocked()) {
                    n = waitIdle(sel, deadlockNanos);
                    if (n < 0) {
                        n = 0;
                        deadlockTimedOut();
                    }
                } else if (failure != null) {
                    n = 0;                                // stopped by a DeadlockException: no wait
                } else if (t == null) {
                    setIdle(true);
                    n = sel.select(collectReady);         // NOTE: a post racing with this is safe:
                    setIdle(false);
                } else {                                  // wakeup() before select() makes it return
                    // Due by the last reading: no clock read (as parkForWork does), else a fresh one.
                    long wait = t.deadline - clockSeen <= 0 ? 0 : t.deadline - readClock();
                    if (wait <= 0) {
                        n = sel.selectNow(collectReady);
                    } else {
                        // round up: waking a little early would cost an extra turn, never a spin
                        setIdle(true);
                        n = sel.select(collectReady, Math.max(1, (wait + 999_999) / 1_000_000));
                        setIdle(false);
                    }
                }
            }
        } catch (IOException x) {
            throw Throwing.sneaky(x);
        }
        if (Thread.interrupted()) {
            // select() returns at once on an interrupted thread: carrying on would spin. An interrupt
            // therefore stops the loop, and LwtMain.run throws it (the status is cleared, as usual).
            stop(new InterruptedException("the thread running the event loop was interrupted"));
        }
        if (n != 0) {
            dispatchReady();
        }
    }

    /**
     * The keys the last select reported ready, {@code [0, readyCount)}: filled by
     * {@link #collectReady} inside {@code Selector.select(Consumer)}, emptied by {@link #dispatchReady}.
     * The consumer form of select skips the selector's selected-key {@code HashSet} (a
     * {@code HashMap.Node} per ready key and an iterator per poll, 18 % of a server's allocation).
     */
    private SelectionKey[] readyKeys = new SelectionKey[16];
    private int readyCount;
    private final Consumer<SelectionKey> collectReady = this::collectReady;

    /**
     * Only records {@code k}: nothing may run here. The consumer runs inside the selector's
     * select, under its lock, on the loop thread; resuming a fiber from it crashed the JVM
     * (SIGSEGV in {@code Thaw::thaw_slow}, Temurin 25.0.3, seen with the RESP server under
     * redis-benchmark -c 1000), so the callbacks run after select returns, in {@link #dispatchReady}.
     */
    private void collectReady(SelectionKey k) {
        SelectionKey[] a = readyKeys;
        if (readyCount == a.length) {
            readyKeys = a = java.util.Arrays.copyOf(a, a.length * 2);
        }
        a[readyCount++] = k;
    }

    /** Runs the I/O operations of the channels the last select found ready ({@link #readyKeys}). */
    private void dispatchReady() {
        deadlockChecked = false;                          // something happened: a deadlock may be over
        SelectionKey[] a = readyKeys;
        int n = readyCount;
        readyCount = 0;                                   // nothing below selects into it (closeNow has its own consumer)
        // NOTE: a callback that throws (it stops the loop) leaves the keys after it undispatched:
        // the selector is level-triggered, so a next poll would report them again.
        for (int i = 0; i < n; i++) {
            SelectionKey k = a[i];
            a[i] = null;
            beat();
            IoState st = (IoState) k.attachment();
            int ready;
            try {
                ready = k.readyOps();                     // a callback before may have closed its channel
            } catch (CancelledKeyException closedMeanwhile) {
                continue;
            }
            st.ready(ready);
        }
    }

    /**
     * Step 4 for a loop with no channel yet: nothing to poll, so wait only when nothing is ready,
     * until the next timer or until a post unparks us. No syscall at all on a busy turn.
     */
    private void parkForWork() {
        if (!paused.isEmpty() || !inbox.isEmpty()) {
            return;
        }
        TimerHeap.Timer t = timers.peek();
        if (t == null && mayBeDeadlocked()) {
            if (waitIdle(null, deadlockNanos) < 0) {
                deadlockTimedOut();
            }
        } else if (failure != null) {
            return;                                       // stopped by a DeadlockException: no wait
        } else if (t == null) {
            setIdle(true);
            LockSupport.park(this);                       // NOTE: an unpark before the park is kept
            setIdle(false);
        } else if (t.deadline - clockSeen > 0) {          // not known to be due by the last reading
            long wait = t.deadline - readClock();
            if (wait > 0) {
                setIdle(true);
                LockSupport.parkNanos(this, wait);
                setIdle(false);
            }
        }
        if (Thread.interrupted()) {
            stop(new InterruptedException("the thread running the event loop was interrupted"));
        }
    }

    // ----- The clock ----------------------------------------------------------------------------

    /** The loop's clock in nanoseconds, on the scale of the timers' deadlines. Loop thread. */
    private long clockNanos() {
        return virtual ? virtualNanos : readClock();
    }

    /**
     * The last {@code System.nanoTime()} the loop read (real clock only): never ahead of the real
     * clock, so a timer due by it is due. Steps 3 and 4 and a zero sleep go by it when they can,
     * and read the clock only when it cannot answer. Loop thread.
     */
    private long clockSeen;

    private long readClock() {
        return clockSeen = System.nanoTime();
    }

    /**
     * {@code LwtUnix.now()}: seconds on the loop's clock since the run began; virtual time under
     * {@code runWithVirtualClock}. Loop thread.
     */
    public double now() {
        return (clockNanos() - originNanos) / 1e9;
    }

    /** True for a loop started by {@code runWithVirtualClock}. Any thread. */
    public boolean isVirtualClock() {
        return virtual;
    }

    /**
     * A wait that another thread ends begins (pool work, a CompletionStage, a callback): until the
     * matching {@link #endExternalWait}, a virtual clock stands still and the loop waits for that
     * thread in real time. Call the end on the loop thread, after (or as part of) the task the other
     * thread posted to end the wait, so the loop never sees the wait over with nothing posted yet.
     * Loop thread.
     */
    public void beginExternalWait() {
        externalWaits++;
    }

    /** See {@link #beginExternalWait}. Loop thread. */
    public void endExternalWait() {
        assert externalWaits > 0;
        externalWaits--;
    }

    /**
     * Waits for work with a deadlock in view: until a post arrives, a channel of {@code sel} (null:
     * no selector, park) is ready, or the thread is interrupted, or {@code nanos} pass with none of
     * that; returns the ready channels' count, or -1 when the whole period passed idle. A wait that
     * ends early with nothing to do waits again for the rest: the wake-up of a post this turn has
     * already taken (it stays pending when it comes after the take) would otherwise end the next
     * wait at once, and an idle period of no time at all was reported as a deadlock (hundreds of
     * times in a run of threads calling {@code LwtPreemptive.runInMain}).
     */
    private int waitIdle(Selector sel, long nanos) {
        long deadline = System.nanoTime() + nanos;
        setIdle(true);
        try {
            for (long left = nanos; ; left = deadline - System.nanoTime()) {
                if (!inbox.isEmpty() || Thread.currentThread().isInterrupted()) {
                    return 0;
                }
                if (left <= 0) {
                    return -1;
                }
                if (sel == null) {
                    LockSupport.parkNanos(this, left);
                } else {
                    int n = sel.select(collectReady, Math.max(1, (left + 999_999) / 1_000_000));
                    if (n != 0) {
                        return n;
                    }
                }
            }
        } catch (IOException x) {
            throw Throwing.sneaky(x);
        } finally {
            setIdle(false);
        }
    }

    /**
     * Step 4 on a virtual clock. Channels already ready are taken first (one {@code selectNow});
     * then, with nothing ready:
     * <ol>
     *   <li>a timer already due: return (step 3 fires it);
     *   <li>a wait that another thread ends (pool work, a CompletionStage or callback, a pending
     *       read, write or connect): block in real time, clock still, until that thread posts or
     *       the channel is ready;
     *   <li>a timer: jump the clock to its deadline (step 3 fires it and the ones due with it,
     *       in deadline order, ties in creation order, as on a real clock);
     *   <li>a pending accept only: block in real time (a client on another thread may come);
     *   <li>nothing at all: nothing can ever run again, stop with {@link DeadlockException}.
     * </ol>
     */
    private void pollVirtual() {
        Selector sel = selector;
        try {
            if (sel != null && sel.selectNow(collectReady) > 0) {
                dispatchReady();
                return;
            }
            if (!paused.isEmpty() || !inbox.isEmpty()) {
                return;
            }
            TimerHeap.Timer t = timers.peek();
            if (t != null && t.deadline - virtualNanos <= 0) {
                return;
            }
            int io = sel == null ? 0 : ioWaits(sel);
            if (externalWaits > 0 || io > 0) {
                blockInRealTime(sel);
            } else if (t != null) {
                virtualNanos = t.deadline;
            } else if (io < 0) {
                blockInRealTime(sel);                     // only accepts pending
            } else if (fibersOnlyWaitForTheLoop()) {
                stop(deadlock());
            } else {
                // a fiber awaits another thread through loomcc.fiber.Fiber itself, which the count
                // does not see: not a deadlock; the clock had nothing to jump to anyway
                blockInRealTime(sel);
            }
        } catch (IOException x) {
            throw Throwing.sneaky(x);
        }
    }

    /**
     * What the pending I/O means for a virtual clock: 1 if a channel waits for a read, write or
     * connect that another thread or process ends (it holds the clock); -1 if the only waits are
     * accepts (they keep the loop alive but do not hold the clock); else 0. A read or write whose
     * other end is this same loop (a client and a server on one loop, as tests have them) is ended
     * by the loop itself, so it neither holds the clock nor keeps the loop alive: see
     * {@link #peerIsOnThisLoop}.
     */
    private static int ioWaits(Selector sel) {
        int found = 0;
        for (SelectionKey k : sel.keys()) {
            int ops;
            try {
                ops = k.interestOps();
            } catch (CancelledKeyException closed) {
                continue;
            }
            if ((ops & SelectionKey.OP_CONNECT) != 0) {
                return 1;
            }
            if ((ops & (SelectionKey.OP_READ | SelectionKey.OP_WRITE)) != 0) {
                if (!(k.channel() instanceof SocketChannel sc) || !peerIsOnThisLoop(sc, sel)) {
                    return 1;
                }
            } else if (ops != 0) {
                found = -1;
            }
        }
        return found;
    }

    /**
     * True when {@code sc}'s peer is a socket of this loop: a server socket registered here (sc is a
     * client of one of our servers) or a socket registered here (sc is the server's side of one of
     * our clients; clients made by LwtUnix.connect or LwtIo.connect are always registered).
     */
    private static boolean peerIsOnThisLoop(SocketChannel sc, Selector sel) {
        if (!(remoteOf(sc) instanceof InetSocketAddress peer)) {
            return false;
        }
        for (SelectionKey k : sel.keys()) {
            SocketAddress a;
            try {
                a = k.channel() instanceof ServerSocketChannel ss ? ss.getLocalAddress()
                        : k.channel() instanceof SocketChannel other && other != sc ? other.getLocalAddress() : null;
            } catch (IOException closed) {
                continue;                                 // NOTE: a channel closed meanwhile is nobody's peer
            }
            if (a instanceof InetSocketAddress mine && mine.getPort() == peer.getPort()
                    && (mine.getAddress().equals(peer.getAddress())
                        || (k.channel() instanceof ServerSocketChannel && mine.getAddress().isAnyLocalAddress()))) {
                return true;
            }
        }
        return false;
    }

    private static SocketAddress remoteOf(SocketChannel sc) {
        try {
            return sc.getRemoteAddress();
        } catch (IOException closed) {
            return null;
        }
    }

    /** Waits for another thread's post (or, with a selector, a ready channel); no timeout. */
    private void blockInRealTime(Selector sel) throws IOException {
        setIdle(true);
        if (sel != null) {
            int n = sel.select(collectReady);             // NOTE: a wakeup() before select() is kept
            setIdle(false);
            if (n > 0) {
                dispatchReady();
            }
        } else {
            LockSupport.park(this);                       // NOTE: an unpark before the park is kept
            setIdle(false);
        }
        if (Thread.interrupted()) {
            stop(new InterruptedException("the thread running the event loop was interrupted"));
        }
    }

    private DeadlockException deadlock() {
        return new DeadlockException("LwtMain.runWithVirtualClock: deadlock at virtual time " + now()
                + " s: the main promise is pending and nothing can ever run again (nothing ready or"
                + " paused, no timer, no I/O, no work on another thread); " + liveFibers
                + " fiber(s) of this loop are suspended. Something waits on a promise that nobody"
                + " will resolve (a Resolver never resolved, a lock never unlocked, a stream never"
                + " written or closed). Under the virtual clock a loop fed only by other threads'"
                + " LwtPreemptive.runInMain counts as deadlocked too: use LwtMain.run for that.\n" + dump());
    }

    // ----- Stopping -----------------------------------------------------------------------------

    /** Async failure from {@link Engine#reportAsync}: the handler, or stop with it. Loop thread. */
    void handleAsync(Throwable t) {
        Consumer<Throwable> h = asyncHandler;
        if (h == null) {
            stop(t);
            return;
        }
        try {
            h.accept(t);
        } catch (Throwable fromHandler) {
            if (fromHandler != t) {
                fromHandler.addSuppressed(t);
            }
            stop(fromHandler);
        }
    }

    private void stop(Throwable t) {
        if (failure == null) {
            failure = t;
        } else if (failure != t) {
            failure.addSuppressed(t);
        }
    }

    /** Sets the async-exception handler; null restores the default (stop, and run() throws). */
    public void setAsyncExceptionHandler(Consumer<Throwable> h) {
        asyncHandler = h;
    }

    private void close() {
        closed = true;
        consumer.set(false);
        drainAbandoned();
        if (!tracked.isEmpty()) {
            // Made only when something is left to abandon: the message walks the start's stack
            // trace, which cost every LwtMain.run tens of microseconds when it was made each time.
            IllegalStateException why = stoppedError();
            for (Abandonable a : List.copyOf(tracked)) {
                a.abandon(why);
            }
            tracked.clear();
        }
        Selector sel = selector;
        try {
            if (sel != null) {
                sel.close();
            }
        } catch (IOException ignored) {
            // NOTE: nothing waits on the selector any more; its channels are deregistered either way.
        }
    }

    private IllegalStateException stoppedError() {
        return new IllegalStateException("the event loop started at " + startedAtFrame() + " on thread '"
                + thread.getName() + "' has stopped (its main promise resolved)");
    }

    /**
     * After the loop stopped, whoever holds the consumer role abandons what is left in the inbox.
     * NOTE: benign race by design. A poster that sees {@code closed} calls this after its offer; the
     * one holding the role re-checks emptiness after releasing it, so an item offered while another
     * thread drained is picked up by one of the two (both sides use volatile/CAS accesses).
     */
    private void drainAbandoned() {
        while (!inbox.isEmpty() && consumer.compareAndSet(false, true)) {
            try {
                IllegalStateException why = null;
                Runnable r;
                while ((r = inbox.poll()) != null) {
                    if (r instanceof Abandonable a) {
                        if (why == null) {
                            why = stoppedError();
                        }
                        a.abandon(why);
                    }
                }
            } finally {
                consumer.set(false);
            }
        }
    }

    // ----- Other threads ------------------------------------------------------------------------

    /**
     * Posts {@code task} to run on the loop thread, soon, in FIFO order with other posts, as a
     * callback (within the nesting bound; what it throws goes to the async-exception handler). Any
     * thread. Returns false if the loop has stopped; a task posted while it stops may still be
     * abandoned: if it implements {@link Abandonable}, it hears about it.
     */
    public boolean post(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            return false;
        }
        inbox.offer(task);
        // The loop publishes its selector before it next checks the inbox, and we read it after
        // offering: either we see the selector and wake it, or the loop sees our task (Dekker).
        Selector sel = selector;
        if (sel != null) {
            sel.wakeup();
        } else {
            LockSupport.unpark(thread);
        }
        if (closed) {
            drainAbandoned();
        }
        return true;
    }

    /**
     * True on this loop's thread while the loop runs. Any thread. (A fiber's home: see
     * {@link FiberHome}.) False once it has stopped, also on its thread: a fiber of an ended loop
     * woken by a promise of a later loop on the same thread must not run there (its loop would
     * never run its next pause or timer); its wake-up goes to {@link #execute} and is dropped.
     */
    @Override
    public boolean inHome() {
        return Thread.currentThread() == thread && !closed;
    }

    /** This loop's direct buffers for {@code LwtIo}, made on first use; null until then. Loop thread. */
    private IoBuffers ioBuffers;

    /** This loop's direct buffers for {@code LwtIo} ({@link IoBuffers}), made on first use. Loop thread. */
    IoBuffers ioBuffers() {
        IoBuffers b = ioBuffers;
        if (b == null) {
            ioBuffers = b = new IoBuffers();
        }
        return b;
    }

    /** The engine of this loop's thread: its nesting depth and deferred queue. Loop thread. */
    public Engine engine() {
        return engine;
    }

    // The fiber runtime keeps the engine's nesting count in step with each fiber's frames (see
    // Engine, "Fibers and the nesting count"). Loop thread only; no thread-local lookup.

    @Override
    public void mount(Fiber<?> fiber, int own) {
        engine.mountFiber(fiber, own);
    }

    @Override
    public int unmount() {
        return engine.unmountFiber();
    }

    @Override
    public void settle() {
        engine.settleFiber();
    }

    /**
     * {@link #post}, for the fiber runtime: how a fiber is resumed from another thread (a
     * completion, a callback, a detached block's end). Any thread. Work that arrives after the
     * loop has stopped is dropped and counted ({@link #droppedAfterEnd}), never thrown into the
     * thread that delivered it (DESIGN.md, LwtFiber): its fiber was counted among the live ones
     * in the loop's end-of-run warning, and nothing can run it any more.
     */
    @Override
    public void execute(Runnable task) {
        if (!post(task)) {
            droppedAfterEnd.incrementAndGet();
        }
    }

    /** Fiber wake-ups that arrived after this loop stopped and were dropped. Any thread. */
    public int droppedAfterEnd() {
        return droppedAfterEnd.get();
    }

    /** Keeps {@code a} to be abandoned if the loop stops before {@link #untrack}. Loop thread. */
    public void track(Abandonable a) {
        tracked.add(a);
    }

    public void untrack(Abandonable a) {
        tracked.remove(a);
    }

    // ----- Pause and timers ---------------------------------------------------------------------

    /** {@code Lwt.pause()}: a task the next turn fulfils. Loop thread. */
    public Lwt<Void> pause() {
        Resolver<Void> r = Lwt.task();
        paused.add(r, 0);
        return r.promise();
    }

    /**
     * A paused fiber, with no promise: {@code wakeUp.accept(null, null)} runs on the next turn, in
     * order with {@link #pause()}'d promises. Nothing removes it: a cancelled fiber's wake-up finds
     * the fiber no longer waiting and does nothing. Loop thread.
     */
    public void pauseFiber(BiConsumer<? super Void, ? super Throwable> wakeUp) {
        paused.add(wakeUp, 0);
    }

    /**
     * {@code LwtFiber.pause} of a fiber of this loop ({@link ParkingAwaiter}):
     * the fiber itself is queued with its park's ticket, and woken on the next turn.
     */
    public void parkPaused(Fiber<?> fiber, int ticket) {
        paused.add(fiber, ticket);
    }

    /** {@code LwtUnix.sleep}: a task fulfilled at the deadline; cancelling it removes its timer. */
    public Lwt<Void> sleep(double seconds) {
        Resolver<Void> r = Lwt.task();
        if (seconds == Double.POSITIVE_INFINITY) {
            return r.promise();                          // never fires; cancel still works
        }
        TimerHeap.Timer t = timer(seconds, (Runnable) () -> r.tryResolve(null));
        timers.add(t);
        r.promise().onCancel(() -> timers.remove(t));
        return r.promise().describedAs(t);
    }

    /**
     * {@code LwtFiber.sleep}, in a fiber on this loop: the timer wakes the fiber itself, with no
     * promise, in deadline order with the sleep promises; cancelling the fiber removes the timer.
     */
    public void sleepFiber(Fiber<?> self, double seconds) {
        FIBERS.await(self, seconds == Double.POSITIVE_INFINITY ? FOREVER : takeFiberTimer(seconds), fiberTimer);
    }

    /** Awaits with the fiber the caller has already looked up (LwtFiber.sleep): one lookup per sleep. */
    private static final FiberAccess FIBERS = FiberAccess.get();

    /** Fiber timers that left the heap for good (fired, or removed by a cancel), for reuse. */
    private final TimerHeap.Timer[] spareTimers = new TimerHeap.Timer[16];
    private int spareTimerCount;

    /** A timer for a fiber's sleep: a spare one when there is one, so a sleeping loop allocates nothing. */
    private TimerHeap.Timer takeFiberTimer(double seconds) {
        if (spareTimerCount == 0) {
            return timer(seconds, null);
        }
        TimerHeap.Timer t = spareTimers[--spareTimerCount];
        spareTimers[spareTimerCount] = null;
        t.deadline = deadline(seconds);
        t.seq = timerSeq++;
        return t;
    }

    /**
     * {@code t} left the heap and its fiber's wait is over (fired) or abandoned (cancelled):
     * nothing refers to it any more but the wait's own promise field, which the fiber clears
     * when it resumes and never reads again.
     */
    private void releaseFiberTimer(TimerHeap.Timer t) {
        t.fire = null;
        if (spareTimerCount < spareTimers.length) {
            spareTimers[spareTimerCount++] = t;
        }
    }

    /** The timer of a fiber that sleeps forever: never in the heap, so it never fires. */
    private static final TimerHeap.Timer FOREVER = new TimerHeap.Timer(0, -1, null);

    /** How a fiber waits on its timer: it enters the heap once the fiber is captured. */
    private final Awaiter<TimerHeap.Timer, Void> fiberTimer = new FiberTimer();

    /**
     * The fiber parks on its timer ({@link ParkingAwaiter}: no wait object), which fires it with
     * its ticket; a cancel takes the timer out of the heap.
     */
    private final class FiberTimer implements Awaiter.Suspending<TimerHeap.Timer, Void>, ParkingAwaiter<TimerHeap.Timer, Void> {
        // even a zero sleep fires on a later turn, as Lwt_unix.sleep 0. does: never done at once
        @Override
        public String describe(TimerHeap.Timer t) {
            return t == FOREVER ? "LwtFiber.sleep forever" : "LwtFiber.sleep, " + t;
        }

        @Override
        public Object park(TimerHeap.Timer t, Fiber<?> fiber, int ticket) {
            if (t != FOREVER) {
                t.fire = fiber;
                t.ticket = ticket;
                timers.add(t);
            }
            return null;
        }

        @Override
        public void unpark(TimerHeap.Timer t, Object registration) {
            if (timers.remove(t)) {
                releaseFiberTimer(t);
            }
        }
    }

    private TimerHeap.Timer timer(double seconds, Object fire) {
        return new TimerHeap.Timer(deadline(seconds), timerSeq++, fire);
    }

    private long deadline(double seconds) {
        if (seconds == 0 && !virtual) {
            // A zero sleep is due at once; the last reading (<= now) serves as its deadline when no
            // timer in the heap is due after that reading: then it sorts exactly as "now" would (after
            // every timer due by then, ties in creation order; before every later one), and a loop of
            // zero sleeps reads no clock. Otherwise a timer due between that reading and now must
            // still come first: read the clock. The coarse clock (a past reading too, sampled by the
            // watchdog every tick) keeps the reading within a tick of now, so a dump's "due in" of a
            // zero sleep is as fresh as its other times even when this loop reads no clock for long.
            long seen = clockSeen;
            long coarse = CoarseClock.nanos();
            if (coarse - seen > 0) {
                clockSeen = seen = coarse;                // NOTE: another thread's sample; both are <= now
            }
            if (timers.allDueBy(seen)) {
                return seen;
            }
        }
        // clamp: 100 years in nanoseconds stays far from the 292-year wrap of nanoTime arithmetic
        long nanos = (long) Math.min(seconds * 1e9, 100 * 365.25 * 86_400 * 1e9);
        return clockNanos() + nanos;
    }

    /** Timers waiting in the heap; for tests. */
    public int timerCount() {
        return timers.size();
    }

    /** Numbers this loop's fibers for their default names: a plain field, no shared counter. */
    private int fiberIds;

    /** The next fiber number on this loop ({@code fiber-<id>}). Loop thread. */
    @Override
    public int nextFiberId() {
        return ++fiberIds;
    }

    /** A fiber started on this loop. Loop thread. */
    public void fiberStarted() {
        liveFibers++;
    }

    /** A fiber of this loop ended. Loop thread. */
    public void fiberEnded() {
        liveFibers--;
    }

    /** Fibers started on this loop and not ended yet. */
    public int liveFibers() {
        return liveFibers;
    }

    /** A fiber of this loop handed a block to the pool ({@code LwtFiber.detached}). Loop thread. */
    public void detachedStarted() {
        detachedFibers++;
    }

    /** That fiber is back on the loop. Loop thread. */
    public void detachedEnded() {
        detachedFibers--;
    }

    /**
     * No fiber is lost without a trace (DESIGN.md): a loop that ends while fibers still wait says
     * so, once, since nothing will ever resume them. Lwt itself leaves pending promises pending
     * silently; a suspended fiber holds a whole stack, and usually a resource, so it gets a warning.
     */
    private void reportAbandonedFibers() {
        if (liveFibers > 0) {
            System.getLogger("loomcc").log(System.Logger.Level.WARNING, "loomcc: the event loop started at "
                    + startedAtFrame() + " ended with " + liveFibers + " fiber(s) still suspended"
                    + (detachedFibers > 0 ? " (" + detachedFibers + " of them in a detached block, still"
                            + " running on the pool)" : "")
                    + "; nothing will resume them (their finally blocks will not run), and what arrives"
                    + " for them later (a completion, a callback, the end of a detached block) is dropped."
                    + " Cancel them, or resolve what they wait on, before the main promise resolves."
                    + " They are: " + abandonedNames());
        }
    }

    /** The names of the fibers still live, the first {@link #MAX_UNSEEN_LISTED} of them, for the warning. */
    private String abandonedNames() {
        List<Fiber<?>> live = Fiber.live(this);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < live.size() && i < MAX_UNSEEN_LISTED; i++) {
            sb.append(i == 0 ? "'" : ", '").append(live.get(i).name()).append('\'');
        }
        if (live.size() > MAX_UNSEEN_LISTED) {
            sb.append(" and ").append(live.size() - MAX_UNSEEN_LISTED).append(" more");
        }
        return sb.append(" (LwtFiber.dump() before the end shows what each waits for).").toString();
    }

    /** Cycles run so far; for tests (an idle loop must not spin). */
    public long turns() {
        return turns;
    }

    // ----- I/O ----------------------------------------------------------------------------------

    /**
     * A readiness wait that its owner keeps and re-arms ({@code Lwt_unix.wait_read}/{@code wait_write}):
     * armed with {@link #awaitReady}, it is called back once, on the loop thread, when the selector
     * reports the channel ready, or failed when the channel is closed with {@link #close(SelectableChannel)}.
     * One object serves every wait of its owner, so a buffered reader or writer allocates nothing
     * per wait. The interest is off again when {@link #ready} runs (re-arm from it to wait again).
     */
    public abstract static class ReadyWait {
        private IoState st;
        private int bit;
        private boolean armed;

        /** The channel is ready for the operation. Loop thread. */
        protected abstract void ready();

        /** The channel was closed under the wait ({@link AsynchronousCloseException}). Loop thread. */
        protected abstract void failed(Throwable error);

        /** True between {@link #awaitReady} and the callback (or {@link #cancelReady}). */
        public final boolean isArmed() {
            return armed;
        }

        /**
         * The selector reported {@code bit}: disarm, then call back. A read's interest stays on
         * the key ({@link IoState#clearLazily}): its owner nearly always re-arms before the next
         * select, and then the key's interest never changed.
         */
        void onReady() {
            armed = false;
            if (bit == SelectionKey.OP_READ) {
                st.clearLazily(bit);
            } else {
                st.set(bit, null);
            }
            ready();
        }

        /** Taken off by a close of the channel: the interest is already off. */
        void onClosed(Throwable why) {
            armed = false;
            failed(why);
        }
    }

    /** Per-channel state, the attachment of its key: at most one pending operation per kind. */
    private final class IoState {
        final SelectionKey key;
        ReadyWait read;      // OP_READ
        ReadyWait write;     // OP_WRITE
        ReadyWait connect;   // OP_CONNECT
        ReadyWait accept;    // OP_ACCEPT

        IoState(SelectableChannel ch) throws IOException {
            this.key = ch.register(selector(), 0, this);
        }

        ReadyWait get(int bit) {
            return switch (bit) {
                case SelectionKey.OP_READ -> read;
                case SelectionKey.OP_WRITE -> write;
                case SelectionKey.OP_CONNECT -> connect;
                case SelectionKey.OP_ACCEPT -> accept;
                default -> throw new IllegalArgumentException("op " + bit);
            };
        }

        void set(int bit, ReadyWait op) {
            slot(bit, op);
            if (key.isValid()) {
                key.interestOps(wanted());                // the JDK queues an epoll_ctl only on a change
            }
        }

        /**
         * Empties {@code bit}'s slot but leaves its interest on the key: a read's owner (an
         * {@code LwtIo} input) re-arms at once in the usual request-reply turn, so turning the
         * interest off and on again would queue two key updates per request for the selector to
         * compare at its next select. An interest that nobody re-armed costs at most one ready
         * report, which {@link #ready} then turns off.
         */
        void clearLazily(int bit) {
            slot(bit, null);
        }

        private void slot(int bit, ReadyWait op) {
            ReadyWait old = get(bit);
            pendingIo += (op != null ? 1 : 0) - (old != null ? 1 : 0);
            switch (bit) {
                case SelectionKey.OP_READ -> read = op;
                case SelectionKey.OP_WRITE -> write = op;
                case SelectionKey.OP_CONNECT -> connect = op;
                case SelectionKey.OP_ACCEPT -> accept = op;
                default -> throw new IllegalArgumentException("op " + bit);
            }
        }

        private int wanted() {
            return (read != null ? SelectionKey.OP_READ : 0) | (write != null ? SelectionKey.OP_WRITE : 0)
                    | (connect != null ? SelectionKey.OP_CONNECT : 0) | (accept != null ? SelectionKey.OP_ACCEPT : 0);
        }

        void ready(int readyOps) {
            if (accept != null && (readyOps & SelectionKey.OP_ACCEPT) != 0) {
                accept.onReady();
            }
            if (connect != null && (readyOps & SelectionKey.OP_CONNECT) != 0) {
                connect.onReady();
            }
            if (read != null && (readyOps & SelectionKey.OP_READ) != 0) {
                read.onReady();
            }
            if (write != null && (readyOps & SelectionKey.OP_WRITE) != 0) {
                write.onReady();
            }
            if (key.isValid() && (key.interestOps() & ~wanted()) != 0) {
                key.interestOps(wanted());                // a lazily kept interest nobody re-armed
            }
        }

        List<ReadyWait> takeAll() {
            List<ReadyWait> ops = new ArrayList<>(2);
            for (int bit : new int[] {SelectionKey.OP_ACCEPT, SelectionKey.OP_CONNECT,
                    SelectionKey.OP_READ, SelectionKey.OP_WRITE}) {
                ReadyWait op = get(bit);
                if (op != null) {
                    ops.add(op);
                    set(bit, null);
                }
            }
            return ops;
        }
    }

    /** A one-off operation of {@link #io}: retried at each readiness until it no longer would block. */
    private static final class IoOp extends ReadyWait {
        final IoAttempt attempt;
        final Resolver<Object> r;

        final String what;

        IoOp(IoState st, int bit, IoAttempt attempt, Resolver<Object> r, String what) {
            super.st = st;
            super.bit = bit;
            this.attempt = attempt;
            this.r = r;
            this.what = what;
        }

        /** For dumps: the operation and its channel. */
        @Override
        public String toString() {
            return what + " on " + super.st.key.channel();
        }

        @Override
        void onReady() {
            retry();
        }

        @Override
        protected void ready() {
            retry();
        }

        @Override
        protected void failed(Throwable error) {
            r.tryReject(error);
        }

        /** The channel is ready: try again; settle unless it would still block. */
        void retry() {
            IoState st = super.st;
            int bit = super.bit;
            Object v;
            try {
                v = attempt.attempt();
            } catch (Throwable t) {
                st.set(bit, null);                        // interest off before callbacks run
                r.tryReject(t);
                return;
            }
            if (v == WOULD_BLOCK) {
                return;                                   // spurious readiness: keep waiting
            }
            st.set(bit, null);
            r.tryResolve(v);
        }

        void cancelled() {
            IoState st = super.st;
            if (st.get(super.bit) == this) {
                st.set(super.bit, null);
            }
        }
    }

    /**
     * Arms {@code w} to be called back once when {@code ch} is ready for {@code bit} (one of
     * {@link SelectionKey}'s {@code OP_*}). No attempt is made first: the caller has just seen the
     * operation would block (or, as Lwt_io does after a short read, knows it would). Arming an
     * armed wait again does nothing. Loop thread.
     *
     * @throws IOException           if the channel is closed (ClosedChannelException)
     * @throws IllegalStateException if another operation of that kind is pending on {@code ch}
     */
    public void awaitReady(SelectableChannel ch, int bit, ReadyWait w) throws IOException {
        IoState st = w.st;
        if (st == null || !st.key.isValid()) {
            st = stateOf(ch);
            w.st = st;
        }
        ReadyWait there = st.get(bit);
        if (there == w) {
            return;
        }
        if (there != null) {
            throw new IllegalStateException("another operation of the same kind is already pending on " + ch
                    + "; wait for its promise before starting the next");
        }
        w.bit = bit;
        w.armed = true;
        st.set(bit, w);
    }

    /** Disarms {@code w} if it is armed; its callback will not run. Loop thread. */
    public void cancelReady(ReadyWait w) {
        if (w.armed) {
            w.armed = false;
            if (w.st.get(w.bit) == w) {
                w.st.set(w.bit, null);
            }
        }
    }

    private IoState stateOf(SelectableChannel ch) throws IOException {
        SelectionKey k = keyOf(ch);
        if (k != null) {
            return (IoState) k.attachment();
        }
        if (ch.isBlocking()) {
            ch.configureBlocking(false);                  // as Lwt_unix does for its fds
        }
        return new IoState(ch);
    }

    /**
     * One readiness-based operation on {@code ch}: tried at once (as Lwt_unix does), and if it would
     * block, retried each time the selector reports {@code bit} ready. Cancelling the returned task
     * removes the interest. Loop thread.
     *
     * @throws IllegalStateException if an operation of the same kind is already pending on {@code ch}
     */
    @SuppressWarnings("unchecked")
    public <T> Lwt<T> io(SelectableChannel ch, int bit, IoAttempt attempt, String what) {
        Objects.requireNonNull(ch, what + ": channel");
        IoState st;
        try {
            st = stateOf(ch);
        } catch (Throwable t) {
            return Lwt.failed(t);                         // a closed channel: ClosedChannelException
        }
        if (st.get(bit) != null) {
            throw new IllegalStateException(what + ": another one is already pending on " + ch
                    + "; wait for its promise before starting the next");
        }
        Object v;
        try {
            v = attempt.attempt();
        } catch (Throwable t) {
            return Lwt.failed(t);
        }
        if (v != WOULD_BLOCK) {
            return Lwt.resolved((T) v);
        }
        Resolver<Object> r = Lwt.task();
        IoOp op = new IoOp(st, bit, attempt, r, what);
        st.set(bit, op);
        r.promise().onCancel(op::cancelled);
        return (Lwt<T>) r.promise().describedAs(op);
    }

    /**
     * Closes {@code ch}; its pending operations on this loop are rejected with
     * {@link AsynchronousCloseException}. Loop thread.
     */
    public void close(SelectableChannel ch) throws IOException {
        SelectionKey k = keyOf(ch);
        List<ReadyWait> pending = k == null ? List.of() : ((IoState) k.attachment()).takeAll();
        try {
            ch.close();
        } finally {
            for (ReadyWait op : pending) {
                op.onClosed(new AsynchronousCloseException());
            }
        }
    }

    /**
     * {@link #close(SelectableChannel)}, and the descriptor released before this returns: a channel
     * registered with a selector is only really closed when the selector next deregisters its key,
     * so a listening socket would otherwise keep its port (and accept into its backlog) until the
     * loop's next poll. The extra {@code selectNow} drops the readiness it sees: the JDK's selectors
     * are level-triggered, so the next poll reports it again. Loop thread.
     */
    public void closeNow(SelectableChannel ch) throws IOException {
        close(ch);
        Selector sel = selector;
        if (sel != null && sel.isOpen()) {
            sel.selectNow(ignoredReadyKey -> { });
        }
    }

    private SelectionKey keyOf(SelectableChannel ch) {
        Selector sel = selector;
        return sel == null ? null : ch.keyFor(sel);
    }

    /** The interest set of {@code ch} on this loop's selector (0 if not registered); for tests. */
    public int interestOps(SelectableChannel ch) {
        SelectionKey k = keyOf(ch);
        return k == null || !k.isValid() ? 0 : k.interestOps();
    }

    // ----- Observability --------------------------------------------------------------------------

    /** This loop's live fibers, for {@code Fiber.live} and dumps. */
    @Override
    public LiveFibers fiberList() {
        return fibers;
    }

    /**
     * The loop's clock in nanoseconds (System.nanoTime's scale), as dumps and fiber suspensions
     * read it: on a real clock the coarse clock the watchdog thread samples, so an await pays a
     * memory read, not a clock call (to within a tick of {@link #clockNanos}, the timers' clock);
     * on a virtual clock the virtual time itself.
     */
    private long clock() {
        return virtual ? virtualNanos : CoarseClock.nanos();
    }

    /** A unit of loop work begins: the watchdog sees the loop move. */
    private void beat() {
        PROGRESS.setOpaque(this, progress + 1);
    }

    private void setIdle(boolean v) {
        IDLE.setOpaque(this, v);
    }

    /** For the watchdog thread. */
    long progressOpaque() {
        return (long) PROGRESS.getOpaque(this);
    }

    boolean idleOpaque() {
        return (boolean) IDLE.getOpaque(this);
    }

    /** The fiber running on the loop now, as the watchdog thread sees it (may be stale). */
    Fiber<?> runningFiber() {
        return engine.mountedFiber();
    }

    private static final java.lang.invoke.VarHandle PROGRESS;
    private static final java.lang.invoke.VarHandle IDLE;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            PROGRESS = l.findVarHandle(EventLoop.class, "progress", long.class);
            IDLE = l.findVarHandle(EventLoop.class, "idle", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static double doubleProperty(String name, double dflt) {
        String v = System.getProperty(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + "=" + v + " is not a number of seconds", e);
        }
    }

    /**
     * {@code LwtFiber.dump()}: every live fiber of this loop, oldest first, as a thread dump shows
     * threads. Loop thread.
     */
    public String dump() {
        List<Fiber<?>> live = Fiber.live(this);
        StringBuilder sb = new StringBuilder();
        sb.append("Fibers of the event loop on thread '").append(thread.getName()).append("' (started at ")
                .append(startedAtFrame()).append("), loop time ")
                .append(String.format(java.util.Locale.ROOT, "%.1f", (clock() - originNanos) / 1e9))
                .append(" s, ").append(live.size()).append(live.size() == 1 ? " live fiber" : " live fibers")
                .append(live.isEmpty() ? "\n" : ":\n");
        for (Fiber<?> f : live) {
            sb.append('\n').append(f.dump());
        }
        return sb.toString();
    }

    /**
     * Cheap part of the deadlock test, before the loop blocks with nothing ready and no timer: no
     * I/O interest and no work out on other threads. The rest (fibers waiting for another thread)
     * is checked only when the loop has stayed idle (or at once when a deadlock throws).
     */
    private boolean mayBeDeadlocked() {
        if (deadlockChecked || pendingIo != 0 || externalWaits != 0) {
            return false;
        }
        if (deadlockThrows) {
            deadlockChecked = true;
            if (fibersOnlyWaitForTheLoop()) {
                stop(new DeadlockException(deadlockMessage()));
                deadlockChecked = false;
                return false;
            }
            return false;                                 // nothing will change until a wake-up
        }
        return true;
    }

    /** The loop stayed idle for {@code loomcc.deadlockSeconds}: report a deadlock once per episode. */
    private void deadlockTimedOut() {
        deadlockChecked = true;                           // until something happens: block for good
        if (fibersOnlyWaitForTheLoop()) {
            System.getLogger("loomcc").log(System.Logger.Level.WARNING, deadlockMessage()
                    + "\nThe loop keeps waiting (another thread may still call LwtPreemptive.runInMain);"
                    + " -Dloomcc.deadlock=throw makes LwtMain.run throw DeadlockException instead.");
        }
    }

    private boolean fibersOnlyWaitForTheLoop() {
        for (Fiber<?> f : Fiber.live(this)) {
            if (f.awaitsAnotherThread()) {
                return false;
            }
        }
        return true;
    }

    private String deadlockMessage() {
        return "loomcc: deadlock: the main promise of the event loop on thread '" + thread.getName()
                + "' (started at " + startedAtFrame() + ") is pending and nothing the loop knows of can"
                + " ever run again: nothing is ready or paused, no timer, no I/O interest, no pool work,"
                + " no fiber waits for a CompletionStage, a callback or a detached block.\n" + dump();
    }

    /** A failure nobody had looked at when its fiber ended; reported if still unseen at the end. */
    private record UnseenFailure(Object fiber, Throwable error, java.util.function.BooleanSupplier seen) {
    }

    /** The most failures the end-of-run warning lists one by one; the rest are counted. */
    static final int MAX_UNSEEN_LISTED = 10;

    /**
     * A fiber's promise was rejected with {@code error} and had no callback: unless someone looks
     * at it before the loop ends ({@code seen}), the loop reports it then, naming the fiber by
     * {@code fiber.toString()} (taken then).
     * Loop thread.
     */
    public void noteUnseenFailure(Object fiber, Throwable error, java.util.function.BooleanSupplier seen) {
        if (unseenFailures == null) {
            unseenFailures = new ArrayList<>();
        }
        unseenFailures.add(new UnseenFailure(fiber, error, seen));
    }

    /** No failure is lost (DESIGN.md): fibers' failures nobody looked at, once each, at WARNING. */
    private void reportUnseenFailures() {
        List<UnseenFailure> all = unseenFailures;
        unseenFailures = null;
        if (all == null) {
            return;
        }
        List<UnseenFailure> lost = new ArrayList<>();
        for (UnseenFailure u : all) {
            if (!u.seen().getAsBoolean()) {
                lost.add(u);
            }
        }
        if (lost.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("loomcc: the event loop started at ").append(startedAtFrame())
                .append(" ended with ").append(lost.size()).append(lost.size() == 1 ? " fiber" : " fibers")
                .append(" whose failure nobody looked at (no callback, getNow or await on its promise):");
        java.io.StringWriter trace = new java.io.StringWriter();
        for (int i = 0; i < lost.size() && i < MAX_UNSEEN_LISTED; i++) {
            UnseenFailure u = lost.get(i);
            sb.append("\n  fiber '").append(u.fiber()).append("' failed with ").append(u.error());
        }
        if (lost.size() > MAX_UNSEEN_LISTED) {
            sb.append("\n  ... and ").append(lost.size() - MAX_UNSEEN_LISTED).append(" more");
        }
        lost.get(0).error().printStackTrace(new java.io.PrintWriter(trace));
        sb.append("\nThe first one's stack trace:\n").append(trace);
        System.getLogger("loomcc").log(System.Logger.Level.WARNING, sb.toString());
    }

    @Override
    public String toString() {
        return "EventLoop[thread=" + thread.getName() + ", started at " + startedAtFrame()
                + (closed ? ", stopped" : "") + "]";
    }
}
