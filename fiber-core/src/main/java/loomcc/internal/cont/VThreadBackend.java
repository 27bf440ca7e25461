package loomcc.internal.cont;

import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * The fallback backend, for a JVM where {@code jdk.internal.vm} is not exported to us: each reset
 * runs its body on a virtual thread of its own, and control is handed back and forth with
 * park/unpark, so exactly one side runs at a time. A shift parks the body's virtual thread; a
 * resume unparks it and waits until it parks again or ends.
 *
 * <p>What differs from the Loom backend, on purpose and documented:
 * <ul>
 *   <li>Thread identity: the body runs on its own virtual thread, not on the thread that called
 *       {@code reset} or {@code resume}; thread-locals set by the caller are not seen.
 *   <li>Pinning: nothing pins. A shift inside a class initializer or a native frame just parks
 *       the virtual thread (the JVM may block its carrier while it waits).
 *   <li>Speed: every hand-off is an unpark and a park, microseconds instead of the Loom
 *       backend's tens of nanoseconds.
 * </ul>
 *
 * <p>What does not differ: a dropped continuation is garbage, and a suspension costs no CPU.
 * <ul>
 *   <li>The JDK keeps every virtual thread started with {@code Thread.start} in its root thread
 *       container while {@code jdk.trackAllThreads} is true (the default), so a parked body
 *       nobody can resume would never be freed. Each body's virtual thread is therefore started
 *       by an executor of its own ({@code Executors.newThreadPerTaskExecutor}), the thread
 *       container it belongs to; the JDK registers such containers through weak references
 *       ({@code jdk.internal.vm.ThreadContainers}), so once the runner is dropped, its executor,
 *       thread and stack are unreachable together.
 *   <li>{@code LockSupport.park} returns at once while the thread's interrupt flag is set, so a
 *       body (or driver) whose flag is set would spin while it waits for its turn. Both sides
 *       clear the flag while they wait and set it again before they go on.
 * </ul>
 *
 * <p>Nesting mirrors {@code jdk.internal.vm.Continuation.run}: a runner's parent is the runner
 * that was current on the thread that ran it; a suspension aimed at an outer scope parks the
 * inner body, and the inner runner's loop suspends its parent in turn, re-running the inner body
 * when the parent comes back.
 */
final class VThreadBackend implements Backend {

    /** Makes the bodies' virtual threads; each runner's own executor asks it once. */
    private static final ThreadFactory VIRTUAL = Thread.ofVirtual().factory();

    /** On a runner's own virtual thread: that runner. Null on any other thread. */
    private static final ThreadLocal<VThreadRunner> CURRENT = new ThreadLocal<>();

    @Override
    public String name() {
        return "vthread";
    }

    @Override
    public Object newScope(String promptName) {
        return new Scope(promptName);
    }

    @Override
    public Runner newRunner(Object scope, Runnable body) {
        return new VThreadRunner((Scope) scope, body);
    }

    @Override
    public Runner current(Object scope) {
        for (VThreadRunner r = CURRENT.get(); r != null; r = r.parent) {
            if (r.scope == scope) {
                return r;
            }
        }
        return null;
    }

    @Override
    public String suspend(Runner target) {
        VThreadRunner innermost = CURRENT.get();
        innermost.yieldTo(((VThreadRunner) target).scope);
        return null;
    }

    @Override
    public String pinReason() {
        return "pinned (the virtual-thread backend never pins; this is a bug, please report it)";
    }

    private record Scope(String name) {
        // identity matters, not equality: every prompt gets its own instance
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /*
     * Hand-off protocol. `turn` says who may run: DRIVER (the thread in runUntilYield) or BODY
     * (the runner's virtual thread). Each side sets the other's turn, unparks it, and parks until
     * its own turn comes back; the volatile write/read of `turn` is the happens-before edge that
     * publishes everything written before the hand-off (resume values, results, parent links).
     *
     * States of a runner (FROM -> TO  // cause):
     *   NEW       -> RUNNING    // first runUntilYield starts the virtual thread
     *   RUNNING   -> SUSPENDED  // body's yieldTo(own scope): runUntilYield returns false
     *   RUNNING   -> PASSING    // body's yieldTo(outer scope): this runner's loop suspends its parent
     *   PASSING   -> RUNNING    // parent resumed: the loop hands the turn back to the body
     *   SUSPENDED -> RUNNING    // runUntilYield again (a resume)
     *   RUNNING   -> DONE       // body returned or threw: runUntilYield returns true
     * The states are implicit in (turn, yieldTarget, done); they are written here to be checked.
     */
    static final class VThreadRunner implements Runner {
        private static final int DRIVER = 0;
        private static final int BODY = 1;

