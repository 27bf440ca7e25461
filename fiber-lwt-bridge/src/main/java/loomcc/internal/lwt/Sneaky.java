package loomcc.internal.lwt;

/** Rethrows any throwable as itself, checked ones included, without declaring it (DESIGN.md: nothing is wrapped). */
public final class Sneaky {
    private Sneaky() {}

    /**
     * Throws {@code t} unchanged. Declared to return an exception so that callers can write
     * {@code throw Sneaky.rethrow(t);} and keep the compiler's flow analysis honest.
     */
    public static RuntimeException rethrow(Throwable t) {
        throw Sneaky.<RuntimeException>cast(t);
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E cast(Throwable t) throws E {
        throw (E) t;
    }
}
