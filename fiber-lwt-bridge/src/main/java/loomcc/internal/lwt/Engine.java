package loomcc.internal.lwt;

import loomcc.internal.Throwing;

import java.util.ArrayDeque;

import loomcc.fiber.Fiber;

/**
 * The per-thread resolution engine: how deep callbacks are nested right now, the queue of callbacks
 * deferred past the bound, and the loop running on this thread (if any).
 *
 * <p>Lwt keeps the same three things as globals (lwt.ml, "resolution loop": {@code
 * current_callback_nesting_depth}, {@code deferred_callbacks}); we keep one set per thread because
 * each thread may run its own loop. Every field is touched by its own thread only.
 *
 * <h2>Fibers and the nesting count</h2>
 * A fiber's frames come and go from the loop thread's stack, so the count is kept in step with
 * them (the fiber runtime calls {@link #mountFiber}/{@link #unmountFiber} through the loop, see
 * {@link loomcc.internal.fiber.Nesting}):
 * <ul>
 *   <li><b>A suspended fiber holds no depth.</b> When a fiber's code stops running (it suspends,
 *       detaches or ends), the depth goes back to where it was when the fiber was entered; the levels
 *       its own frames hold ({@code own}) go with the fiber and are added back, on top of whatever
 *       depth resumes it, when it runs again. So the frames that unwind later take off exactly what
 *       they added, wherever the fiber resumed.
 *   <li><b>A fiber counts its own nesting.</b> While a fiber is mounted, its code's functions that
 *       run at once (bind/map/recover/whenDone on a resolved promise) are bounded by the fiber's own
 *       levels ({@code depth - floor}, where {@code floor} is the depth it was entered at), not by
 *       where the loop happened to be when it resumed the fiber. Past the bound they go to the
 *       fiber's own queue ({@link #deferAtOnce}), never to the loop's: the fiber drains it, in the
 *       fiber, when its own nesting comes back to 0 ({@link #leave}), before it suspends and when its
 *       body ends ({@link #settleFiber}). So the bound never moves fiber code out of its fiber, and a
 *       million-deep recursion of at-once binds in a fiber still runs in constant stack.
 *   <li>Resolutions (a promise's callbacks, a fiber's resume among them) stay bounded by the whole
 *       depth, as before: a chain of fibers resuming one another inline cannot grow the stack
 *       without bound either.
 * </ul>
 * Mounts nest like calls, so the floors and queues of the fibers below are kept on a stack.
 *
 * <p>Threading: thread-confined. {@link #current()} returns the calling thread's engine.
 */
public final class Engine {

    /**
     * How deep callbacks may nest before further ones are deferred to a queue that the outermost
     * frame drains. Lwt's value: {@code default_maximum_callback_nesting_depth = 42} (lwt.ml). Each
     * level costs a handful of Java frames (resolve, dispatch, the callback, the user function), so
     * 42 levels stay far inside the default 512 KB-1 MB thread stack even with deep user code on top,
     * while chains shorter than 42 run with no queueing at all.
     */
    public static final int MAX_NESTING = 42;

    private static final ThreadLocal<Engine> CURRENT = ThreadLocal.withInitial(Engine::new);

    /**
     * The engine of the calling code: this thread's (created on first use), or, in the body of a
     * fiber that runs on a virtual thread of its own while its loop's thread waits for it (the
     * virtual-thread continuation backend), that loop's engine, so the body may do what the loop's
     * thread may do. On the Loom backend a body runs on the loop's thread and the first test
     * answers.
     */
    public static Engine current() {
        Engine mine = CURRENT.get();
        if (mine.loop != null) {
            return mine;
        }
        Fiber<?> f = Fiber.current();
        if (f != null && f.home() instanceof EventLoop l && Fiber.onHome(l)) {
            return l.engine();
        }
        return mine;
    }

    /** The thread this engine belongs to. */
    public final Thread thread = Thread.currentThread();

    /** Current callback nesting depth; 0 when no callback of this thread is running. */
    public int depth;

    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();

    /** The depth the innermost mounted fiber was entered at; 0 when no fiber is mounted. */
    private int floor;
    /** Fibers mounted on this thread's stack now (each on top of the one below). */
    private int mounts;
    /** At-once work the innermost mounted fiber's code deferred past the bound; null if none yet. */
    private ArrayDeque<Runnable> fiberJobs;
    /**
     * The innermost mounted fiber, or null. NOTE: benign race: plain, and read by the watchdog
     * thread ({@link #mountedFiber}), which may see a stale value; it only names the fiber in a
     * warning about a stall of seconds.
     */
    private Fiber<?> mounted;
    /** The floors, queues and fibers of the fibers below the innermost one, by mount level. */
    private int[] outerFloors = new int[4];
    private Object[] outerJobs = new Object[4];
    private Fiber<?>[] outerFibers = new Fiber<?>[4];

    /** The loop running on this thread, or null. Set and cleared by {@link EventLoop#run}. */
    EventLoop loop;

    /** An async failure reported while no loop runs, thrown when the outermost frame ends. */
    private Throwable unhandled;

    private Engine() {}

    /** The loop running on this thread, or null. */
    public EventLoop loop() {
        return loop;
    }

    /**
     * True when a resolution's callbacks run now would go past {@link #MAX_NESTING}: defer them
     * instead ({@link #defer}).
     */
    public boolean mustDefer() {
        return depth >= MAX_NESTING;
    }

    /**
     * True when a function run at once by the calling code (bind/map/recover/whenDone on a resolved
     * promise) would go past the bound: defer it with {@link #deferAtOnce}. Outside fibers the same
     * as {@link #mustDefer}; inside a fiber it counts the fiber's own levels only.
     */
    public boolean mustDeferAtOnce() {
        return depth - floor >= MAX_NESTING;
    }

