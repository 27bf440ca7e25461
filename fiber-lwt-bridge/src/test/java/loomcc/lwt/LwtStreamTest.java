package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** LwtStream: bounded/unbounded, back-pressure, close, fail, forEach, every cancel path, bad input. */
class LwtStreamTest {

    @Test
    void valuesComeOutInTheOrderTheyWentIn() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            for (int i = 0; i < 1000; i++) {
                assertTrue(s.push(i).isFulfilled(), "an unbounded push never waits");
            }
            assertEquals(1000, s.size());
            for (int i = 0; i < 1000; i++) {
                assertEquals(Optional.of(i), s.next().getNow());
            }
            assertEquals(0, s.size());
            assertTrue(s.next().isPending());
        });
    }

    @Test
    void aBoundedPushWaitsWhileFullAndTheSizeCountsOnlyBufferedValues() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtStream<String> s = LwtStream.bounded(2);
            assertTrue(s.push("a").isFulfilled());
            assertTrue(s.offer("b"));
            assertFalse(s.offer("x"), "offer on a full stream");
            Lwt<Void> c = s.push("c");
            Lwt<Void> d = s.push("d");
            assertTrue(c.isPending() && d.isPending());
            assertEquals(2, s.size(), "waiting pushers are not counted");
            c.map(v -> {
                o.expect(1);
                return null;
            });
            d.map(v -> {
                o.expect(2);
                return null;
            });
            assertEquals(Optional.of("a"), s.next().getNow());   // c moves in
            assertEquals(2, s.size());
            assertEquals(Optional.of("b"), s.next().getNow());   // d moves in
            assertEquals(Optional.of("c"), s.next().getNow());
            assertEquals(Optional.of("d"), s.next().getNow());
            assertEquals(0, s.size());
        });
        o.finish(3);
    }

    @Test
    void aProducerAndAConsumerFiberHandValuesOverWithBackPressure() {
        List<Integer> got = new ArrayList<>();
        int[] maxBuffered = {0};
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(3);
            Lwt<Object> producer = LwtFiber.start(() -> {
                for (int i = 0; i < 100; i++) {
                    LwtFiber.await(s.push(i));
                    maxBuffered[0] = Math.max(maxBuffered[0], s.size());
                }
                s.close();
                return null;
            });
            Lwt<Object> consumer = LwtFiber.start(() -> {
                for (Optional<Integer> v; (v = LwtFiber.await(s.next())).isPresent(); ) {
                    got.add(v.get());
                    if (v.get() % 7 == 0) {
                        LwtFiber.sleep(0);          // a slow consumer: the producer must wait
                    }
                }
                return null;
            });
            return Lwt.both(producer, consumer);
        });
        assertEquals(100, got.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, got.get(i));
        }
        assertTrue(maxBuffered[0] <= 3, "buffered beyond the capacity: " + maxBuffered[0]);
    }

    @Test
    void consumersAreServedOldestFirst() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(1);
            for (int i = 1; i <= 3; i++) {
                int me = i;
                s.next().map(v -> {
                    assertEquals(Optional.of(me * 10), v);
                    o.expect(me);
                    return null;
                });
            }
            s.push(10);
            s.push(20);
            s.push(30);
            assertEquals(0, s.size());
        });
        o.finish(4);
    }

    @Test
    void closeDeliversWhatIsInThenEndsAndRejectsWaitingPushers() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(1);
            s.push(1);
            Lwt<Void> waiting = s.push(2);
            s.close();
            assertTrue(s.isClosed());
            LwtStream.Closed c = assertThrows(LwtStream.Closed.class, waiting::getNow);
            assertTrue(c.getMessage().contains("closed"), c.getMessage());
            assertThrows(LwtStream.Closed.class, s.push(3)::getNow);
            assertFalse(s.offer(3));
            assertEquals(Optional.of(1), s.next().getNow());
            assertEquals(Optional.empty(), s.next().getNow());
            assertEquals(Optional.empty(), s.next().getNow());
            s.close();                                   // again: nothing
        });
    }

    @Test
    void closeEndsTheConsumersThatWait() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            Lwt<Optional<Integer>> a = s.next();
            Lwt<Optional<Integer>> b = s.next();
            s.close();
            assertEquals(Optional.empty(), a.getNow());
            assertEquals(Optional.empty(), b.getNow());
        });
    }

    @Test
    void failDeliversWhatIsInThenTheErrorEveryTimeAndRejectsPushes() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(1);
            s.push(1);
            Lwt<Void> waiting = s.push(2);
            IOException boom = new IOException("peer reset");
            s.fail(boom);
            assertTrue(s.isClosed());
            assertSame(boom, assertThrows(IOException.class, waiting::getNow));
            assertSame(boom, assertThrows(IOException.class, s.push(3)::getNow));
            assertEquals(Optional.of(1), s.next().getNow());
            assertSame(boom, assertThrows(IOException.class, s.next()::getNow));
            assertSame(boom, assertThrows(IOException.class, s.next()::getNow));
        });
    }

    @Test
    void failRejectsTheConsumersThatWait() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            Lwt<Optional<Integer>> a = s.next();
            RuntimeException boom = new RuntimeException("boom");
            s.fail(boom);
            assertSame(boom, assertThrows(RuntimeException.class, a::getNow));
        });
    }

    @Test
    void endingAnEndedStreamSaysSoAndLosesNoError() {
        LwtStream<Integer> s = LwtStream.unbounded();
        s.close();
        IOException late = new IOException("late");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.fail(late));
        assertSame(late, e.getCause());
        LwtStream<Integer> f = LwtStream.unbounded();
        f.fail(late);
        f.close();                                       // ended already: the failure stays
        assertSame(late, assertThrows(IOException.class, f.next()::getNow));
    }

    @Test
    void aCancelledNextLeavesTheQueueAndLosesNoValue() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            Lwt<Optional<Integer>> first = s.next();
            Lwt<Optional<Integer>> second = s.next();
            first.cancel();
            assertThrows(Lwt.Canceled.class, first::getNow);
            s.push(1);
            assertEquals(Optional.of(1), second.getNow(), "the value went to the waiter still there");
            second.cancel();                               // resolved: nothing happens
            s.push(2);
            assertEquals(1, s.size(), "nobody waits: the value is kept");
            assertEquals(Optional.of(2), s.next().getNow());
        });
    }

    @Test
    void aFiberCancelledInNextLosesNoValue() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            Lwt<Object> consumer = LwtFiber.start(() -> LwtFiber.await(s.next()));
            consumer.cancel();
            s.push(1);
            assertEquals(1, s.size());
            assertEquals(Optional.of(1), s.next().getNow());
        });
    }

    @Test
    void aValueHandedToAFiberCancelledBeforeItRanGoesBackFirstInLine() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(1);
            Toolkit.FiberRef b = new Toolkit.FiberRef();
            Lwt<Object> bDone = LwtFiber.start(b.capture(() -> {
                try {
                    LwtFiber.await(s.next());
                    o.unreached("b ran with the value after its cancel");
                } catch (Lwt.Canceled expected) {
                    o.expect(2);
                }
                return null;
            }));
            Toolkit.pastTheNestingBound(() -> {
                s.push(1);                                // handed to b; its resume is deferred
                s.push(2);                                // buffered
                o.expect(1);
                b.fiber.cancel(new Lwt.Canceled());
            });
            return bDone.map(v -> {
                assertEquals(2, s.size(), "1 came back, first in line, past the capacity");
                assertEquals(Optional.of(1), s.next().getNow());
                assertEquals(Optional.of(2), s.next().getNow());
                o.expect(3);
                return null;
            });
        });
        o.finish(4);
    }

    @Test
    void aValueGivenBackGoesToTheNextWaitingConsumer() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            Toolkit.FiberRef b = new Toolkit.FiberRef();
            Lwt<Object> bDone = LwtFiber.start(b.capture(() -> LwtFiber.await(s.next())));
            Lwt<Optional<Integer>> c = s.next();
            Toolkit.pastTheNestingBound(() -> {
                s.push(5);
                b.fiber.cancel(new Lwt.Canceled());
            });
            return bDone.recover(e -> Lwt.resolved(null)).map(v -> {
                assertEquals(Optional.of(5), c.getNow());
                return null;
            });
        });
    }

    @Test
    void aCancelledPushLeavesTheQueueAndItsValueIsNotIn() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(1);
            s.push(1);
            Lwt<Void> two = s.push(2);
            Lwt<Void> three = s.push(3);
            two.cancel();
            assertEquals(Optional.of(1), s.next().getNow());
            assertTrue(three.isFulfilled());
            assertEquals(Optional.of(3), s.next().getNow());
            assertTrue(s.next().isPending());
        });
    }

    @Test
    void forEachTakesOneValueAtATimeUntilTheEnd() {
        Order o = new Order();
        List<Integer> seen = new ArrayList<>();
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(2);
            Lwt<Void> all = s.forEach(v -> {
                seen.add(v);
                return LwtUnix.sleep(0);       // the next value only after this resolves
            });
            LwtFiber.start(() -> {
                for (int i = 0; i < 10; i++) {
                    LwtFiber.await(s.push(i));
                }
                s.close();
                o.expect(1);
                return null;
            });
            return all.map(v -> {
                o.expect(2);
                return null;
            });
        });
        o.finish(3);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), seen);
    }

    @Test
    void forEachRunsInConstantStackOverALongStream() {
        long[] sum = {0};
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            for (int i = 0; i < 1_000_000; i++) {
                s.push(i);
            }
            s.close();
            return s.forEach(v -> {
                sum[0] += v;
                return Lwt.resolved(null);
            });
        });
        assertEquals(999_999L * 1_000_000L / 2, sum[0]);
    }

    @Test
    void forEachStopsOnTheFirstFailureAndLeavesTheRestIn() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            s.push(1);
            s.push(2);
            s.push(3);
            RuntimeException boom = new RuntimeException("boom");
            Lwt<Void> r = s.forEach(v -> {
                if (v == 2) {
                    throw boom;
                }
                return Lwt.resolved(null);
            });
            assertSame(boom, assertThrows(RuntimeException.class, r::getNow));
            assertEquals(Optional.of(3), s.next().getNow());

            LwtStream<Integer> f = LwtStream.unbounded();
            IOException e = new IOException("x");
            f.fail(e);
            assertSame(e, assertThrows(IOException.class, f.forEach(v -> Lwt.resolved(null))::getNow));

            LwtStream<Integer> n = LwtStream.unbounded();
            n.push(1);
            assertInstanceOf(NullPointerException.class,
                    assertThrows(NullPointerException.class, n.forEach(v -> null)::getNow));
        });
    }

    @Test
    void cancellingForEachCancelsItsWaitAndLosesNoValue() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            Lwt<Void> r = s.forEach(v -> Lwt.resolved(null));
            r.cancel();
            assertThrows(Lwt.Canceled.class, r::getNow);
            s.push(1);
            assertEquals(1, s.size(), "the cancelled forEach took a value");

            Resolver<Void> slow = Lwt.task();
            Lwt<Void> r2 = s.forEach(v -> slow.promise());
            assertEquals(0, s.size());
            r2.cancel();
            assertTrue(slow.promise().isRejected(), "cancel reaches f's promise");
        });
    }

    @Test
    void badInputGetsClearExceptions() {
        IllegalArgumentException cap = assertThrows(IllegalArgumentException.class, () -> LwtStream.bounded(0));
        assertTrue(cap.getMessage().contains("capacity") && cap.getMessage().contains("0"), cap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LwtStream.bounded(-5));
        LwtStream<String> s = LwtStream.unbounded();
        assertTrue(assertThrows(NullPointerException.class, () -> s.push(null)).getMessage().contains("push"));
        assertTrue(assertThrows(NullPointerException.class, () -> s.offer(null)).getMessage().contains("offer"));
        assertThrows(NullPointerException.class, () -> s.fail(null));
        assertThrows(NullPointerException.class, () -> s.forEach(null));
    }

    @Test
    void waitingOperationsSayWhatTheyWaitFor() {
        Toolkit.inLoop(() -> {
            LwtStream<Integer> s = LwtStream.bounded(1);
            Lwt<Optional<Integer>> n = s.next();
            assertTrue(Toolkit.waitsFor(n).startsWith("LwtStream@") && Toolkit.waitsFor(n).endsWith(".next()"), Toolkit.waitsFor(n));
            n.cancel();
            s.push(1);
            Lwt<Void> p = s.push(2);
            assertTrue(Toolkit.waitsFor(p).endsWith(".push()"), Toolkit.waitsFor(p));
            assertTrue(s.toString().contains("1/1 buffered") && s.toString().contains("1 waiting in push"), s.toString());
            p.cancel();
        });
    }
}
