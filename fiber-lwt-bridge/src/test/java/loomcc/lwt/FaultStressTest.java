package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Faults: exceptions thrown from every place user code runs, many rounds on one loop. The loop
 * survives every one, and each failure arrives exactly where the rules (DESIGN.md) send it, as the
 * same instance: the promise of the bind/map/recover/whenDone that ran the code; the fiber's
 * promise; the fiber itself for a detached block; the loop's async-exception handler for an
 * {@code onCancel} callback, {@code Lwt.async}, and a fiber that fails after it was cancelled.
 * None is lost, none is delivered twice. 500 rounds by default, 100 000 with
 * {@code -Dloomcc.stress.full=true}.
 */
class FaultStressTest {

    /** A failure that knows where it was thrown, so a misdelivery says which one. */
    static final class Boom extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Boom(String where, int round) {
            super(where + " #" + round, null, true, false);   // no stack trace: cheap
        }
    }

    /** What each round expects and sees: failures delivered to promises, and to the handler. */
    private static final class Ledger {
        final List<Throwable> expectedAsync = new ArrayList<>();
        final List<Throwable> handled = new ArrayList<>();
        int checks;

        void expectRejectedWith(Lwt<?> p, Throwable e) {
            assertTrue(p.isRejected(), "should be rejected with " + e + ": " + p);
            Throwable got = p.rawResult() instanceof Throwable t ? t : null;
            assertSame(e, got, "the same instance");
            checks++;
        }
    }

    @Test
    void everyFailureArrivesWhereTheRulesSayAndTheLoopSurvives() {
        int rounds = Support.stressCount(500, 100_000);
        Ledger ledger = new Ledger();
        int survived = LwtMain.run(() -> {
            LwtMain.setAsyncExceptionHandler(ledger.handled::add);
            return LwtFiber.start(() -> {
                for (int r = 0; r < rounds; r++) {
                    round(r, ledger);
                }
                return rounds;
            });
        });
        assertEquals(rounds, survived, "the loop ran every round");
        assertEquals(ledger.expectedAsync.size(), ledger.handled.size(), "the handler got each async failure once");
        assertArrayEquals(ledger.expectedAsync.toArray(), ledger.handled.toArray(), "in the order they happened");
        System.out.printf("FaultStressTest: %,d rounds, %,d failures checked where they landed, %,d through the"
                + " async handler%n", rounds, ledger.checks, ledger.handled.size());
    }

    /** One round of faults, run inside a fiber on the loop. */
    private static void round(int r, Ledger l) {
        // 1. callbacks: bind / map / recover on a pending promise, resolved later
        Resolver<Integer> src = Lwt.pending();
        Boom inBind = new Boom("bind", r);
        Boom inMap = new Boom("map", r);
        Boom inRecover = new Boom("recover", r);
        Lwt<Integer> b = src.promise().bind(v -> {
            throw inBind;
        });
        Lwt<Integer> m = src.promise().map(v -> {
            throw inMap;
        });
        Lwt<Integer> rc = b.recover(e -> {
            throw inRecover;
        });
        Lwt<Integer> fine = src.promise().map(v -> v + 1);
        src.resolve(r);
        LwtFiber.pause();                                 // past the nesting bound, callbacks may run at the turn's end
        l.expectRejectedWith(b, inBind);
        l.expectRejectedWith(m, inMap);
        l.expectRejectedWith(rc, inRecover);
        assertEquals(r + 1, LwtFiber.await(fine), "a sibling callback ran on");

        // 2. whenDone cleanups: on success the cleanup's failure wins; on failure the promise's
        //    wins and the cleanup's is suppressed on it (Java's finally rule)
        Boom inCleanup = new Boom("cleanup", r);
        Lwt<Integer> w1 = Lwt.resolved(r).whenDone(() -> {
            throw inCleanup;
        });
        l.expectRejectedWith(w1, inCleanup);
        Boom primary = new Boom("primary", r);
        Boom inCleanup2 = new Boom("cleanup2", r);
        Lwt<Integer> w2 = Lwt.<Integer>failed(primary).whenDone(() -> {
            throw inCleanup2;
        });
        l.expectRejectedWith(w2, primary);
        assertSame(inCleanup2, primary.getSuppressed().length == 0 ? null : primary.getSuppressed()[0],
                "the cleanup's failure is suppressed on the promise's");

        // 3. onCancel: the task is still cancelled; the callback's failure goes to the handler
        Boom inOnCancel = new Boom("onCancel", r);
        Resolver<Integer> t = Lwt.task();
        t.promise().onCancel(() -> {
            throw inOnCancel;
        });
        l.expectedAsync.add(inOnCancel);
        t.promise().cancel();
        assertInstanceOf(Lwt.Canceled.class, t.promise().rawResult());

        // 4. fiber bodies: thrown at once, and thrown after an await
        Boom inBody = new Boom("body", r);
        Lwt<Object> f1 = LwtFiber.start(() -> {
            throw inBody;
        });
        l.expectRejectedWith(f1, inBody);
        Boom inBodyLater = new Boom("body after await", r);
        Lwt<Object> f2 = LwtFiber.start(() -> {
            LwtFiber.pause();
            throw inBodyLater;
        });
        LwtFiber.await(f2.recover(e -> Lwt.resolved(null)));
        l.expectRejectedWith(f2, inBodyLater);

        // 5. a fiber that fails after it was cancelled: its promise is already Canceled, so the
        //    failure goes to the handler
        Boom afterCancel = new Boom("after cancel", r);
        Lwt<Object> f3 = LwtFiber.start(() -> {
            try {
                LwtFiber.sleep(3600);
            } catch (Lwt.Canceled c) {
                throw afterCancel;
            }
            return null;
        });
        l.expectedAsync.add(afterCancel);
        f3.cancel();
        assertInstanceOf(Lwt.Canceled.class, f3.rawResult());

        // 6. Lwt.async: at once and later
        Boom inAsync = new Boom("async", r);
        l.expectedAsync.add(inAsync);
        Lwt.async(() -> {
            throw inAsync;
        });
        Boom inAsyncLater = new Boom("async later", r);
        l.expectedAsync.add(inAsyncLater);
        Lwt.async(() -> Lwt.pause().bind(v -> Lwt.failed(inAsyncLater)));

        // 7. off the loop: a detached block and a detach callable; the loop thread is not involved
        if (r % 10 == 0) {
            Boom inDetached = new Boom("detached", r);
            try {
                LwtFiber.detached(() -> {
                    throw inDetached;
                });
                throw new AssertionError("detached returned");
            } catch (Boom e) {
                assertSame(inDetached, e);
                l.checks++;
            }
            Boom inDetach = new Boom("detach", r);
            Lwt<Object> d = LwtPreemptive.detach(() -> {
                throw inDetach;
            });
            LwtFiber.await(d.recover(e -> Lwt.resolved(null)));
            l.expectRejectedWith(d, inDetach);
        }
        LwtFiber.pause();                                 // the later async failure arrives
        LwtFiber.pause();
    }
}
