package loomcc.fiber;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of the cross-thread callback of {@code Fiber.awaitCallback}
 * ({@link OneShotCallback}): completions from several threads race with the fiber's registration
 * and with reads. The first completion wins and every later one throws; the registered waiter is
 * called exactly once with the winner's value, whether it registered before or after the
 * completion (checked after each run); and completions and reads are linearizable to {@link Spec},
 * a one-shot cell written plainly.
 */
@Param(name = "v", gen = IntGen.class, conf = "1:3")
public class OneShotCallbackLincheckTest {
    private final OneShotCallback<Integer> cb = new OneShotCallback<>();
    private final AtomicBoolean registered = new AtomicBoolean();
    /** What the waiter was called with: -1 never; -99 called more than once. */
    private final AtomicInteger seen = new AtomicInteger(-1);

    /** 1 if this call completed the callback, 0 if it was already completed (IllegalStateException). */
    @Operation
    public int complete(@Param(name = "v") int v) {
        try {
            cb.success(v);
            return 1;
        } catch (IllegalStateException already) {
            return 0;
        }
    }

    /** The value once completed, else -1. */
    @Operation
    public int peek() {
        return cb.isDone() ? cb.getNow() : -1;
    }

    /** The fiber's registration (once, as a fiber does; a second call is refused here, -2). */
    @Operation
    public int register() {
        if (!registered.compareAndSet(false, true)) {
            return -2;
        }
        cb.register((v, e) -> {
            if (!seen.compareAndSet(-1, v)) {
                seen.set(-99);
            }
        });
        return 0;
    }

    /**
     * After each run: the waiter was called once, with the winner's value, if it registered and a
     * completion came (before or after); otherwise never. (The call itself happens just after the
     * completion is visible, outside the lock, so it is checked here, not as an operation.)
     */
    @Validate
    public void theWaiterWasCalledExactlyWhenItShouldBe() {
        int s = seen.get();
        boolean expected = registered.get() && cb.isDone();
        if (s == -99 || (expected ? s != cb.getNow() : s != -1)) {
            throw new IllegalStateException("waiter saw " + s + "; registered " + registered.get() + ", done "
                    + cb.isDone());
        }
    }

    /** The sequential specification: a one-shot cell. */
    public static class Spec {
        private int value = -1;
        private boolean registered;

        public int complete(int v) {
            if (value != -1) {
                return 0;
            }
            value = v;
            return 1;
        }

        public int peek() {
            return value;
        }

        public int register() {
            if (registered) {
                return -2;
            }
            registered = true;
            return 0;
        }
    }

    @Test
    void modelCheckingFindsNoNonLinearizableInterleaving() {
        new ModelCheckingOptions().iterations(Integer.getInteger("lincheck.iterations", 30)).threads(3)
                .actorsPerThread(2).sequentialSpecification(Spec.class).check(OneShotCallbackLincheckTest.class);
    }
}
