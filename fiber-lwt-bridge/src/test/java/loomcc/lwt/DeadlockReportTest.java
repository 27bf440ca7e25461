package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;

import loomcc.internal.lwt.EventLoop;

/** The deadlock report (DESIGN.md, "Observability"). */
class DeadlockReportTest {

    /** Runs {@code main} on a loop whose deadlocks throw (the switch the virtual clock sets too). */
    private static <T> T runThrowing(java.util.function.Supplier<Lwt<T>> main) {
        return LwtMain.run(() -> {
            EventLoop.current().deadlockThrows = true;
            return main.get();
        });
    }

    @Test
    void aFiberWaitingOnAPromiseNobodyCanResolveIsADeadlockWithTheDump() {
        DeadlockException e = assertThrows(DeadlockException.class, () -> runThrowing(() -> {
            Resolver<String> never = Lwt.pending();
            return LwtFiber.start("stuck", () -> LwtFiber.await(never.promise().describedAs("a lock nobody releases")));
        }));
        assertInstanceOf(IllegalStateException.class, e);
        assertTrue(e.getMessage().contains("deadlock"), e.getMessage());
        assertTrue(e.getMessage().contains("\"stuck\" suspended for"), e.getMessage());
        assertTrue(e.getMessage().contains("waits for a lock nobody releases"), e.getMessage());
    }

    @Test
    void underTheVirtualClockTheDeadlockCarriesTheDumpToo() {
        DeadlockException e = assertThrows(DeadlockException.class, () -> LwtMain.runWithVirtualClock(() ->
                LwtFiber.start("virtual-stuck", () -> {
                    LwtFiber.sleep(3600);             // an hour of virtual time, then for ever
                    return LwtFiber.await(Lwt.<String>pending().promise());
                })));
        assertTrue(e.getMessage().contains("\"virtual-stuck\" suspended for 0.0 s, waits for a promise"), e.getMessage());
        assertTrue(e.getMessage().contains("loop time 3600.0 s"), e.getMessage());
    }

    @Test
    void thePropertyMakesADeadlockThrow() {
        String old = System.setProperty("loomcc.deadlock", "throw");
        try {
            assertThrows(DeadlockException.class, () -> LwtMain.run(() -> Lwt.<Void>pending().promise()));
        } finally {
            restore("loomcc.deadlock", old);
        }
    }

    @Test
    void waitsThatSomethingWillEndAreNotDeadlocks() throws IOException {
        Pipe pipe = Pipe.open();
        try {
            // a timer
            assertEquals("slept", runThrowing(() -> LwtUnix.sleep(0.05).map(v -> "slept")));
            // a fiber waiting for a CompletionStage another thread completes
            CompletableFuture<String> cf = new CompletableFuture<>();
            assertEquals("done", runThrowing(() -> {
                Thread.ofPlatform().start(() -> {
                    sleepQuietly(50);
                    cf.complete("done");
                });
                return LwtFiber.start(() -> LwtFiber.await(cf));
            }));
            // pool work
            assertEquals("pooled", runThrowing(() -> LwtPreemptive.detach(() -> {
                sleepQuietly(50);
                return "pooled";
            })));
            // a detached block
            assertEquals("detached", runThrowing(() -> LwtFiber.start(() -> LwtFiber.detached(() -> {
                sleepQuietly(50);
                return "detached";
            }))));
            // a callback another thread calls
            assertEquals("called", runThrowing(() -> LwtFiber.start(() -> LwtFiber.<String>awaitCallback(cb ->
                    Thread.ofPlatform().start(() -> {
                        sleepQuietly(50);
                        cb.success("called");
                    })))));
            // I/O interest: a read that another thread's write ends
            assertEquals(3, runThrowing(() -> {
                Lwt<Integer> read = LwtUnix.read(pipe.source(), ByteBuffer.allocate(8));
                Thread.ofPlatform().start(() -> {
                    sleepQuietly(50);
                    try {
                        pipe.sink().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                return read;
            }));
        } finally {
            pipe.source().close();
            pipe.sink().close();
        }
    }

    @Test
    void withoutThrowingTheLoopWarnsOnceWithTheDumpAndKeepsWaitingForRunInMain() throws Exception {
        String old = System.setProperty("loomcc.deadlockSeconds", "0.1");
        try (LogCapture log = new LogCapture()) {
            CountDownLatch warned = log.latch(Level.WARNING, m -> m.contains("deadlock"));
            AtomicReference<Resolver<String>> gate = new AtomicReference<>();
            Thread rescuer = Thread.ofPlatform().start(() -> {
                try {
                    if (warned.await(60, TimeUnit.SECONDS)) {
                        sleepQuietly(300); // several deadlock periods: still one warning
                        LwtPreemptive.runInMain(() -> {
                            gate.get().resolve("rescued");
                            return null;
                        });
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            String r = LwtMain.run(() -> {
                Resolver<String> g = Lwt.pending();
                gate.set(g);
                return LwtFiber.start("waiting-for-rescue", () -> LwtFiber.await(g.promise()));
            });
            rescuer.join();
            assertEquals("rescued", r);
            List<String> warnings = log.messages(Level.WARNING).stream().filter(m -> m.contains("deadlock")).toList();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("\"waiting-for-rescue\" suspended"), warnings.get(0));
            assertTrue(warnings.get(0).contains("keeps waiting"), warnings.get(0));
        } finally {
            restore("loomcc.deadlockSeconds", old);
        }
    }

    /**
     * Each call from another thread wakes the loop. One that comes while the loop is busy (its
     * work taken in the same turn) leaves the wake-up pending, so the loop's next wait for work
     * returns at once with nothing to do: that is no idle period, and no deadlock to report. (Both
     * waits: a park without a selector, a select with one.) The stress test of runInMain logged
     * 338 false reports per run before.
     */
    @Test
    void callsFromAnotherThreadThatEndEarlyWaitsAreNotReportedAsDeadlocks() throws Exception {
        String old = System.setProperty("loomcc.deadlockSeconds", "30");
        try (LogCapture log = new LogCapture()) {
            for (boolean withSelector : new boolean[] {false, true}) {
                int[] ran = {0};
                LwtMain.run(() -> {
                    if (withSelector) {
                        LwtIo.serve(new java.net.InetSocketAddress("127.0.0.1", 0), c -> { }).close();
                    }
                    Resolver<Void> done = Lwt.pending();
                    int[] finished = {0};
                    for (int t = 0; t < 2; t++) {
                        Thread.ofPlatform().start(() -> {
                            for (int i = 0; i < 10_000; i++) {
                                LwtPreemptive.runInMain(() -> ++ran[0]);
                            }
                            LwtPreemptive.runInMain(() -> {
                                if (++finished[0] == 2) {
                                    done.resolve(null);
                                }
                                return null;
                            });
                        });
                    }
                    return done.promise();
                });
                assertEquals(20_000, ran[0]);
            }
            List<String> warnings = log.messages(Level.WARNING).stream().filter(m -> m.contains("deadlock")).toList();
            assertEquals(List.of(), warnings);
        } finally {
            restore("loomcc.deadlockSeconds", old);
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void restore(String key, String old) {
        if (old == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, old);
        }
    }
}
