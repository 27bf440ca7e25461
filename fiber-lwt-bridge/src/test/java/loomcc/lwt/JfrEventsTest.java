package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

import org.junit.jupiter.api.Test;

/** JFR events loomcc.FiberSuspend and loomcc.LoopStall, read back with a RecordingStream. */
class JfrEventsTest {

    @Test
    void aSuspensionIsAFiberSuspendEventWithTheFibersNameAndWhatItAwaited() throws Exception {
        List<RecordedEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch seen = new CountDownLatch(1);
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("loomcc.FiberSuspend").withoutThreshold();
            rs.onEvent("loomcc.FiberSuspend", e -> {
                events.add(e);
                if ("jfr-sleeper".equals(e.getString("fiber"))) {
                    seen.countDown();
                }
            });
            rs.startAsync();
            LwtMain.run(() -> LwtFiber.start("jfr-sleeper", () -> {
                LwtFiber.sleep(0.05);
                return null;
            }));
            assertTrue(seen.await(60, TimeUnit.SECONDS), "no event: " + events);
        }
        RecordedEvent e = events.stream().filter(x -> "jfr-sleeper".equals(x.getString("fiber"))).findFirst().orElseThrow();
        assertTrue(e.getString("waitsFor").startsWith("LwtFiber.sleep, due in"), e.getString("waitsFor"));
        assertTrue(e.getDuration().compareTo(Duration.ZERO) > 0, e.toString());
    }

    @Test
    void onItsDefaultThresholdOnlyTheLongSuspensionsAreEvents() throws Exception {
        List<RecordedEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch seen = new CountDownLatch(1);
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("loomcc.FiberSuspend");          // as a .jfc turns it on: 20 ms threshold
            rs.onEvent("loomcc.FiberSuspend", e -> {
                events.add(e);
                if ("jfr-long".equals(e.getString("fiber"))) {
                    seen.countDown();
                }
            });
            rs.startAsync();
            LwtMain.run(() -> {
                Lwt<Void> quick = LwtFiber.start("jfr-short", () -> {
                    for (int i = 0; i < 100; i++) {
                        LwtFiber.pause();
                    }
                    return null;
                });
                return quick.bind(x -> LwtFiber.start("jfr-long", () -> {
                    LwtFiber.sleep(0.1);
                    return null;
                }));
            });
            assertTrue(seen.await(60, TimeUnit.SECONDS), "no event for the 100 ms sleep: " + events);
        }
        assertTrue(events.stream().noneMatch(e -> "jfr-short".equals(e.getString("fiber"))),
                "100 pauses of a few microseconds each are under the threshold: " + events);
        assertTrue(events.stream().allMatch(e -> e.getDuration().toMillis() >= 20), events.toString());
    }

    @Test
    void aStallIsALoopStallEventWithTheLoopThreadAndTheFiber() throws Exception {
        String old = System.setProperty("loomcc.stallMillis", "200");
        List<RecordedEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch seen = new CountDownLatch(1);
        try (LogCapture log = new LogCapture(); RecordingStream rs = new RecordingStream()) {
            rs.enable("loomcc.LoopStall");
            rs.onEvent("loomcc.LoopStall", e -> {
                events.add(e);
                seen.countDown();
            });
            rs.startAsync();
            CountDownLatch warned = log.latch(Level.WARNING, m -> m.contains("stall"));
            Thread loop = Thread.ofPlatform().name("jfr-stall-loop").start(() ->
                    LwtMain.run(() -> LwtFiber.start("jfr-staller", () -> {
                        LwtFiber.pause();
                        StallWatchdogTest.awaitUninterruptibly(warned);
                        return null;
                    })));
            loop.join();
            assertTrue(seen.await(60, TimeUnit.SECONDS), "no LoopStall event");
        } finally {
            DeadlockReportTest.restore("loomcc.stallMillis", old);
        }
        RecordedEvent e = events.get(0);
        assertEquals("jfr-stall-loop", e.getString("loopThread"));
        assertEquals("jfr-staller", e.getString("fiber"));
        assertTrue(e.getLong("stalledBefore") >= 200, e.toString());
    }
}
