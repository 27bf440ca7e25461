package loomcc.internal;

/** Not API. Rethrowing a {@link Throwable} as itself, checked or not, without wrapping it. */
public final class Throwing {
    private Throwing() {
    }

    /**
     * Throws {@code t} as it is. Declared to return an exception so callers can write
     * {@code throw Throwing.sneaky(t);} and the compiler sees the path end.
     */
    public static RuntimeException sneaky(Throwable t) {
        throw Throwing.<RuntimeException>uncheckedThrow(t);
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E uncheckedThrow(Throwable t) throws E {
        throw (E) t;
    }
}
