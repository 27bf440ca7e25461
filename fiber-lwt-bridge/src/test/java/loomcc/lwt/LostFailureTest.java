package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;

/** No failure is lost: fibers' failures nobody looked at are reported as the loop ends. */
class LostFailureTest {

    private static List<String> lostReports(LogCapture log) {
        return log.messages(Level.WARNING).stream().filter(m -> m.contains("nobody looked at")).toList();
    }

    @Test
    void aFailureNobodyLookedAtIsReportedOnceWithTheFibersNameAndException() {
        try (LogCapture log = new LogCapture()) {
            LwtMain.run(() -> {
                LwtFiber.start("lost-at-once", () -> {
                    throw new IllegalStateException("boom 1");
                });
                LwtFiber.start("lost-later", () -> {
                    LwtFiber.pause();
                    throw new IllegalArgumentException("boom 2");
                });
                Lwt<Object> seenByGetNow = LwtFiber.start("seen-by-getNow", () -> {
                    throw new IllegalStateException("seen 1");
                });
                try {
                    seenByGetNow.getNow();
                } catch (IllegalStateException expected) {
                    // looked at
                }
                Lwt<Object> seenByCallback = LwtFiber.start("seen-by-callback", () -> {
                    LwtFiber.pause();
                    throw new IllegalStateException("seen 2");
                });
                seenByCallback.recover(e -> Lwt.resolved(null));
                Lwt<Object> seenLater = LwtFiber.start("seen-later", () -> {
                    throw new IllegalStateException("seen 3");
                });
                Lwt<Object> cancelled = LwtFiber.start("cancelled", () -> {
                    LwtFiber.sleep(3600);
                    return null;
                });
                cancelled.cancel();
                Lwt<Object> awaited = LwtFiber.start("seen-by-await", () -> {
                    LwtFiber.pause();
                    throw new IllegalStateException("seen 4");
                });
                LwtFiber.start(() -> {
                    try {
                        return LwtFiber.await(awaited);
                    } catch (IllegalStateException e) {
                        return null;
                    }
                });
                return LwtUnix.sleep(0.01).bind(v -> seenLater.recover(e -> Lwt.resolved(null))).map(v -> null);
            });
            List<String> reports = lostReports(log);
            assertEquals(1, reports.size(), reports.toString());
            String r = reports.get(0);
            assertTrue(r.contains("fiber 'lost-at-once' failed with java.lang.IllegalStateException: boom 1"), r);
            assertTrue(r.contains("fiber 'lost-later' failed with java.lang.IllegalArgumentException: boom 2"), r);
            assertTrue(r.contains("2 fibers"), r);
            assertFalse(r.contains("seen"), r);
            assertFalse(r.contains("cancelled"), r);
        }
    }

    @Test
    void manyLostFailuresAreListedUpToABoundAndCounted() {
        try (LogCapture log = new LogCapture()) {
            LwtMain.run(() -> {
                for (int i = 0; i < 25; i++) {
                    LwtFiber.start(() -> {
                        throw new IllegalStateException("many");
                    });
                }
                return Lwt.resolved(null);
            });
            List<String> reports = lostReports(log);
            assertEquals(1, reports.size(), reports.toString());
            String r = reports.get(0);
            assertEquals(10, r.split("failed with", -1).length - 1, r);
            assertTrue(r.contains("... and 15 more"), r);
            assertTrue(r.contains("25 fibers"), r);
        }
    }

    @Test
    void theMainFibersFailureIsThrownNotReported() {
        try (LogCapture log = new LogCapture()) {
            IllegalStateException boom = new IllegalStateException("main");
            try {
                LwtMain.run(() -> LwtFiber.start("main-fiber", () -> {
                    throw boom;
                }));
            } catch (IllegalStateException e) {
                assertEquals(boom, e);
            }
            assertEquals(List.of(), lostReports(log));
        }
    }
}
