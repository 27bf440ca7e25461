package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** LwtMvar: Lwt_mvar's semantics, FIFO, cancel paths, bad input. */
class LwtMvarTest {

    @Test
    void aBoxIsFullOrEmpty() {
        Toolkit.inLoop(() -> {
            LwtMvar<Integer> v = LwtMvar.of(1);
            assertFalse(v.isEmpty());
            assertEquals(1, v.take().getNow());
            assertTrue(v.isEmpty());
            assertEquals(Optional.empty(), v.takeNow());
            assertTrue(v.put(2).isFulfilled());
            assertEquals(Optional.of(2), v.takeNow());
            assertTrue(LwtMvar.<Integer>empty().isEmpty());
        });
    }

    @Test
    void putWaitsWhileFullAndTakersWaitWhileEmptyOldestFirst() {
        Order o = new Order();
        Toolkit.inLoop(() -> {
            LwtMvar<String> v = LwtMvar.empty();
            v.take().map(x -> {
                assertEquals("a", x);
                o.expect(1);
                return null;
            });
            v.take().map(x -> {
                assertEquals("b", x);
                o.expect(2);
                return null;
            });
            v.put("a");                  // straight to the first taker
            v.put("b");
            assertTrue(v.isEmpty());
            v.put("c");
            Lwt<Void> d = v.put("d");
            Lwt<Void> e = v.put("e");
            assertTrue(d.isPending() && e.isPending());
            assertEquals("c", v.take().getNow());
            assertTrue(d.isFulfilled() && e.isPending());
            assertEquals("d", v.take().getNow());
            assertEquals("e", v.take().getNow());
            assertTrue(v.isEmpty());
        });
        o.finish(3);
    }

    @Test
    void cancelledWaitersLeaveTheirQueues() {
        Toolkit.inLoop(() -> {
            LwtMvar<Integer> v = LwtMvar.empty();
            Lwt<Integer> t1 = v.take();
            Lwt<Integer> t2 = v.take();
            t1.cancel();
            v.put(1);
            assertEquals(1, t2.getNow());
            v.put(2);
            Lwt<Void> p3 = v.put(3);
            Lwt<Void> p4 = v.put(4);
            p3.cancel();
            assertEquals(2, v.take().getNow());
            assertTrue(p4.isFulfilled());
            assertEquals(4, v.take().getNow(), "the cancelled put's value is not in");
            assertTrue(v.isEmpty());
        });
    }

    @Test
    void aValueHandedToAFiberCancelledBeforeItRanGoesBack() {
        Toolkit.inLoop(() -> {
            LwtMvar<Integer> v = LwtMvar.empty();
            Toolkit.FiberRef b = new Toolkit.FiberRef();
            Lwt<Object> bDone = LwtFiber.start(b.capture(() -> LwtFiber.await(v.take())));
            Toolkit.pastTheNestingBound(() -> {
                v.put(1);                      // handed to b, whose resume is deferred
                v.put(2);                      // the box is full again
                Lwt<Void> third = v.put(3);    // waits
                b.fiber.cancel(new Lwt.Canceled());
                assertTrue(third.isPending());
            });
            return bDone.recover(e -> Lwt.resolved(null)).map(x -> {
                assertEquals(2, v.take().getNow());
                assertEquals(1, v.take().getNow(), "the value given back comes first after the box's");
                assertEquals(3, v.take().getNow());
                assertTrue(v.isEmpty());
                return null;
            });
        });
    }

    @Test
    void nullValuesAreRefused() {
        assertTrue(assertThrows(NullPointerException.class, () -> LwtMvar.of(null)).getMessage().contains("empty()"));
        assertThrows(NullPointerException.class, () -> LwtMvar.empty().put(null));
    }

    @Test
    void waitingOperationsSayWhatTheyWaitFor() {
        Toolkit.inLoop(() -> {
            LwtMvar<Integer> v = LwtMvar.empty();
            Lwt<Integer> t = v.take();
            assertTrue(Toolkit.waitsFor(t).startsWith("LwtMvar@") && Toolkit.waitsFor(t).endsWith(".take()"), Toolkit.waitsFor(t));
            t.cancel();
        });
    }
}
