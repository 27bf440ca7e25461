package loomcc.fiber;

import java.util.concurrent.atomic.AtomicInteger;

/** The fiber numbers of homes that keep no counter of their own ({@link FiberHome#nextFiberId}). */
final class SharedFiberIds {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private SharedFiberIds() {
    }

    static int next() {
        return NEXT.incrementAndGet();
    }
}
