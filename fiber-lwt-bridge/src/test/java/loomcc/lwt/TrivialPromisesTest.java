package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Lwt's "trivial promises" and "double resolve" suites: states, getNow, resolvers. */
class TrivialPromisesTest {

    @Test
    void resolvedIsFulfilled() {
        Lwt<String> p = Lwt.resolved("a");
        assertTrue(p.isFulfilled());
        assertFalse(p.isPending());
        assertFalse(p.isRejected());
        assertEquals("a", p.getNow());
        assertNull(Lwt.resolved(null).getNow());
    }

    @Test
    void failedIsRejectedAndGetNowThrowsTheSameCheckedInstance() {
        IOException x = new IOException("boom");
        Lwt<String> p = Lwt.failed(x);
        assertTrue(p.isRejected());
        assertFalse(p.isFulfilled());
        IOException thrown = assertThrows(IOException.class, p::getNow);
        assertSame(x, thrown);
    }

    @Test
    void failedNullIsRejectedAtOnce() {
        assertThrows(NullPointerException.class, () -> Lwt.failed(null));
    }

    @Test
    void pendingGetNowThrowsIllegalState() {
        Resolver<Integer> r = Lwt.pending();
        assertTrue(r.promise().isPending());
        IllegalStateException e = assertThrows(IllegalStateException.class, r.promise()::getNow);
        assertTrue(e.getMessage().contains("pending"), e.getMessage());
    }

    @Test
    void resolveFulfils() {
        Resolver<Integer> r = Lwt.pending();
        r.resolve(7);
        assertTrue(r.promise().isFulfilled());
        assertEquals(7, r.promise().getNow());
    }

    @Test
    void rejectRejects() {
        Resolver<Integer> r = Lwt.pending();
        RuntimeException x = new RuntimeException();
        r.reject(x);
        assertSame(x, assertThrows(RuntimeException.class, r.promise()::getNow));
    }

    @Test
    void resolveTwiceThrows() {
        Resolver<Integer> r = Lwt.pending();
        r.resolve(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.resolve(2));
        assertTrue(e.getMessage().contains("already fulfilled"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> r.reject(new RuntimeException()));
        assertEquals(1, r.promise().getNow());
    }

    @Test
    void rejectThenResolveThrows() {
        Resolver<Integer> r = Lwt.pending();
        r.reject(new IOException());
        assertThrows(IllegalStateException.class, () -> r.resolve(2));
    }

    @Test
    void tryResolveAndTryRejectReturnFalseOnceResolved() {
        Resolver<Integer> r = Lwt.pending();
        assertTrue(r.tryResolve(1));
        assertFalse(r.tryResolve(2));
        assertFalse(r.tryReject(new RuntimeException()));
        assertEquals(1, r.promise().getNow());
    }

    @Test
    void rejectNullThrows() {
        Resolver<Integer> r = Lwt.pending();
        assertThrows(NullPointerException.class, () -> r.reject(null));
        assertThrows(NullPointerException.class, () -> r.tryReject(null));
        assertTrue(r.promise().isPending());
    }

    @Test
    void resolvingACancelledTaskIsIgnored() {
        Resolver<Integer> r = Lwt.task();
        r.promise().cancel();
        r.resolve(1);                                  // as Lwt: ignored, no exception
        r.reject(new RuntimeException());
        assertFalse(r.tryResolve(2));
        assertThrows(Lwt.Canceled.class, r.promise()::getNow);
    }

    @Test
    void resolvingFromAnotherThreadThrows() throws Exception {
        Resolver<Integer> r = Lwt.pending();
        CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
            try {
                r.resolve(1);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Throwable t = f.get();
        assertTrue(t instanceof IllegalStateException, String.valueOf(t));
        assertTrue(t.getMessage().contains("runInMain"), t.getMessage());
        assertTrue(r.promise().isPending());
    }

    @Test
    void aResolvedPromiseCanBeReadFromAnotherThread() throws ExecutionException, InterruptedException {
        Lwt<Integer> p = Lwt.resolved(3);
        assertEquals(4, CompletableFuture.supplyAsync(() -> p.map(x -> x + 1).getNow()).get());
    }

    @Test
    void canceledHasAPublicNoArgConstructorAndIsACancellationException() {
        java.util.concurrent.CancellationException c = new Lwt.Canceled();
        assertTrue(c instanceof Lwt.Canceled);
    }
}
