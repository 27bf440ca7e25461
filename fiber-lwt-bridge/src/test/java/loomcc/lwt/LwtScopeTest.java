package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** LwtScope: StructuredTaskScope's shape, Eio Switch's rules; nothing lost on any path. */
class LwtScopeTest {

    /** Runs {@code body} in a fiber on a fresh loop, with an async handler that records. */
    private static List<Throwable> inFiber(Runnable body) {
        List<Throwable> async = new ArrayList<>();
        LwtMain.runWithVirtualClock(() -> {
            LwtMain.setAsyncExceptionHandler(async::add);
            return LwtFiber.start(() -> {
                body.run();
                return null;
            });
        });
        return async;
    }

    @Test
    void joinWaitsForEveryForkAndTheirValuesAreThere() {
        Order o = new Order();
        List<Throwable> async = inFiber(() -> {
            try (LwtScope scope = LwtScope.open()) {
                Lwt<String> a = scope.fork(() -> {
                    LwtFiber.sleep(0.01);
                    o.expect(2);
                    return "a";
                });
                Lwt<Integer> b = scope.fork(() -> {
                    o.expect(1);
                    return 2;
                });
                scope.join();
                o.expect(3);
                assertEquals("a", a.getNow());
                assertEquals(2, b.getNow());
            }
        });
        o.finish(4);
        assertEquals(List.of(), async);
    }

    @Test
    void theFirstFailureCancelsTheOthersAtOnceAndJoinThrowsItOnce() {
        Order o = new Order();
        IOException boom = new IOException("boom");
        List<Throwable> async = inFiber(() -> {
            LwtScope scope = LwtScope.open();
            Lwt<Object> slow = scope.fork(() -> {
                try {
                    LwtFiber.sleep(1000);
                    o.unreached("not cancelled");
                } finally {
                    o.expect(2);
                    LwtFiber.sleep(0.001);      // an await in a finally: join waits for it
                    o.expect(3);
                }
                return null;
            });
            scope.fork(() -> {
                LwtFiber.pause();
                o.expect(1);
                return Support.sneak(boom);
            });
            Throwable thrown = assertThrows(IOException.class, scope::join);
            assertSame(boom, thrown);
            o.expect(4);
            assertTrue(slow.isRejected());
            assertInstanceOf(Lwt.Canceled.class, assertThrows(Lwt.Canceled.class, slow::getNow));
            scope.join();                         // once: a second join does not throw it again
            scope.close();                        // nor does close
            assertEquals(0, boom.getSuppressed().length, "the scope's own cancels are not failures");
        });
        o.finish(5);
        assertEquals(List.of(), async);
    }

    @Test
    void aForkFailingWhileBeingCancelledIsAddedToTheFirstFailureNotToTheLoop() {
        RuntimeException first = new RuntimeException("first");
        IllegalStateException cleanup = new IllegalStateException("cleanup failed");
        List<Throwable> async = inFiber(() -> {
            try (LwtScope scope = LwtScope.open()) {
                scope.fork(() -> {
                    try {
                        LwtFiber.sleep(1000);
                    } catch (Lwt.Canceled c) {
                        LwtFiber.pause();
                        throw cleanup;            // after its promise was rejected by the cancel
                    }
                    return null;
                });
                scope.fork(() -> {
                    LwtFiber.pause();
                    throw first;
                });
                assertSame(first, assertThrows(RuntimeException.class, scope::join));
            }
        });
        assertEquals(List.of(), async, "nothing reached the loop's handler");
        assertArrayEquals(new Throwable[] {cleanup}, first.getSuppressed());
    }

    @Test
    void closeCancelsWhatRunsWaitsForTheFinallyBlocksThenClosesResourcesLastFirst() {
        Order o = new Order();
        List<Throwable> async = inFiber(() -> {
            LwtScope scope = LwtScope.open();
            scope.onClose(() -> o.expect(4));
            scope.onClose(() -> o.expect(3));
            scope.fork(() -> {
                try {
                    LwtFiber.sleep(1000);
                } finally {
                    o.expect(1);
                    LwtFiber.sleep(0.001);
                    o.expect(2);
                }
                return null;
            });
            scope.close();
            o.expect(5);
            scope.close();                        // again: nothing
        });
        o.finish(6);
        assertEquals(List.of(), async);
    }