    /** Queues {@code job} to run when the outermost frame ends (FIFO). */
    public void defer(Runnable job) {
        deferred.add(job);
    }

    /**
     * Queues a function that the calling code would have run at once: on the running fiber's own
     * queue when a fiber is mounted (it runs in that fiber), else as {@link #defer}.
     */
    public void deferAtOnce(Runnable job) {
        if (mounts == 0) {
            deferred.add(job);
            return;
        }
        ArrayDeque<Runnable> q = fiberJobs;
        if (q == null) {
            q = new ArrayDeque<>();
            fiberJobs = q;
        }
        q.add(job);
    }

    /**
     * Ends a frame begun with {@code depth++}. The outermost frame (back at depth 0) drains the
     * deferred queue, each job at depth 1 so that it may nest again up to the bound, then throws an
     * async failure that no loop was there to take (see {@link #reportAsync}). In a fiber, the
     * fiber's outermost frame (back at its floor) drains the fiber's own queue the same way.
     */
    public void leave() {
        if (--depth == floor) {
            ArrayDeque<Runnable> q = fiberJobs;
            if (q != null && !q.isEmpty()) {
                drainFiberJobs();
            }
            if (depth == 0 && (!deferred.isEmpty() || unhandled != null)) {
                drain();
            }
        }
    }

    private void drainFiberJobs() {
        Runnable job;
        ArrayDeque<Runnable> q;
        // Re-read the queue each time: a job that suspends its fiber comes back on a fresh one.
        while ((q = fiberJobs) != null && (job = q.poll()) != null) {
            // Read floor each time: a job that suspends its fiber comes back with a new floor.
            depth = floor + 1;
            try {
                job.run();
            } finally {
                depth = floor;
            }
        }
    }

    // ----- Fibers (see the class comment; called through EventLoop, as loomcc.internal.fiber.Nesting)

    /** A fiber's code starts or resumes here, on top of the current depth; its frames hold {@code own}. */
    void mountFiber(Fiber<?> fiber, int own) {
        int m = mounts;
        if (m == 0) {
            // The common case, a fiber resumed by the loop itself: below it there is no fiber, whose
            // floor is 0, queue null and fiber null by definition, so there is nothing to save
            // (unmount knows).
            mounts = 1;
            mounted = fiber;
            floor = depth;
            depth += own;
            return;
        }
        if (m == outerFloors.length) {
            outerFloors = java.util.Arrays.copyOf(outerFloors, m * 2);
            outerJobs = java.util.Arrays.copyOf(outerJobs, m * 2);
            outerFibers = java.util.Arrays.copyOf(outerFibers, m * 2);
        }
        outerFloors[m] = floor;
        outerJobs[m] = fiberJobs;
        outerFibers[m] = mounted;
        mounted = fiber;
        mounts = m + 1;
        fiberJobs = null;
        floor = depth;
        depth += own;
    }

    /** The fiber running on this engine's thread now (the innermost mounted one), or null. Any thread. */
    Fiber<?> mountedFiber() {
        return mounted;
    }

    /** The innermost fiber's code stopped running here; returns the levels its frames hold. */
    @SuppressWarnings("unchecked")
    int unmountFiber() {
        assert fiberJobs == null || fiberJobs.isEmpty() : "a fiber left with work of its own still deferred";
        int own = depth - floor;
        depth = floor;
        int m = --mounts;
        if (m == 0) {
            floor = 0;             // no fiber mounted: see mountFiber
            fiberJobs = null;
            mounted = null;
            return own;
        }
        floor = outerFloors[m];
        fiberJobs = (ArrayDeque<Runnable>) outerJobs[m];
        outerJobs[m] = null;
        mounted = outerFibers[m];
        outerFibers[m] = null;
        return own;
    }

    /** In the innermost fiber, before it suspends or ends: runs what its code deferred, in it. */
    void settleFiber() {
        ArrayDeque<Runnable> q = fiberJobs;
        if (q == null || q.isEmpty()) {
            return;
        }
        // Jobs run one level above where the fiber is now (it may be deep in its own frames); what
        // they defer in turn goes to the queue and is picked up by this loop, not by recursion (the
        // queue is read again each time: a job that suspends the fiber comes back on a fresh one).
        Runnable job;
        while ((q = fiberJobs) != null && (job = q.poll()) != null) {
            int at = depth - floor;
            depth++;
            try {
                job.run();
            } finally {
                depth = floor + at;
            }
        }
    }

    private void drain() {
        Runnable job;
        while ((job = deferred.poll()) != null) {
            depth = 1;
            try {
                job.run();
            } finally {
                depth = 0;
            }
        }
        Throwable t = unhandled;
        if (t != null && loop == null) {
            unhandled = null;
            throw Throwing.sneaky(t);
        }
    }

    /**
     * A failure nobody waits for ({@code Lwt.async}, an {@code onCancel} callback that threw).
     * With a loop running, its async-exception handler takes it. Without one there is no handler, so
     * the failure is thrown (as the same instance) out of the outermost call running on this thread,
     * after that call's callbacks have all run: it is never dropped.
     */
    public void reportAsync(Throwable t) {
        EventLoop l = loop;
        if (l != null) {
            l.handleAsync(t);
        } else if (depth == 0) {
            throw Throwing.sneaky(t);
        } else if (unhandled == null) {
            unhandled = t;
        } else if (unhandled != t) {
            unhandled.addSuppressed(t);
        }
    }

    /** Runs a loop with a fresh depth; returns the depth to restore afterwards. */
    int enterLoop(EventLoop l) {
        int saved = depth;
        depth = 0;
        loop = l;
        return saved;
    }

    void exitLoop(int savedDepth) {
        loop = null;
        depth = savedDepth;
    }
}
