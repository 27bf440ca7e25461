package loomcc.cont;

/** Test helper: throw a checked exception from a lambda that cannot declare it. */
final class Thrower {
    private Thrower() {
    }

    static RuntimeException sneaky(Throwable t) {
        return loomcc.internal.Throwing.sneaky(t);
    }
}
