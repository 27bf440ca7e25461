package loomcc.fiber;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import loomcc.internal.Throwing;

/**
 * A minimal single-threaded home for the fiber runtime's tests: the thread that calls
 * {@link #run} is the home; tasks posted from anywhere run there in order.
 */
final class TestHome implements FiberHome {
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private volatile Thread thread;
    private final List<Throwable> failures = new ArrayList<>();

    @Override
    public boolean inHome() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    Thread thread() {
        return thread;
    }

    /**
     * Makes this thread the home, starts a fiber running {@code body}, and runs posted tasks
     * until that fiber ends; returns its value or throws its exception. Fails after 60 s of
     * silence (a lost wake-up), so a broken runtime cannot hang the build.
     */
    <T> T run(Supplier<T> body) {
        thread = Thread.currentThread();
        Object[] outcome = new Object[2];
        boolean[] done = {false};
        Fiber.start(this, body, (v, e) -> {
            outcome[0] = v;
            outcome[1] = e;
            done[0] = true;
        });
        while (!done[0]) {
            Runnable r;
            try {
                r = tasks.poll(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (r == null) {
                throw new AssertionError("the home was idle for 60 s and the fiber never ended: a lost wake-up");
            }
            try {
                r.run();
            } catch (Throwable t) {
                failures.add(t);
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("a home task threw", failures.getFirst());
        }
        if (outcome[1] != null) {
            throw Throwing.sneaky((Throwable) outcome[1]);
        }
        @SuppressWarnings("unchecked")
        T t = (T) outcome[0];
        return t;
    }
}
