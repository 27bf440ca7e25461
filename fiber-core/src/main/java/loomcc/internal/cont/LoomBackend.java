package loomcc.internal.cont;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/**
 * The default backend: each reset is a {@link jdk.internal.vm.Continuation}, the engine under
 * virtual threads. A suspension copies frames lazily (thaw brings back a few frames at a time),
 * which is why a shift at every level of a deep recursion stays linear.
 *
 * <p>Nesting is the JDK's own: {@code Continuation.yield(scope)} from an inner continuation
 * freezes the inner one, returns into its {@code run()} loop on the parent's stack, and that loop
 * yields the parent on to the requested scope; when the parent is resumed the loop re-mounts the
 * child (JDK 25 {@code Continuation.run}).
 *
 * <p>This class links against {@code jdk.internal.vm}; it is loaded only when that package is
 * exported to us ({@link Backends}).
 */
final class LoomBackend implements Backend {

    /**
     * The pin reason of the last refused yield on this thread, recorded by
     * {@link LoomRunner#onPinned}. Written and read only on the failure path.
     */
    private static final ThreadLocal<Continuation.Pinned> LAST_PIN = new ThreadLocal<>();

    @Override
    public String name() {
        return "loom";
    }

    @Override
    public Object newScope(String promptName) {
        return new ContinuationScope("loomcc:" + promptName);
    }

    @Override
    public Runner newRunner(Object scope, Runnable body) {
        return new LoomRunner((ContinuationScope) scope, body);
    }

    @Override
    public Runner current(Object scope) {
        // Our scopes are private to their prompt, so whatever carries one is a LoomRunner.
        return (LoomRunner) Continuation.getCurrentContinuation((ContinuationScope) scope);
    }

    @Override
    public String suspend(Runner target) {
        LoomRunner runner = (LoomRunner) target;
        if (Continuation.yield(runner.scope)) {
            // NOTE: true also when the freeze of an inner continuation worked but an outer one
            // was pinned (the JDK's run loop then re-mounts the inner one at once). The prompt
            // tells the two apart by whether a resume really happened, and asks pinReason().
            return null;
        }
        return pinReason();
    }

    @Override
    public String pinReason() {
        Continuation.Pinned reason = LAST_PIN.get();
        LAST_PIN.remove();
        return describe(reason);
    }

    private static String describe(Continuation.Pinned reason) {
        if (reason == null) {
            return "pinned (the JVM gave no reason)";
        }
        return switch (reason) {
            case NATIVE -> "a native frame is on the stack between the shift and its reset"
                    + " (a JNI call, or a class initializer <clinit>, which the JVM enters natively)";
            case CRITICAL_SECTION -> "the thread is in a JDK critical section (Continuation.pin)";
            case MONITOR -> "a monitor is held in a way the JVM cannot move (JNI MonitorEnter)";
            default -> "pinned: " + reason;
        };
    }

    static final class LoomRunner extends Continuation implements Runner {
        final ContinuationScope scope;
        private Object attachment;
        /**
         * The thread that last ran this continuation (it yields on the thread that runs it).
         * NOTE: plain: written before the body first runs, so before any handle to a suspension
         * exists; whoever hands that handle to another thread publishes this with it.
         */
        private Thread lastCarrier;

        LoomRunner(ContinuationScope scope, Runnable body) {
            super(scope, body);
            this.scope = scope;
        }

        @Override
        public boolean runUntilYield() {
            Thread t = Thread.currentThread(); // a fresh frame, outside the continuation: exact
            Thread last = lastCarrier;
            if (last != t) {
                if (last != null && !Migration.crossThreadSafe()) {
                    // Our own callers check first (requireResumableHere); this keeps anyone else's
                    // mistake from running compiled frames with the wrong current thread.
                    throw Migration.refusal("a continuation", last, t);
                }
                lastCarrier = t;
            }
            run();
            return isDone();
        }

        @Override
        public void requireResumableHere(String what) {
            Thread last = lastCarrier;
            Thread t = Thread.currentThread();
            if (last != null && last != t && !Migration.crossThreadSafe()) {
                throw Migration.refusal(what, last, t);
            }
        }

        @Override
        public Object attachment() {
            return attachment;
        }

        @Override
        public void attach(Object attachment) {
            this.attachment = attachment;
        }

        /** The frozen frames, walked by the JDK's continuation stack walker. */
        @Override
        public StackTraceElement[] stackTrace() {
            return getStackTrace();
        }

        /** The JDK's default throws; we record the reason and let yield return false. */
        @Override
        protected void onPinned(Continuation.Pinned reason) {
            LAST_PIN.set(reason);
        }
    }
}
