package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * kotlinx.coroutines' {@code expect(n)}/{@code finish(n)}, for one thread: each step states its
 * position in the expected order, and the test fails at the first step that arrives out of turn.
 */
final class Order {
    private int step;
    private boolean finished;

    /** Asserts that this is step {@code n}: exactly n-1 steps came before. */
    void expect(int n) {
        assertFalse(finished, "step " + n + " arrived after finish");
        step++;
        assertEquals(n, step, "step " + n + " arrived out of order (this is step " + step + ")");
    }

    /** The last step: asserts it is step {@code n}; any later step fails. */
    void finish(int n) {
        expect(n);
        finished = true;
    }

    /** A step that must never run. */
    void unreached(String why) {
        throw new AssertionError("reached: " + why);
    }

    int steps() {
        return step;
    }
}
