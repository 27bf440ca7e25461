package loomcc.stress;

import java.util.concurrent.ConcurrentLinkedQueue;
import loomcc.fiber.FiberHome;

/**
 * A fiber home whose "thread" is whichever thread entered it last: jcstress runs a state's
 * constructor, actors and arbiter on threads of its choosing, and the home role moves between them
 * explicitly ({@link #enter}/{@link #leave}), so a thread that never entered is never at home.
 * Tasks sent by other threads wait in a queue until {@link #runQueued}.
 */
final class TestHome implements FiberHome {
    private volatile Thread owner;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();

    void enter() {
        owner = Thread.currentThread();
    }

    void leave() {
        owner = null;
    }

    void runQueued() {
        Runnable r;
        while ((r = queue.poll()) != null) {
            r.run();
        }
    }

    @Override
    public boolean inHome() {
        return owner == Thread.currentThread();
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
    }
}
