package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code LwtFiber.await} on any {@code CompletionStage} (issue: the JDK's minimal stages refuse
 * {@code isDone()}; a stage need not be a {@code Future} at all).
 */
class FiberStageTest {

    @Test
    void completedStageAnswersAtOnce() {
        assertEquals("x", inFiber(() -> LwtFiber.await(CompletableFuture.completedStage("x"))));
    }

    @Test
    void failedStageThrowsItsExceptionAsItself() {
        IOException io = new IOException("no");
        Object t = FiberStageTest.<Object>inFiber(() -> {
            try {
                return LwtFiber.await(CompletableFuture.<String>failedStage(io));
            } catch (Throwable e) {
                return e;
            }
        });
        assertSame(io, t);
    }

    @Test
    @Tag("loom-only") // on the virtual-thread backend the body is on its own virtual thread throughout
    void aMinimalStageCompletedLaterFromAnotherThreadResumesTheFiberOnItsLoop() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        Thread[] loop = new Thread[1];
        String r = LwtMain.run(() -> {
            loop[0] = Thread.currentThread();
            Lwt<String> f = LwtFiber.start(() -> {
                String v = LwtFiber.await(cf.minimalCompletionStage());
                return v + (Thread.currentThread() == loop[0] ? " on the loop" : " elsewhere");
            });
            new Thread(() -> cf.complete("late")).start();
            return f;
        });
        assertEquals("late on the loop", r);
    }

    @Test
    void completedStagesAnswerWithoutALoopTurnEvenWhenTheyAreNoFuture() {
        CompletableFuture<String> cf = CompletableFuture.completedFuture("done");
        String r = LwtMain.run(() -> {
            Lwt<String> f = LwtFiber.start(() -> LwtFiber.await(cf.minimalCompletionStage())
                    + "," + LwtFiber.await(CompletableFuture.completedStage("stage"))
                    + "," + LwtFiber.await(bare(cf)));
            assertTrue(f.isFulfilled(), "the body ran to its end inside start: " + f);
            return f;
        });
        assertEquals("done,stage,done", r);
    }

    @Test
    void cancellingAFiberThatWaitsOnAMinimalStageThrowsCanceledInIt() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        String r = LwtMain.run(() -> {
            Lwt<String> f = LwtFiber.start(() -> {
                try {
                    return LwtFiber.await(cf.minimalCompletionStage());
                } catch (Lwt.Canceled c) {
                    return "canceled";
                }
            });
            f.cancel();
            return Lwt.resolved(f.isRejected() ? "rejected" : "pending");
        });
        assertEquals("rejected", r);
        assertTrue(!cf.isDone(), "a minimal stage is not cancelable: its source is left alone");
    }

    @Test
    void aStageThatIsNotAFutureAndRefusesToCompletableFutureWorksPendingOrDone() {
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletionStage<String> pending = bare(later);
        CompletionStage<String> done = bare(CompletableFuture.completedFuture("now"));
        String r = LwtMain.run(() -> {
            Lwt<String> f = LwtFiber.start(() -> LwtFiber.await(done) + "," + LwtFiber.await(pending));
            new Thread(() -> later.complete("later")).start();
            return f;
        });
        assertEquals("now,later", r);
        assertThrows(UnsupportedOperationException.class, pending::toCompletableFuture);
    }

    /** A CompletionStage that is no Future and does not interoperate (toCompletableFuture refuses). */
    @SuppressWarnings("unchecked")
    private static CompletionStage<String> bare(CompletableFuture<String> source) {
        CompletionStage<String> minimal = source.minimalCompletionStage();
        CompletionStage<String> p = (CompletionStage<String>) Proxy.newProxyInstance(
                FiberStageTest.class.getClassLoader(), new Class<?>[] {CompletionStage.class}, (proxy, m, args) -> {
                    if (m.getName().equals("toCompletableFuture")) {
                        throw new UnsupportedOperationException("does not interoperate");
                    }
                    try {
                        return m.invoke(minimal, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        assertTrue(!(p instanceof Future<?>));
        return p;
    }

    private static <T> T inFiber(java.util.function.Supplier<T> body) {
        return LwtMain.run(() -> LwtFiber.start(body));
    }
}
