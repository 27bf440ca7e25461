package loomcc.lwt;

import java.util.function.Supplier;
import loomcc.internal.Throwing;

/** Small helpers for the spec tests. */
final class Support {
    private Support() {}

    /** Throws {@code t} undeclared, from inside a Function/Runnable, checked ones included. */
    static <T> T sneak(Throwable t) {
        throw Throwing.sneaky(t);
    }

    /** Runs {@code body} inside a loop and returns once it and the promise it returns are done. */
    static <T> T inLoop(Supplier<Lwt<T>> body) {
        return LwtMain.run(body);
    }

    /** Runs {@code body} inside a loop (for code that asserts as it goes). */
    static void inLoop(Runnable body) {
        LwtMain.run(() -> {
            body.run();
            return Lwt.resolved(null);
        });
    }

    static int stressFactor() {
        return Math.max(1, Integer.getInteger("loomcc.stress.factor", 1));
    }

    /** {@code -Dloomcc.stress.full=true}: *StressTests run the full counts. */
    static boolean stressFull() {
        return Boolean.getBoolean("loomcc.stress.full");
    }

    /** {@code full} under {@link #stressFull()}, else {@code small} times the stress factor. */
    static int stressCount(int small, int full) {
        return stressFull() ? full : (int) Math.min(full, (long) small * stressFactor());
    }
}