        final Scope scope;
        private final Runnable body;
        private Object attachment;
        /** The runner current on the driving thread during the last runUntilYield, or null. */
        VThreadRunner parent;
        private Thread vthread;
        private Thread driver;
        /** The scope the body is suspending to; set by the body before it hands the turn back. */
        private Scope yieldTarget;
        private boolean done;
        private volatile int turn = DRIVER;
        /** Times the body's park returned while it waited for its turn; for tests (no spinning). */
        int bodyWakeups;

        VThreadRunner(Scope scope, Runnable body) {
            this.scope = scope;
            this.body = body;
        }

        @Override
        public Object attachment() {
            return attachment;
        }

        @Override
        public void attach(Object attachment) {
            this.attachment = attachment;
        }

        @Override
        public boolean runUntilYield() {
            parent = CURRENT.get();
            driver = Thread.currentThread();
            try {
                while (true) {
                    handOff();
                    if (done) {
                        return true;
                    }
                    Scope target = yieldTarget;
                    yieldTarget = null;
                    if (target == scope) {
                        return false;
                    }
                    // Passing through to an outer prompt: the thread running this loop is the
                    // parent's body, so the parent suspends too; when it is resumed we re-run
                    // our body, which is still parked in its own yieldTo.
                    assert parent != null && Thread.currentThread() == parent.vthread;
                    parent.yieldTo(target);
                    driver = Thread.currentThread();
                }
            } finally {
                parent = null;
            }
        }

        /** The parked body's virtual thread's frames: the JDK walks an unmounted virtual thread. */
        @Override
        public StackTraceElement[] stackTrace() {
            Thread t = vthread;
            return t == null ? new StackTraceElement[0] : t.getStackTrace();
        }

        @Override
        public StackTraceElement[] runningStackTrace() {
            return stackTrace();
        }

        /** Gives the turn to the body (starting it the first time) and waits for it back. */
        private void handOff() {
            turn = BODY;
            if (vthread == null) {
                // A container of its own, not the JDK's root container (which keeps every virtual
                // thread it starts while jdk.trackAllThreads is on): see the class comment. The
                // factory assigns vthread before the thread starts: the body (and the runners
                // nested in it) read it, and Thread.start publishes it.
                Executors.newThreadPerTaskExecutor(task -> {
                    Thread t = VIRTUAL.newThread(task);
                    t.setName("loomcc-reset-" + scope.name());
                    vthread = t;
                    return t;
                }).execute(this::bodyMain);
            } else {
                LockSupport.unpark(vthread);
            }
            waitFor(DRIVER);
        }

        /**
         * Parks until {@code turn == side}, costing no CPU whatever the interrupt flag: park
         * returns at once while it is set, so it is cleared while waiting and set again after.
         * Returns the number of times park returned (wake-ups, spurious ones included).
         */
        private int waitFor(int side) {
            boolean interrupted = false;
            int wakeups = 0;
            while (turn != side) {
                if (Thread.interrupted()) {
                    interrupted = true;                // NOTE: kept for the waiter, set again below
                    continue;
                }
                LockSupport.park(this);
                wakeups++;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return wakeups;
        }

        private void bodyMain() {
            CURRENT.set(this);
            awaitTurn();
            try {
                body.run(); // the prompt's body wrapper catches everything the body throws
            } finally {
                done = true;
                Thread d = driver; // read before the hand-off: afterwards the driver may move on
                turn = DRIVER;
                LockSupport.unpark(d);
            }
        }

        /** On this runner's own virtual thread: suspend toward {@code target}, wait to be run. */
        void yieldTo(Scope target) {
            yieldTarget = target;
            Thread d = driver; // read before the hand-off: afterwards the driver may move on
            turn = DRIVER;
            LockSupport.unpark(d);
            awaitTurn();
        }

        private void awaitTurn() {
            bodyWakeups += waitFor(BODY);
        }
    }
}
