package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The promise a bind/recover function returns while pending becomes a proxy of the promise bind
 * returned (issue 9, item 11; Lwt's make_into_proxy). These tests pin what that must not change:
 * a proxy reads, resolves, cancels and takes callbacks exactly as the promise it is part of, and the
 * callback order is the one a forwarding callback gave.
 */
class ProxyTest {

    /** outer = source.bind(_ -> inner) with inner pending: after source resolves, inner is a proxy. */
    private static final class Merged {
        final Resolver<Integer> source = Lwt.pending();
        final Resolver<Integer> inner;
        final Lwt<Integer> outer;

        Merged(Resolver<Integer> inner) {
            this.inner = inner;
            this.outer = source.promise().bind(x -> inner.promise());
        }

        Merged merge() {
            source.resolve(0);
            assertTrue(inner.promise().isProxy(), "the returned promise became a proxy");
            assertFalse(outer.isProxy(), "the outer promise, the one the caller holds, stays underlying");
            return this;
        }
    }

    @Test
    void aProxyReadsAndResolvesAsThePromiseItIsPartOf() {
        Merged m = new Merged(Lwt.pending()).merge();
        assertTrue(m.inner.promise().isPending());
        assertTrue(m.outer.isPending());
        assertThrows(IllegalStateException.class, m.inner.promise()::getNow);
        assertEquals("Resolver[pending]", m.inner.toString());
        m.inner.resolve(5);
        assertEquals(5, m.inner.promise().getNow());
        assertEquals(5, m.outer.getNow());
        assertTrue(m.inner.promise().isFulfilled());
        assertFalse(m.inner.tryResolve(6));
        assertThrows(IllegalStateException.class, () -> m.inner.resolve(6));
        assertThrows(IllegalStateException.class, () -> m.inner.reject(new RuntimeException()));
    }

    @Test
    void aRejectedProxyThrowsTheSameInstanceFromBoth() {
        Merged m = new Merged(Lwt.pending()).merge();
        RuntimeException boom = new RuntimeException("boom");
        m.inner.reject(boom);
        assertSame(boom, assertThrows(RuntimeException.class, m.outer::getNow));
        assertSame(boom, assertThrows(RuntimeException.class, m.inner.promise()::getNow));
        assertTrue(m.inner.promise().isRejected());
    }

    @Test
    void callbacksOfTheReturnedPromiseRunFirstThenTheOuterOnesThenLaterOnesInOrderAdded() {
        Order o = new Order();
        Resolver<Integer> source = Lwt.pending();
        Resolver<Integer> innerR = Lwt.pending();
        Lwt<Integer> outer = source.promise().bind(x -> {
            innerR.promise().map(v -> {
                o.expect(1);                  // added to inner before the merge
                return v;
            });
            return innerR.promise();
        });
        outer.map(v -> {
            o.expect(2);                      // added to outer before the merge
            return v;
        });
        source.resolve(0);
        outer.map(v -> {
            o.expect(3);                      // after the merge: one promise, in the order added
            return v;
        });
        innerR.promise().map(v -> {
            o.expect(4);
            return v;
        });
        outer.map(v -> {
            o.expect(5);
            return v;
        });
        innerR.resolve(1);
        o.finish(6);
    }

    @Test
    void bothPromisesAreResolvedWhenTheFirstCallbackRuns() {
        Resolver<Integer> source = Lwt.pending();
        Resolver<Integer> innerR = Lwt.pending();
        Lwt<Integer> outer = source.promise().bind(x -> innerR.promise());
        source.resolve(0);
        boolean[] seen = new boolean[1];
        innerR.promise().map(v -> {
            seen[0] = true;
            assertEquals(3, outer.getNow());  // a forwarding callback would still have it pending
            return v;
        });
        innerR.resolve(3);
        assertTrue(seen[0]);
    }

    @Test
    void cancellingTheOuterPromiseCancelsTheTaskItWaitsOn() {
        Merged m = new Merged(Lwt.task()).merge();
        Order o = new Order();
        m.inner.promise().onCancel(() -> o.expect(1));
        m.outer.onCancel(() -> o.expect(2));
        m.outer.cancel();
        o.finish(3);
        assertThrows(Lwt.Canceled.class, m.outer::getNow);
        assertThrows(Lwt.Canceled.class, m.inner.promise()::getNow);
        m.inner.resolve(1);                   // a cancelled task ignores its resolver, proxy or not
        assertFalse(m.inner.tryResolve(1));
    }

    @Test
    void cancellingTheProxyCancelsTheOuterPromiseToo() {
        Merged m = new Merged(Lwt.task()).merge();
        m.inner.promise().cancel();
        assertThrows(Lwt.Canceled.class, m.outer::getNow);
    }

    @Test
    void cancelTravelsOnThroughTheProxyToWhatTheReturnedPromiseWaitsOn() {
        Resolver<Integer> source = Lwt.pending();
        Resolver<Integer> deep = Lwt.task();
        Resolver<Integer> gate = Lwt.pending();
        List<Lwt<Integer>> returned = new ArrayList<>();
        Lwt<Integer> outer = source.promise().bind(x -> {
            Lwt<Integer> q = gate.promise().bind(y -> deep.promise());   // waits on gate, then deep
            returned.add(q);
            return q;
        });
        source.resolve(0);
        assertTrue(returned.get(0).isProxy());
        outer.cancel();                       // gate is not cancelable: nothing happens yet
        assertTrue(outer.isPending());
        gate.resolve(0);                      // q's bind function runs through the proxy
        assertTrue(deep.promise().isProxy(), "merged into the same underlying promise");
        outer.cancel();
        assertThrows(Lwt.Canceled.class, outer::getNow);
        assertThrows(Lwt.Canceled.class, deep.promise()::getNow);
    }

    @Test
    void aPendingPromiseReturnedByBindStaysUncancelable() {
        Merged m = new Merged(Lwt.pending()).merge();
        m.outer.cancel();
        m.inner.promise().cancel();
        assertTrue(m.outer.isPending());
        m.inner.resolve(2);
        assertEquals(2, m.outer.getNow());
    }

    @Test
    void aPromiseReturnedByTwoBindsResolvesThemBoth() {
        Resolver<Integer> shared = Lwt.pending();
        Resolver<Integer> a = Lwt.pending();
        Resolver<Integer> b = Lwt.pending();
        Lwt<Integer> ra = a.promise().bind(x -> shared.promise());
        Lwt<Integer> rb = b.promise().bind(x -> shared.promise());
        Lwt<Integer> later = ra.map(v -> v + 1);
        a.resolve(0);
        b.resolve(0);
        shared.resolve(10);
        assertEquals(10, ra.getNow());
        assertEquals(10, rb.getNow());
        assertEquals(11, later.getNow());
    }

    @Test
    void aFunctionReturningAPromiseThatWaitsOnItsOwnResultLeavesBothPendingAndCancelEnds() {
        Resolver<Integer> source = Lwt.task();
        List<Lwt<Integer>> outer = new ArrayList<>();
        outer.add(source.promise().bind(x -> outer.get(0).map(v -> v + 1)));
        source.resolve(0);
        assertTrue(outer.get(0).isPending());
        outer.get(0).cancel();                // a cycle of cancel links: the walk must still end
        assertTrue(outer.get(0).isPending());
    }

    @Test
    void aBindOnAProxyWaitsForTheUnderlyingPromise() {
        Merged m = new Merged(Lwt.pending()).merge();
        Lwt<Integer> viaProxy = m.inner.promise().bind(v -> Lwt.resolved(v * 2));
        Lwt<Integer> recovered = m.inner.promise().recover(e -> Lwt.resolved(-1));
        int[] cleanups = {0};
        Lwt<Integer> done = m.inner.promise().whenDone(() -> cleanups[0]++);
        m.inner.resolve(4);
        assertEquals(8, viaProxy.getNow());
        assertEquals(4, recovered.getNow());
        assertEquals(4, done.getNow());
        assertEquals(1, cleanups[0]);
    }

    @Test
    void combinatorsOverProxiesSeeTheUnderlyingState() {
        Merged m1 = new Merged(Lwt.task()).merge();
        Merged m2 = new Merged(Lwt.task()).merge();
        Lwt<Integer> won = Lwt.pick(List.of(m1.inner.promise(), m2.inner.promise()));
        Lwt<List<Integer>> all = Lwt.all(List.of(m1.inner.promise(), m2.outer));
        assertEquals(2, m2.outer.callbackCount());
        m1.inner.resolve(1);
        assertEquals(1, won.getNow());
        assertThrows(Lwt.Canceled.class, m2.outer::getNow);     // pick cancelled the loser
        assertThrows(Lwt.Canceled.class, all::getNow);
        assertSame(m1.outer, Lwt.choose(List.of(m1.outer, m2.outer)));
    }

    @Test
    void pickRemovesItsCallbackFromALoserThatBecameAProxyAfterwards() {
        Resolver<Integer> source = Lwt.pending();
        Resolver<Integer> loser = Lwt.pending();
        Resolver<Integer> winner = Lwt.pending();
        Lwt<Integer> picked = Lwt.choose(List.of(loser.promise(), winner.promise()));
        Lwt<Integer> outer = source.promise().bind(x -> loser.promise());
        source.resolve(0);                    // the loser, with choose's callback, merges into outer
        assertEquals(1, outer.callbackCount());
        winner.resolve(1);
        assertEquals(1, picked.getNow());
        assertEquals(0, outer.callbackCount(), "the moved callback was found and removed");
    }

    @Test
    void aFiberAwaitingAProxyIsCancelledCleanly() {
        LwtMain.run(() -> {
            Merged m = new Merged(Lwt.task());
            List<String> log = new ArrayList<>();
            Lwt<Void> fiber = LwtFiber.start(() -> {
                try {
                    LwtFiber.await(m.inner.promise());
                    log.add("returned");
                } catch (Lwt.Canceled c) {
                    log.add("cancelled");
                }
                return null;
            });
            m.merge();                        // the fiber's callback moves to the outer promise
            assertEquals(1, m.outer.callbackCount());
            fiber.cancel();
            assertEquals(List.of("cancelled"), log);
            assertEquals(0, m.outer.callbackCount(), "the fiber's callback was removed");
            assertThrows(Lwt.Canceled.class, m.outer::getNow);  // and what it waited on cancelled
            return Lwt.resolved(null);
        });
    }

    @Test
    void aFiberReturnedByABindFunctionIsProxiedAndStillCancelable() {
        LwtMain.run(() -> {
            Resolver<Integer> source = Lwt.pending();
            Resolver<Integer> gate = Lwt.pending();
            List<String> log = new ArrayList<>();
            List<Lwt<Integer>> fibers = new ArrayList<>();
            Lwt<Integer> outer = source.promise().bind(x -> {
                Lwt<Integer> f = LwtFiber.start(() -> {
                    try {
                        return LwtFiber.await(gate.promise());
                    } finally {
                        log.add("finally");
                    }
                });
                fibers.add(f);
                return f;
            });
            source.resolve(0);
            assertTrue(fibers.get(0).isProxy());
            outer.cancel();
            assertEquals(List.of("finally"), log);
            assertThrows(Lwt.Canceled.class, outer::getNow);
            assertThrows(Lwt.Canceled.class, fibers.get(0)::getNow);
            return Lwt.resolved(null);
        });
    }

    @Test
    void aLongChainOfProxiesIsShortenedAndAnswers() {
        // Each level's function returns the previous level's outer promise: a chain of proxies.
        Resolver<Integer> bottom = Lwt.pending();
        Lwt<Integer> current = bottom.promise();
        List<Resolver<Integer>> sources = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            Resolver<Integer> s = Lwt.pending();
            sources.add(s);
            Lwt<Integer> returned = current;
            current = s.promise().bind(x -> returned);
        }
        for (Resolver<Integer> s : sources) {
            s.resolve(0);
        }
        assertTrue(bottom.promise().isPending());
        bottom.resolve(9);
        assertEquals(9, current.getNow());
        assertEquals(9, bottom.promise().getNow());
    }

    @Test
    void aToolkitWaiterReturnedByABindFunctionKeepsItsDescriptionAndItsCancelPath() {
        LwtMutex m = new LwtMutex();
        assertTrue(m.lock().isFulfilled());   // held: the next lock waits
        Resolver<Integer> source = Lwt.pending();
        List<Lwt<Void>> locks = new ArrayList<>();
        Lwt<Void> outer = source.promise().bind(x -> {
            Lwt<Void> l = m.lock();
            locks.add(l);
            return l;
        });
        source.resolve(0);
        assertTrue(locks.get(0).isProxy());
        String waits = outer.waitsFor();
        assertTrue(waits != null && waits.contains("lock()"), "waitsFor: " + waits);
        assertEquals(waits, locks.get(0).waitsFor());
        outer.cancel();                       // the waiter leaves the queue: the lock is not granted to it
        assertThrows(Lwt.Canceled.class, locks.get(0)::getNow);
        assertFalse(m.hasWaiters());
        m.unlock();
        assertFalse(m.isLocked());
    }
}
