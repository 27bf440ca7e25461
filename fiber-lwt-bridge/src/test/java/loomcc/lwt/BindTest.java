package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lwt's "bind" and "map" suites, plus bounded re-entrancy. */
class BindTest {

    @Test
    void bindOnAResolvedPromiseRunsAtOnce() {
        Order o = new Order();
        o.expect(1);
        Lwt<Integer> q = Lwt.resolved(1).bind(x -> {
            o.expect(2);
            return Lwt.resolved(x + 1);
        });
        o.expect(3);
        assertEquals(2, q.getNow());
        o.finish(4);
    }

    @Test
    void bindOnAPendingPromiseRunsAtResolution() {
        Order o = new Order();
        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q = r.promise().bind(x -> {
            o.expect(2);
            return Lwt.resolved(x * 10);
        });
        o.expect(1);
        assertTrue(q.isPending());
        r.resolve(4);
        assertEquals(40, q.getNow());
        o.finish(3);
    }

    @Test
    void callbacksRunInRegistrationOrder() {
        Order o = new Order();
        Resolver<Void> r = Lwt.pending();
        for (int i = 1; i <= 5; i++) {
            int step = i;
            r.promise().map(v -> {
                o.expect(step);
                return null;
            });
        }
        r.resolve(null);
        o.finish(6);
    }

    @Test
    void aCallbackAddedDuringResolutionRunsAfterTheOnesAlreadyThere() {
        Order o = new Order();
        Resolver<Void> r = Lwt.pending();
        Lwt<Void> p = r.promise();
        p.map(v -> {
            o.expect(1);
            p.map(w -> {
                o.expect(3);
                return null;
            });
            return null;
        });
        p.map(v -> {
            o.expect(2);
            return null;
        });
        r.resolve(null);
        o.finish(4);
    }

    @Test
    void bindOnARejectedPromiseSkipsTheFunction() {
        IOException x = new IOException();
        Lwt<Integer> q = Lwt.<Integer>failed(x).bind(v -> {
            throw new AssertionError("f ran on a rejected promise");
        });
        assertSame(x, assertThrows(IOException.class, q::getNow));

        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q2 = r.promise().bind(v -> {
            throw new AssertionError("f ran on a rejected promise");
        });
        r.reject(x);
        assertSame(x, assertThrows(IOException.class, q2::getNow));
    }

    @Test
    void anExceptionFromFRejectsTheResultAndNeverEscapesBind() {
        IOException x = new IOException("checked, thrown sneakily");
        Lwt<Integer> q = Lwt.resolved(1).bind(v -> Support.sneak(x));
        assertSame(x, assertThrows(IOException.class, q::getNow));

        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q2 = r.promise().bind(v -> Support.sneak(x));
        r.resolve(1);
        assertSame(x, assertThrows(IOException.class, q2::getNow));
    }

    @Test
    void fReturningNullRejectsWithNullPointerException() {
        Lwt<Integer> q = Lwt.resolved(1).bind(v -> null);
        NullPointerException e = assertThrows(NullPointerException.class, q::getNow);
        assertTrue(e.getMessage().contains("returned null"), e.getMessage());
    }

    @Test
    void theResultFollowsThePromiseThatFReturned() {
        Resolver<Integer> inner = Lwt.pending();
        Resolver<Integer> outer = Lwt.pending();
        Lwt<Integer> q = outer.promise().bind(v -> inner.promise().map(w -> v + w));
        outer.resolve(1);
        assertTrue(q.isPending());
        inner.resolve(2);
        assertEquals(3, q.getNow());
    }

    @Test
    void mapAppliesAndRejects() {
        assertEquals(6, Lwt.resolved(3).map(x -> x * 2).getNow());
        RuntimeException x = new IllegalArgumentException();
        Lwt<Integer> q = Lwt.resolved(3).map(v -> {
            throw x;
        });
        assertSame(x, assertThrows(IllegalArgumentException.class, q::getNow));
        Resolver<Integer> r = Lwt.pending();
        Lwt<String> s = r.promise().map(String::valueOf);
        r.resolve(9);
        assertEquals("9", s.getNow());
    }

    @Test
    void nullFunctionsAreRejectedAtOnce() {
        assertThrows(NullPointerException.class, () -> Lwt.resolved(1).bind(null));
        assertThrows(NullPointerException.class, () -> Lwt.resolved(1).map(null));
        assertThrows(NullPointerException.class, () -> Lwt.resolved(1).recover(null));
        assertThrows(NullPointerException.class, () -> Lwt.resolved(1).whenDone(null));
    }

    // ---- bounded re-entrancy ----

    @Test
    void aMillionBindChainOnOnePendingPromiseDoesNotOverflow() {
        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q = r.promise();
        for (int i = 0; i < 1_000_000; i++) {
            q = q.bind(x -> Lwt.resolved(x + 1));
        }
        r.resolve(0);
        assertEquals(1_000_000, q.getNow());
    }

    @Test
    void aMillionBindsOnTheSamePendingPromiseRunInOrder() {
        Resolver<Integer> r = Lwt.pending();
        int[] next = {0};
        List<Lwt<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
            int expected = i;
            Lwt<Integer> q = r.promise().bind(x -> {
                assertEquals(expected, next[0]++);
                return Lwt.resolved(x);
            });
            if (i % 100_000 == 0) {
                results.add(q);
            }
        }
        r.resolve(5);
        assertEquals(1_000_000, next[0]);
        results.forEach(q -> assertEquals(5, q.getNow()));
    }

    @Test
    void aMillionPromisesEachResolvedFromThePreviousOnesCallbackDoNotOverflow() {
        int n = 1_000_000;
        List<Resolver<Integer>> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rs.add(Lwt.pending());
        }
        for (int i = 0; i + 1 < n; i++) {
            Resolver<Integer> nextOne = rs.get(i + 1);
            rs.get(i).promise().map(v -> {
                nextOne.resolve(v + 1);
                return null;
            });
        }
        rs.get(0).resolve(0);
        assertEquals(n - 1, rs.get(n - 1).promise().getNow());
    }

    private static Lwt<Integer> countDown(int n) {
        return n == 0 ? Lwt.resolved(0) : Lwt.resolved(n).bind(x -> countDown(x - 1).map(y -> y + 1));
    }

    @Test
    void aMillionDeepRecursionThroughResolvedBindsDoesNotOverflow() {
        assertEquals(1_000_000, countDown(1_000_000).getNow());
    }

    @Test
    void theSameChainsWorkInsideALoop() {
        int v = Support.inLoop(() -> {
            Resolver<Integer> r = Lwt.pending();
            Lwt<Integer> q = r.promise();
            for (int i = 0; i < 20_000; i++) {
                q = q.bind(x -> Lwt.pause().map(ignored -> x + 1));
            }
            r.resolve(0);
            return q;
        });
        assertEquals(20_000, v);
    }

    @Test
    void aRejectionTravelsTheWholeChainAsTheSameInstance() {
        Resolver<Integer> r = Lwt.pending();
        Lwt<Integer> q = r.promise();
        for (int i = 0; i < 100_000; i++) {
            q = q.map(x -> x + 1);
        }
        IOException x = new IOException();
        r.reject(x);
        assertInstanceOf(IOException.class, assertThrows(IOException.class, q::getNow));
        assertSame(x, assertThrows(IOException.class, q::getNow));
    }
}
