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
 * {@code onCancel} callback, {@code Lwt.async}, and a fiber that fails after it was cancelled; the
 * server's count and log for an {@code LwtIo} handler.
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

    /**
     * LwtIo handlers that fail: each failing connection is closed and counted once in
     * {@code failed()}; a non-I/O failure is logged once at WARNING (counted here through the JUL
     * logger behind System.Logger); the server goes on answering the connections whose handler
     * works, and nothing reaches the loop's async handler. 60 connections by default, 6 000 with
     * {@code -Dloomcc.stress.full=true}.
     */
    @Test
    void failingLwtIoHandlersEndTheirConnectionOnlyAndAreEachCountedOnce() {
        int n = Support.stressCount(60, 6_000);
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(LwtIo.class.getName());
        List<java.util.logging.LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler counter = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean parents = jul.getUseParentHandlers();
        jul.addHandler(counter);
        jul.setUseParentHandlers(false);                  // thousands of expected stacks stay out of the log
        List<Throwable> handled = new ArrayList<>();
        long[] failed = new long[1];
        int[] answered = new int[1];
        try {
            LwtMain.run(() -> {
                LwtMain.setAsyncExceptionHandler(handled::add);
                return LwtFiber.start(() -> {
                    LwtIo.Server server = LwtIo.serve(new java.net.InetSocketAddress("127.0.0.1", 0), c -> {
                        String line = LwtFiber.await(c.in().readLine());
                        switch (line) {
                            case "io" -> throw new java.io.IOException("handler I/O failure");
                            case "checked" -> throw new Exception("handler checked failure");
                            case "runtime" -> throw new IllegalStateException("handler runtime failure");
                            default -> LwtFiber.await(c.out().writeUtf8("ok " + line + "\n"));
                        }
                    });
                    try {
                        for (int i = 0; i < n; i++) {
                            String ask = switch (i % 4) {
                                case 0 -> "io";
                                case 1 -> "checked";
                                case 2 -> "runtime";
                                default -> "n" + i;
                            };
                            LwtIo.Connection c = LwtFiber.await(LwtIo.connect(server.address()));
                            try {
                                LwtFiber.await(c.out().writeUtf8(ask + "\n"));
                                LwtFiber.await(c.out().flush());
                                String reply = LwtFiber.await(c.in().readLine());
                                if (i % 4 == 3) {
                                    assertEquals("ok " + ask, reply, "a working handler still answers");
                                    answered[0]++;
                                } else {
                                    assertEquals(null, reply, "a failed handler's connection is closed");
                                }
                            } finally {
                                c.close();
                            }
                        }
                        for (int i = 0; i < 500 && server.active() > 0; i++) {
                            LwtFiber.sleep(0.01);                 // the last handlers see their end
                        }
                        failed[0] = server.failed();
                    } finally {
                        server.close();
                    }
                    return null;
                });
            });
        } finally {
            jul.removeHandler(counter);
            jul.setUseParentHandlers(parents);
        }
        int failing = n / 4 * 3 + Math.min(n % 4, 3);
        assertEquals(failing, failed[0], "each failing handler counted once");
        assertEquals(n / 4, answered[0]);
        long nonIo = java.util.stream.IntStream.range(0, n).filter(i -> i % 4 == 1 || i % 4 == 2).count();
        assertEquals(nonIo, warnings.size(), "each non-I/O failure logged once at WARNING, I/O ones not");
        assertEquals(List.of(), handled, "handler failures never reach the loop's async handler");
        System.out.printf("FaultStressTest: %,d LwtIo connections, %,d handlers failed (%,d logged at WARNING),"
                + " %,d answered; the server went on%n", n, failed[0], warnings.size(), answered[0]);
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