    @Test
    void aFailureNobodyJoinedComesOutOfCloseWithResourceFailuresSuppressed() {
        IOException boom = new IOException("boom");
        IOException closing = new IOException("close failed");
        AtomicReference<Throwable> out = new AtomicReference<>();
        inFiber(() -> {
            try (LwtScope scope = LwtScope.open()) {
                scope.onClose(() -> {
                    throw closing;
                });
                scope.fork(() -> Support.sneak(boom));
            } catch (Throwable t) {
                out.set(t);
            }
        });
        assertSame(boom, out.get());
        assertArrayEquals(new Throwable[] {closing}, boom.getSuppressed());
    }

    @Test
    void withNoForkFailureCloseThrowsTheFirstResourceFailure() {
        IOException a = new IOException("a");
        IOException b = new IOException("b");
        AtomicReference<Throwable> out = new AtomicReference<>();
        inFiber(() -> {
            try (LwtScope scope = LwtScope.open()) {
                scope.onClose(() -> {
                    throw a;
                });
                scope.onClose(() -> {
                    throw b;                      // closed first
                });
            } catch (Throwable t) {
                out.set(t);
            }
        });
        assertSame(b, out.get());
        assertArrayEquals(new Throwable[] {a}, b.getSuppressed());
    }

    @Test
    void forkAfterAFailureIsNotStartedAndAfterCloseIsRefused() {
        inFiber(() -> {
            LwtScope scope = LwtScope.open();
            scope.fork(() -> {
                throw new RuntimeException("x");
            });
            Lwt<Integer> late = scope.fork(() -> {
                throw new AssertionError("started after the scope failed");
            });
            assertThrows(Lwt.Canceled.class, late::getNow);
            assertThrows(RuntimeException.class, scope::join);
            scope.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> scope.fork(() -> 1));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            boolean[] closed = {false};
            assertThrows(IllegalStateException.class, () -> scope.onClose(() -> closed[0] = true));
            assertTrue(closed[0], "a resource registered too late is closed at once");
        });
    }

    @Test
    void aForkCancelledByItsCallerFailsTheScope() {
        inFiber(() -> {
            LwtScope scope = LwtScope.open();
            Lwt<Object> f = scope.fork(() -> {
                LwtFiber.sleep(1000);
                return null;
            });
            f.cancel();
            assertThrows(Lwt.Canceled.class, scope::join);
            scope.close();
        });
    }

    @Test
    void forksMayForkIntoTheScopeAndJoinWaitsForThoseToo() {
        Order o = new Order();
        inFiber(() -> {
            try (LwtScope scope = LwtScope.open()) {
                scope.fork(() -> {
                    scope.fork(() -> {
                        LwtFiber.sleep(0.002);
                        o.expect(2);
                        return null;
                    });
                    o.expect(1);
                    return null;
                });
                scope.join();
                o.expect(3);
            }
        });
        o.finish(4);
    }

    @Test
    void theClosingFiberCancelledMeanwhileStillWaitsForTheForks() {
        Order o = new Order();
        Lwt<?>[] closer = new Lwt<?>[1];
        LwtMain.runWithVirtualClock(() -> {
            closer[0] = LwtFiber.start(() -> {
                LwtScope scope = LwtScope.open();
                scope.fork(() -> {
                    try {
                        LwtFiber.sleep(1000);
                    } finally {
                        LwtFiber.sleep(0.01);
                        o.expect(2);
                    }
                    return null;
                });
                try {
                    scope.close();
                } catch (Lwt.Canceled c) {
                    o.expect(3);
                }
                return null;
            });
            return LwtUnix.sleep(0.001).bind(v -> {
                o.expect(1);
                closer[0].cancel();               // while close() waits for the fork's finally
                return LwtUnix.sleep(0.05);
            });
        });
        o.finish(4);
    }

    @Test
    void misuseGetsClearExceptions() {
        LwtMain.runWithVirtualClock(() -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, LwtScope::open);
            assertTrue(e.getMessage().contains("outside a fiber"), e.getMessage());
            return Lwt.resolved(null);
        });
        inFiber(() -> {
            try (LwtScope scope = LwtScope.open()) {
                Lwt<Object> f = scope.fork(() -> {
                    IllegalStateException j = assertThrows(IllegalStateException.class, scope::join);
                    assertTrue(j.getMessage().contains("wait for itself"), j.getMessage());
                    assertThrows(IllegalStateException.class, scope::close);
                    return null;
                });
                scope.join();
                assertTrue(f.isFulfilled());
                assertThrows(NullPointerException.class, () -> scope.fork(null));
                assertThrows(NullPointerException.class, () -> scope.onClose(null));
            }
        });
    }

    @Test
    void joinWithNothingForkedReturnsAtOnce() {
        inFiber(() -> {
            try (LwtScope scope = LwtScope.open()) {
                scope.join();
                assertFalse(scope.toString().contains("closed"));
            }
        });
    }
}
