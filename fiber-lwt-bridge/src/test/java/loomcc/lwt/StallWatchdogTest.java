package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stall watchdog (DESIGN.md, "Observability"). Each stall here lasts until the test has seen
 * the warning (a latch, not a measured time), so the tests cannot race the watchdog.
 */
class StallWatchdogTest {
    private String old;

    @BeforeEach
    void shortThreshold() {
        old = System.setProperty("loomcc.stallMillis", "200");
    }

    @AfterEach
    void restore() {
        DeadlockReportTest.restore("loomcc.stallMillis", old);
    }

    private static List<String> stalls(LogCapture log) {
        return log.messages(Level.WARNING).stream().filter(m -> m.contains("stall")).toList();
    }

    @Test
    void aFiberThatKeepsTheLoopThreadIsReportedOnceWithItsNameAndStackThenItsEnd() throws Exception {
        try (LogCapture log = new LogCapture()) {
            CountDownLatch warned = log.latch(Level.WARNING, m -> m.contains("stall"));
            LwtMain.run(() -> LwtFiber.start("blocking-handler", () -> {
                LwtFiber.pause();
                awaitUninterruptibly(warned);      // blocks the loop thread until the report
                DeadlockReportTest.sleepQuietly(600); // a stall that goes on: still one report
                return null;
            }));
            String end = log.await(Level.INFO, m -> m.contains("moved again after a stall") && m.contains("'blocking-handler'"));
            List<String> stalls = stalls(log).stream().filter(m -> m.contains("blocking-handler")).toList();
            assertEquals(1, stalls.size(), stalls.toString());
            String w = stalls.get(0);
            assertTrue(w.contains("in fiber 'blocking-handler'"), w);
            assertTrue(w.contains("loomcc.stallMillis=200"), w);
            assertTrue(w.contains("CountDownLatch.await"), w);       // the loop thread's stack
            assertTrue(w.contains("StallWatchdogTest.awaitUninterruptibly"), w);
            assertTrue(w.contains("The loop thread is TIMED_WAITING, waiting on java.util.concurrent.CountDownLatch")
                    || w.contains("The running fiber's own stack:\n\"blocking-handler\" running\n"
                            + "\tat java.base/java.lang.VirtualThread.parkNanos"), w); // the vthread backend
            assertTrue(end.contains("'blocking-handler'"), end);
        }
    }

    @Test
    void aLoopThreadBlockedOnAMonitorSaysSoAndWhoHoldsIt() throws Exception {
        Object lock = new Object();
        try (LogCapture log = new LogCapture()) {
            CountDownLatch warned = log.latch(Level.WARNING, m -> m.contains("stall"));
            CountDownLatch held = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().name("monitor-holder").start(() -> {
                synchronized (lock) {
                    held.countDown();
                    awaitUninterruptibly(warned);
                }
            });
            assertTrue(held.await(60, TimeUnit.SECONDS));
            LwtMain.run(() -> {
                synchronized (lock) {             // outside any fiber: a plain callback
                    return Lwt.resolved(null);
                }
            });
            holder.join();
            String w = log.await(Level.WARNING, m -> m.contains("stall") && m.contains("monitor-holder"));
            assertTrue(w.contains("The loop thread is BLOCKED on the monitor of java.lang.Object@"), w);
            assertTrue(w.contains("held by thread 'monitor-holder'"), w);
            assertTrue(w.contains("outside any fiber"), w);
        }
    }

    @Test
    void aWellBehavedLoopIsNeverReported() {
        try (LogCapture log = new LogCapture()) {
            LwtMain.run(() -> LwtFiber.start("polite", () -> {
                for (int i = 0; i < 20; i++) {
                    LwtFiber.sleep(0.02);         // short turns
                }
                LwtFiber.sleep(0.6);              // idle for three thresholds: idle is not a stall
                return null;
            }));
            assertEquals(List.of(), stalls(log));
        }
    }

    @Test
    void zeroTurnsTheWatchdogOff() throws Exception {
        System.setProperty("loomcc.stallMillis", "0");
        try (LogCapture log = new LogCapture()) {
            LwtMain.run(() -> LwtUnix.sleep(0).map(v -> {
                DeadlockReportTest.sleepQuietly(600);
                return v;
            }));
            assertEquals(List.of(), stalls(log));
        }
    }

    static void awaitUninterruptibly(CountDownLatch l) {
        try {
            if (!l.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("no stall warning within 60 s");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
