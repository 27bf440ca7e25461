package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lwt's "cancel" suite: tasks, onCancel, propagation through bind/map/recover/whenDone. */
class CancelTest {

    @Test
    void cancellingATaskRejectsItWithCanceled() {
        Resolver<Integer> t = Lwt.task();
        t.promise().cancel();
        assertTrue(t.promise().isRejected());
        assertThrows(Lwt.Canceled.class, t.promise()::getNow);
    }

    @Test
    void cancellingAPendingPromiseDoesNothing() {
        Resolver<Integer> w = Lwt.pending();
        w.promise().cancel();
        assertTrue(w.promise().isPending());
        w.resolve(1);                                     // still resolvable
        assertTrue(w.promise().isFulfilled());
    }

    @Test
    void cancellingAResolvedPromiseDoesNothing() {
        Lwt<Integer> p = Lwt.resolved(1);
        p.cancel();
        assertTrue(p.isFulfilled());
    }

    @Test
    void onCancelCallbacksRunBeforeTheOthersInTheirOwnOrder() {
        Order o = new Order();
        Resolver<Integer> t = Lwt.task();
        Lwt<Integer> p = t.promise();
        p.recover(e -> {
            o.expect(3);
            return Lwt.resolved(0);
        });
        assertSame(p, p.onCancel(() -> o.expect(1)));
        p.onCancel(() -> o.expect(2));
        p.recover(e -> {
            o.expect(4);
            return Lwt.resolved(0);
        });
        p.cancel();
        o.finish(5);
    }

    @Test
    void onCancelOnAnAlreadyCancelledPromiseRunsAtOnce() {
        Order o = new Order();
        Resolver<Integer> t = Lwt.task();
        t.promise().cancel();
        t.promise().onCancel(() -> o.expect(1));
        o.finish(2);
    }

    @Test
    void onCancelNeverRunsWhenThePromiseResolvesOtherwise() {
        Order o = new Order();
        Resolver<Integer> t = Lwt.task();
        t.promise().onCancel(() -> o.unreached("onCancel after a fulfilment"));
        t.resolve(1);
        t.promise().onCancel(() -> o.unreached("onCancel on a fulfilled promise"));
        Resolver<Integer> u = Lwt.task();
        u.promise().onCancel(() -> o.unreached("onCancel after a plain rejection"));
        u.reject(new RuntimeException());
        o.finish(1);
    }

    @Test
    void onCancelRunsWhenRejectedWithCanceledByHand() {
        Order o = new Order();
        Resolver<Integer> w = Lwt.pending();
        w.promise().onCancel(() -> o.expect(1));
        w.reject(new Lwt.Canceled());                     // as Lwt: any rejection with Canceled
        o.finish(2);
    }

    @Test
    void cancelTravelsBackThroughBindAndMapToTheTask() {
        Order o = new Order();
        Resolver<Integer> t = Lwt.task();
        t.promise().onCancel(() -> o.expect(1));
        Lwt<Integer> q = t.promise()
                .bind(x -> {
                    o.unreached("bind's f after cancel");
                    return Lwt.resolved(x);
                })
                .map(x -> x + 1);
        q.cancel();
        assertThrows(Lwt.Canceled.class, t.promise()::getNow);
        assertThrows(Lwt.Canceled.class, q::getNow);
        o.finish(2);
    }

    @Test
    void cancelReachesThePromiseThatBindsFunctionReturned() {
        Resolver<Integer> first = Lwt.task();
        Resolver<Integer> second = Lwt.task();
        Lwt<Integer> q = first.promise().bind(x -> second.promise());
        first.resolve(1);
        q.cancel();
        assertTrue(first.promise().isFulfilled());
        assertThrows(Lwt.Canceled.class, second.promise()::getNow);
        assertThrows(Lwt.Canceled.class, q::getNow);
    }

    @Test
    void cancelTravelsThroughRecoverAndWhenDone() {
        Resolver<Integer> t = Lwt.task();
        List<String> seen = new ArrayList<>();
        Lwt<Integer> q = t.promise()
                .whenDone(() -> seen.add("cleanup"))
                .recover(e -> {
                    seen.add(e.getClass().getSimpleName());
                    return Lwt.failed(e);
                });
        q.cancel();
        assertThrows(Lwt.Canceled.class, t.promise()::getNow);
        assertThrows(Lwt.Canceled.class, q::getNow);
        assertTrue(seen.equals(List.of("cleanup", "Canceled")), seen.toString());
    }

    @Test
    void aChainEndingInAPendingPromiseIsNotCancelable() {
        Resolver<Integer> w = Lwt.pending();
        Lwt<Integer> q = w.promise().map(x -> x + 1);
        q.cancel();
        assertTrue(w.promise().isPending());
        assertTrue(q.isPending());
        w.resolve(1);
        assertTrue(q.isFulfilled());
    }

    @Test
    void cancelWalksAMillionBindsWithoutOverflow() {
        Resolver<Integer> t = Lwt.task();
        Lwt<Integer> q = t.promise();
        for (int i = 0; i < 1_000_000; i++) {
            q = q.map(x -> x + 1);
        }
        q.cancel();
        assertThrows(Lwt.Canceled.class, q::getNow);
    }

    @Test
    void cancelEndsOnACycleOfWaits() {
        Resolver<Integer> t = Lwt.task();
        Lwt<Integer>[] self = newArray();
        Lwt<Integer> q = t.promise().bind(x -> self[0].map(y -> y));   // waits on itself
        self[0] = q;
        t.resolve(1);                                     // q now waits on q.map(..), which waits on q
        q.cancel();                                       // terminates; nothing cancelable on the way
        assertTrue(q.isPending());
    }

    @SuppressWarnings("unchecked")
    private static Lwt<Integer>[] newArray() {
        return (Lwt<Integer>[]) new Lwt<?>[1];
    }

    @Test
    void cancelFromAnotherThreadThrows() throws Exception {
        Resolver<Integer> t = Lwt.task();
        Throwable[] got = new Throwable[1];
        Thread th = new Thread(() -> {
            try {
                t.promise().cancel();
            } catch (Throwable x) {
                got[0] = x;
            }
        });
        th.start();
        th.join();
        assertTrue(got[0] instanceof IllegalStateException, String.valueOf(got[0]));
        assertFalse(t.promise().isRejected());
    }

    @Test
    void anOnCancelCallbackThatThrowsGoesToTheAsyncHandler() {
        IllegalStateException x = new IllegalStateException("from onCancel");
        List<Throwable> handled = new ArrayList<>();
        Support.inLoop(() -> {
            LwtMain.setAsyncExceptionHandler(handled::add);
            Resolver<Integer> t = Lwt.task();
            t.promise().onCancel(() -> {
                throw x;
            });
            t.promise().cancel();
            assertThrows(Lwt.Canceled.class, t.promise()::getNow);
        });
        assertTrue(handled.size() == 1 && handled.get(0) == x, handled.toString());
    }
}
