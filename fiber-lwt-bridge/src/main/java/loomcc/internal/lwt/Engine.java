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

    /** The loop running on this thread, or null. Set and cleared by {@link EventLoop#run}. */
    EventLoop loop;

    /** An async failure reported while no loop runs, thrown when the outermost frame ends. */
    private Throwable unhandled;

    private Engine() {}

    /** The loop running on this thread, or null. */
    public EventLoop loop() {
        return loop;
    }

    /** True when a callback run now would go past {@link #MAX_NESTING}: defer it instead. */
    public boolean mustDefer() {
        return depth >= MAX_NESTING;
    }

    /** Queues {@code job} to run when the outermost frame ends (FIFO). */
    public void defer(Runnable job) {
        deferred.add(job);
    }

    /**
     * Ends a frame begun with {@code depth++}. The outermost frame (back at depth 0) drains the
     * deferred queue, each job at depth 1 so that it may nest again up to the bound, then throws an
     * async failure that no loop was there to take (see {@link #reportAsync}).
     */
    public void leave() {
        if (--depth == 0 && (!deferred.isEmpty() || unhandled != null)) {
            drain();
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
