package loomcc.internal.fiber;

/**
 * Attached as a suppressed exception to an error a fiber receives from an await, so that the
 * printed trace shows the fiber's own frames (where it waited) beside the frames of whoever
 * created the error. The error itself stays the same instance (DESIGN.md: nothing is wrapped);
 * kotlinx.coroutines' stack-trace recovery copies the exception instead, which would break that.
 * Never thrown.
 */
public final class AwaitedHere extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** At most this many fibers annotate one error (it may be awaited by thousands). */
    private static final int MAX_PER_ERROR = 4;

    private AwaitedHere(String fiber) {
        super("awaited by " + fiber + " here (the fiber's stack at the await)");
    }

    /** Records the calling fiber's stack on {@code error}; returns {@code error}. */
    public static Throwable annotate(Throwable error, String fiber) {
        int already = 0;
        for (Throwable s : error.getSuppressed()) {
            if (s instanceof AwaitedHere) {
                already++;
            }
        }
        if (already < MAX_PER_ERROR && !(error instanceof AwaitedHere)) {
            error.addSuppressed(new AwaitedHere(fiber));
        }
        return error;
    }
}
