package loomcc.lwt;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures the "loomcc" logger's records through a java.util.logging Handler (System.Logger maps
 * to JUL by default). Use in try-with-resources; waits are for an event, never a measured time.
 */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("loomcc"); // held: JUL keeps loggers weakly
    private final List<LogRecord> records = new ArrayList<>();

    LogCapture() {
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord r) {
        records.add(r);
        notifyAll();
    }

    /** The messages logged so far at {@code level}. */
    synchronized List<String> messages(Level level) {
        List<String> out = new ArrayList<>();
        for (LogRecord r : records) {
            if (r.getLevel().equals(level)) {
                out.add(r.getMessage());
            }
        }
        return out;
    }

    /** Waits (60 s at most: a broken build must not hang) for a message at {@code level} matching {@code p}. */
    synchronized String await(Level level, Predicate<String> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            for (String m : messages(level)) {
                if (p.test(m)) {
                    return m;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + level + " message as expected; got " + records.stream()
                        .map(r -> r.getLevel() + ": " + r.getMessage()).toList());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** A latch released by the first message at {@code level} matching {@code p}. */
    CountDownLatch latch(Level level, Predicate<String> p) {
        CountDownLatch l = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                await(level, p);
                l.countDown();
            } catch (InterruptedException | AssertionError e) {
                // the test that waits on the latch fails on its own timeout
            }
        }, "log-capture-latch");
        t.setDaemon(true);
        t.start();
        return l;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
