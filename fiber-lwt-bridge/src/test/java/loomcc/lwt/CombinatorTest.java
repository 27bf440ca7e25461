package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lwt's "pick/choose/join/all/both" suites. */
class CombinatorTest {

    @Test
    void allGivesTheValuesInListOrder() {
        Resolver<Integer> a = Lwt.pending();
        Resolver<Integer> b = Lwt.pending();
        Lwt<List<Integer>> all = Lwt.all(List.of(a.promise(), b.promise(), Lwt.resolved(3)));
        b.resolve(2);
        assertTrue(all.isPending());
        a.resolve(1);
        assertEquals(List.of(1, 2, 3), all.getNow());
        assertThrows(UnsupportedOperationException.class, () -> all.getNow().add(4));
    }

    @Test
    void allOfNothingIsAnEmptyList() {
        assertEquals(List.of(), Lwt.all(List.<Lwt<Integer>>of()).getNow());
    }

    @Test
    void allWaitsForEveryInputThenFailsWithTheFirstFailureToHappen() {
        Resolver<Integer> a = Lwt.pending();
        Resolver<Integer> b = Lwt.pending();
        Resolver<Integer> c = Lwt.pending();
        Lwt<List<Integer>> all = Lwt.all(List.of(a.promise(), b.promise(), c.promise()));
        IOException second = new IOException("b, first to fail");
        b.reject(second);
        assertTrue(all.isPending(), "all must wait for every input");
        a.reject(new IOException("a, later"));
        assertTrue(all.isPending());
        c.resolve(3);
        assertSame(second, assertThrows(IOException.class, all::getNow));
    }

    @Test
    void allWithSeveralAlreadyRejectedFailsWithTheFirstInListOrder() {
        IOException x = new IOException("x");
        Lwt<List<Integer>> all = Lwt.all(List.of(Lwt.resolved(1), Lwt.failed(x), Lwt.failed(new IOException())));
        assertSame(x, assertThrows(IOException.class, all::getNow));
    }

    @Test
    void joinAndBoth() {
        Resolver<String> a = Lwt.pending();
        Resolver<Integer> b = Lwt.pending();
        Lwt<Void> j = Lwt.join(List.of(a.promise(), b.promise()));
        Lwt<Void> both = Lwt.both(a.promise(), b.promise());
        a.resolve("a");
        assertTrue(j.isPending());
        assertTrue(both.isPending());
        b.resolve(1);
        assertNull(j.getNow());
        assertNull(both.getNow());
        assertTrue(Lwt.join(List.of()).isFulfilled());
    }

    @Test
    void bothWaitsForTheOtherBeforeFailing() {
        Resolver<String> a = Lwt.pending();
        Resolver<Integer> b = Lwt.pending();
        Lwt<Void> both = Lwt.both(a.promise(), b.promise());
        RuntimeException x = new RuntimeException();
        a.reject(x);
        assertTrue(both.isPending());
        b.resolve(2);
        assertSame(x, assertThrows(RuntimeException.class, both::getNow));
    }

    @Test
    void cancellingJoinCancelsEveryInput() {
        Resolver<Integer> a = Lwt.task();
        Resolver<Integer> b = Lwt.task();
        Lwt<Void> j = Lwt.join(List.of(a.promise(), b.promise()));
        j.cancel();
        assertThrows(Lwt.Canceled.class, a.promise()::getNow);
        assertThrows(Lwt.Canceled.class, b.promise()::getNow);
        assertThrows(Lwt.Canceled.class, j::getNow);
    }

    @Test
    void pickTakesTheFirstToResolveAndCancelsTheOthers() {
        Resolver<Integer> a = Lwt.task();
        Resolver<Integer> b = Lwt.task();
        Resolver<Integer> c = Lwt.pending();
        Lwt<Integer> p = Lwt.pick(List.of(a.promise(), b.promise(), c.promise()));
        assertTrue(p.isPending());
        b.resolve(2);
        assertEquals(2, p.getNow());
        assertThrows(Lwt.Canceled.class, a.promise()::getNow);
        assertTrue(c.promise().isPending(), "a pending() loser is not cancelable");
    }

