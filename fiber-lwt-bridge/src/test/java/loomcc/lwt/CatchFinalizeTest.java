package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Lwt's "catch" and "finalize" suites: recover and whenDone. */
class CatchFinalizeTest {

    @Test
    void recoverGetsTheSameExceptionAndReplacesTheOutcome() {
        IOException x = new IOException();
        Lwt<Integer> q = Lwt.<Integer>failed(x).recover(e -> {
            assertSame(x, e);
            return Lwt.resolved(42);
        });
        assertEquals(42, q.getNow());
    }

    @Test
    void recoverOnAFulfilledPromiseKeepsTheValueAndSkipsTheHandler() {
        Lwt<Integer> q = Lwt.resolved(1).recover(e -> {
            throw new AssertionError("handler ran on success");
        });
        assertEquals(1, q.getNow());
    }

    @Test
    void recoverOnAPendingPromiseWaits() {
        Order o = new Order();
        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q = r.promise().recover(e -> {
            o.expect(2);
            return Lwt.resolved(-1);
        });
        o.expect(1);
        r.reject(new RuntimeException());
        assertEquals(-1, q.getNow());
        o.finish(3);
    }

    @Test
    void anExceptionFromTheHandlerRejectsTheResult() {
        IllegalStateException y = new IllegalStateException();
        Lwt<Integer> q = Lwt.<Integer>failed(new IOException()).recover(e -> {
            throw y;
        });
        assertSame(y, assertThrows(IllegalStateException.class, q::getNow));
    }

    @Test
    void recoverCatchesCanceledToo() {
        Resolver<Integer> t = Lwt.task();
        Lwt<Integer> q = t.promise().recover(e -> Lwt.resolved(e instanceof Lwt.Canceled ? 1 : 0));
        t.promise().cancel();
        assertEquals(1, q.getNow());
    }

    @Test
    void whenDoneRunsOnSuccess() {
        Order o = new Order();
        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q = r.promise().whenDone(() -> o.expect(2));
        o.expect(1);
        r.resolve(5);
        assertEquals(5, q.getNow());
        o.finish(3);
    }

    @Test
    void whenDoneRunsOnFailureAndKeepsTheError() {
        Order o = new Order();
        IOException x = new IOException();
        Lwt<Integer> q = Lwt.<Integer>failed(x).whenDone(() -> o.expect(1));
        assertSame(x, assertThrows(IOException.class, q::getNow));
        o.finish(2);
    }

    @Test
    void aFailingCleanupRejectsAFulfilledPromise() {
        IllegalStateException c = new IllegalStateException("cleanup");
        Lwt<Integer> q = Lwt.resolved(1).whenDone(() -> {
            throw c;
        });
        assertSame(c, assertThrows(IllegalStateException.class, q::getNow));
    }

    @Test
    void whenBothFailThePromisesErrorWinsAndTheCleanupsIsSuppressed() {
        IOException x = new IOException("work");
        IllegalStateException c = new IllegalStateException("cleanup");
        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q = r.promise().whenDone(() -> {
            throw c;
        });
        r.reject(x);
        IOException thrown = assertThrows(IOException.class, q::getNow);
        assertSame(x, thrown);
        assertArrayEquals(new Throwable[] {c}, thrown.getSuppressed());
    }

    @Test
    void whenDoneRunsWhenCancelled() {
        Order o = new Order();
        Resolver<Integer> t = Lwt.task();
        Lwt<Integer> q = t.promise().whenDone(() -> o.expect(1));
        q.cancel();
        assertThrows(Lwt.Canceled.class, q::getNow);
        assertTrue(t.promise().isRejected());
        o.finish(2);
    }
}
