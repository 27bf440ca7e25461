package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lwt's "async" suite, and the async-exception handler of a loop. */
class AsyncTest {

    @Test
    void asyncRunsFAtOnce() {
        Order o = new Order();
        o.expect(1);
        Lwt.async(() -> {
            o.expect(2);
            return Lwt.resolved(null);
        });
        o.finish(3);
    }

    @Test
    void theDefaultHandlerStopsTheLoopAndRunThrowsTheFailure() {
        IOException x = new IOException("async failure");
        Order o = new Order();
        IOException thrown = assertThrows(IOException.class, () -> LwtMain.runWithVirtualClock(() -> {
            Lwt.async(() -> LwtUnix.sleep(0.01).bind(v -> {
                o.expect(1);
                return Lwt.failed(x);
            }));
            return Lwt.pending().promise();               // main never resolves by itself
        }));
        assertSame(x, thrown);
        o.finish(2);
    }

    @Test
    void whatFThrowsGoesToTheHandler() {
        IllegalStateException x = new IllegalStateException();
        assertSame(x, assertThrows(IllegalStateException.class, () -> LwtMain.run(() -> {
            Lwt.async(() -> {
                throw x;
            });
            return LwtUnix.sleep(5);
        })));
    }

    @Test
    void aCustomHandlerGetsEveryFailureAndTheLoopGoesOn() {
        List<Throwable> handled = new ArrayList<>();
        RuntimeException x = new RuntimeException("1");
        RuntimeException y = new RuntimeException("2");
        int v = LwtMain.run(() -> {
            LwtMain.setAsyncExceptionHandler(handled::add);
            Lwt.async(() -> Lwt.failed(x));
            Lwt.async(() -> Lwt.pause().bind(ignored -> Lwt.failed(y)));
            Lwt.async(() -> Lwt.resolved(1));             // success: nothing reported
            return Lwt.pause().bind(ignored -> Lwt.pause()).map(ignored -> 7);
        });
        assertEquals(7, v);
        assertEquals(List.of(x, y), handled);
    }

    @Test
    void aHandlerThatThrowsStopsTheLoop() {
        RuntimeException x = new RuntimeException("reported");
        IllegalStateException y = new IllegalStateException("from the handler");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> LwtMain.run(() -> {
            LwtMain.setAsyncExceptionHandler(t -> {
                throw y;
            });
            Lwt.async(() -> Lwt.failed(x));
            return Lwt.pending().promise();
        }));
        assertSame(y, thrown);
        assertSame(x, thrown.getSuppressed()[0]);
    }

    @Test
    void aCanceledAsyncPromiseIsReportedAsInLwt() {
        List<Throwable> handled = new ArrayList<>();
        LwtMain.run(() -> {
            LwtMain.setAsyncExceptionHandler(handled::add);
            Resolver<Void> t = Lwt.task();
            Lwt.async(t::promise);
            t.promise().cancel();
            return Lwt.resolved(null);
        });
        assertEquals(1, handled.size());
        assertTrue(handled.get(0) instanceof Lwt.Canceled);
    }

    @Test
    void outsideALoopAFailureIsThrownFromAsync() {
        IOException x = new IOException();
        assertSame(x, assertThrows(IOException.class, () -> Lwt.async(() -> Lwt.failed(x))));
    }

    @Test
    void outsideALoopALaterFailureIsThrownFromTheResolveThatCausedItAfterItsCallbacks() {
        Order o = new Order();
        IOException x = new IOException();
        Resolver<Void> r = Lwt.pending();
        Lwt.async(() -> r.promise().bind(v -> Lwt.failed(x)));
        r.promise().map(v -> {
            o.expect(1);                                  // the other callbacks still ran
            return null;
        });
        assertSame(x, assertThrows(IOException.class, () -> r.resolve(null)));
        assertTrue(r.promise().isFulfilled());
        o.finish(2);
    }

    @Test
    void setAsyncExceptionHandlerOutsideALoopThrows() {
        assertThrows(IllegalStateException.class, () -> LwtMain.setAsyncExceptionHandler(t -> {}));
    }
}
