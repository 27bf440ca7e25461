package loomcc.lwt;

import java.util.function.Supplier;
import loomcc.fiber.Fiber;
import loomcc.internal.lwt.Engine;

/** Helpers for the toolkit's tests (LwtMutex, LwtStream, ...). */
final class Toolkit {
    private Toolkit() {}

    /**
     * Runs {@code body} on a loop with the virtual clock: sleeps and timeouts take no real time, and
     * a loop that can never go on (a waiter nobody will wake: the bug these tests look for) throws
     * DeadlockException at once instead of hanging the build.
     */
    static <T> T inLoop(Supplier<Lwt<T>> body) {
        return LwtMain.runWithVirtualClock(body);
    }

    /** {@link #inLoop(Supplier)} for code that asserts as it goes. */
    static void inLoop(Runnable body) {
        LwtMain.runWithVirtualClock(() -> {
            body.run();
            return Lwt.resolved(null);
        });
    }

    /**
     * Runs {@code r} with the loop's callback nesting past its bound, so that a promise resolved in
     * {@code r} has its callbacks deferred: the window in which a waiter is granted (its promise is
     * fulfilled) but its fiber has not run again.
     */
    static void pastTheNestingBound(Runnable r) {
        boolean[] ran = {false};
        nest(r, ran);
        if (!ran[0]) {
            throw new AssertionError("the nesting bound was not reached");
        }
    }

    private static Lwt<Void> nest(Runnable r, boolean[] ran) {
        Engine e = Engine.current();
        if (e.mustDefer()) {
            ran[0] = true;
            r.run();
            return Lwt.resolved(null);
        }
        return Lwt.resolved(null).bind(ignored -> nest(r, ran));   // one level deeper, at once
    }

    /** What a fiber awaiting {@code p} is shown waiting for in {@link LwtFiber#dump()}. */
    @SuppressWarnings("unchecked")
    static String waitsFor(Lwt<?> p) {
        return LwtAwaiter.<Object>get().describe((Lwt<Object>) p);
    }

    /** The fiber running the body, kept so a test can cancel its await directly. */
    static final class FiberRef {
        Fiber<?> fiber;

        <T> Supplier<T> capture(Supplier<T> body) {
            return () -> {
                fiber = Fiber.current();
                return body.get();
            };
        }
    }
}