    @Test
    void pickTakesARejectionToo() {
        Resolver<Integer> a = Lwt.task();
        Resolver<Integer> b = Lwt.task();
        Lwt<Integer> p = Lwt.pick(List.of(a.promise(), b.promise()));
        IOException x = new IOException();
        a.reject(x);
        assertSame(x, assertThrows(IOException.class, p::getNow));
        assertThrows(Lwt.Canceled.class, b.promise()::getNow);
    }

    @Test
    void pickWithSeveralResolvedTakesTheFirstInListOrder() {
        Resolver<Integer> t = Lwt.task();
        Lwt<Integer> p = Lwt.pick(List.of(t.promise(), Lwt.resolved(1), Lwt.failed(new IOException()), Lwt.resolved(3)));
        assertEquals(1, p.getNow());
        assertThrows(Lwt.Canceled.class, t.promise()::getNow);
        assertEquals(2, Lwt.choose(List.of(Lwt.resolved(2), Lwt.resolved(1))).getNow());
    }

    @Test
    void chooseLeavesTheOthersAlone() {
        Resolver<Integer> a = Lwt.task();
        Resolver<Integer> b = Lwt.task();
        Lwt<Integer> p = Lwt.choose(List.of(a.promise(), b.promise()));
        a.resolve(1);
        assertEquals(1, p.getNow());
        assertTrue(b.promise().isPending());
        assertEquals(0, b.promise().callbackCount(), "choose's callback stays on the loser");
    }

    @Test
    void cancellingPickCancelsEveryInput() {
        Resolver<Integer> a = Lwt.task();
        Resolver<Integer> b = Lwt.task();
        Lwt<Integer> p = Lwt.pick(List.of(a.promise(), b.promise()));
        p.cancel();
        assertThrows(Lwt.Canceled.class, a.promise()::getNow);
        assertThrows(Lwt.Canceled.class, b.promise()::getNow);
        assertThrows(Lwt.Canceled.class, p::getNow);
    }

    @Test
    void emptyListsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Lwt.pick(List.<Lwt<Integer>>of()));
        assertThrows(IllegalArgumentException.class, () -> Lwt.choose(List.<Lwt<Integer>>of()));
    }

    @Test
    void nullElementsAreRejected() {
        List<Lwt<Integer>> withNull = Arrays.asList(Lwt.resolved(1), null);
        NullPointerException e = assertThrows(NullPointerException.class, () -> Lwt.pick(withNull));
        assertTrue(e.getMessage().contains("index 1"), e.getMessage());
        assertThrows(NullPointerException.class, () -> Lwt.all(withNull));
        assertThrows(NullPointerException.class, () -> Lwt.both(null, Lwt.resolved(1)));
    }

    @Test
    void aHundredThousandPicksAgainstOneNeverResolvingPromiseLeaveItsCallbackListEmpty() {
        Resolver<Integer> never = Lwt.pending();
        Resolver<Integer> neverTask = Lwt.task();
        int max = 0;
        for (int i = 0; i < 100_000; i++) {
            Resolver<Integer> t = Lwt.task();
            Lwt<Integer> p = (i % 2 == 0)
                    ? Lwt.pick(List.of(never.promise(), neverTask.promise(), t.promise()))
                    : Lwt.choose(List.of(never.promise(), t.promise()));
            max = Math.max(max, never.promise().callbackCount());
            t.resolve(i);
            assertEquals(i, p.getNow());
            if (i % 2 == 0) {
                assertTrue(neverTask.promise().isRejected());
                neverTask = Lwt.task();
            }
        }
        assertEquals(1, max, "one pick at a time registers one callback");
        assertEquals(0, never.promise().callbackCount());
        assertFalse(never.promise().isRejected());
    }

    @Test
    void pickInsideALoopWithSleeps() {
        List<String> log = new ArrayList<>();
        String v = LwtMain.runWithVirtualClock(() -> Lwt.pick(List.of(
                LwtUnix.sleep(5).map(x -> "slow"),
                LwtUnix.sleep(0.01).map(x -> "fast").whenDone(() -> log.add("fast done")))));
        assertEquals("fast", v);
        assertEquals(List.of("fast done"), log);
    }
}
