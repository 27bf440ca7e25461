package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import loomcc.fiber.Fiber;
import loomcc.internal.fiber.AwaitedHere;

/** Named fibers (DESIGN.md, "Observability"): names in name(), toString and await annotations. */
class FiberNamesTest {

    @Test
    void aNamedFiberKnowsItsNameAndShowsItInToString() {
        String r = LwtMain.run(() -> LwtFiber.start("conn 10.0.0.7:5123", () -> {
            Fiber<?> me = Fiber.current();
            assertEquals("conn 10.0.0.7:5123", me.name());
            assertTrue(me.toString().contains("conn 10.0.0.7:5123"), me.toString());
            LwtFiber.pause();
            return Fiber.current().name();
        }));
        assertEquals("conn 10.0.0.7:5123", r);
    }

    @Test
    void unnamedFibersAreNumberedByTheirLoopFromOne() {
        for (int run = 0; run < 2; run++) { // each loop counts its own fibers
            List<String> names = LwtMain.run(() -> {
                List<String> ns = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    LwtFiber.start(() -> ns.add(Fiber.current().name()));
                }
                LwtFiber.start("named", () -> ns.add(Fiber.current().name()));
                LwtFiber.start(() -> ns.add(Fiber.current().name()));
                return Lwt.resolved(ns);
            });
            assertEquals(List.of("fiber-1", "fiber-2", "fiber-3", "named", "fiber-5"), names);
        }
    }

    @Test
    void anErrorAwaitedByANamedFiberSaysWhichFiberAwaitedIt() {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LwtMain.run(() ->
                LwtFiber.start("worker-7", () -> {
                    Resolver<Void> gate = Lwt.pending();
                    Lwt.async(() -> LwtUnix.sleep(0).map(v -> {
                        gate.reject(boom);
                        return null;
                    }));
                    return LwtFiber.await(gate.promise());
                })));
        assertEquals(boom, e);
        boolean named = false;
        for (Throwable s : e.getSuppressed()) {
            named |= s instanceof AwaitedHere && s.getMessage().contains("worker-7");
        }
        assertTrue(named, "no AwaitedHere naming worker-7 in " + List.of(e.getSuppressed()));
    }

    @Test
    void theWarningAboutFibersLeftSuspendedNamesThem() {
        try (LogCapture log = new LogCapture()) {
            LwtMain.run(() -> {
                LwtFiber.start("left-behind", () -> LwtFiber.await(Lwt.pending().promise()));
                LwtFiber.start(() -> LwtFiber.await(Lwt.pending().promise()));
                return Lwt.resolved(null);
            });
            String w = log.messages(java.util.logging.Level.WARNING).stream()
                    .filter(m -> m.contains("still suspended")).findFirst().orElseThrow();
            assertTrue(w.contains("They are: 'left-behind', 'fiber-2'"), w);
        }
    }

    @Test
    void aNullNameIsRefusedAndSaysWhatToUseInstead() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> LwtMain.run(() -> LwtFiber.start((String) null, () -> 1)));
        assertTrue(e.getMessage().contains("start(body)"), e.getMessage());
    }
}
