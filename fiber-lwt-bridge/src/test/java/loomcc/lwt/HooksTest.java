package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import loomcc.internal.lwt.Engine;
import loomcc.internal.lwt.EventLoop;
import org.junit.jupiter.api.Test;

/** The entry points the fiber bridge will use: current loop, execute, removable callbacks, fast reads. */
class HooksTest {

    private static final class Recording extends Lwt.Callback {
        final List<Object> seen = new ArrayList<>();

        @Override
        void run(Lwt<?> source, Engine e) {
            seen.add(source.rawResult());
        }
    }

    @Test
    void currentIsTheRunningLoopOrNull() {
        assertNull(EventLoop.current());
        EventLoop[] inside = new EventLoop[1];
        Support.inLoop(() -> inside[0] = EventLoop.current());
        assertNotNull(inside[0]);
        assertTrue(inside[0].isClosed());
        assertNull(EventLoop.current());
    }

    @Test
    void executeFromOtherThreadsRunsOnTheLoopInFifoOrderPerThread() throws InterruptedException {
        int producers = 4;
        int each = 1000;
        List<Thread> threads = new ArrayList<>();
        int[] lastSeen = new int[producers];
        int[] count = {0};
        Thread loopThread = Thread.currentThread();
        LwtMain.run(() -> {
            EventLoop loop = EventLoop.current();
            Resolver<Void> done = Lwt.pending();
            java.util.Arrays.fill(lastSeen, -1);
            for (int p = 0; p < producers; p++) {
                int id = p;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        int seq = i;
                        loop.execute(() -> {
                            assertSame(loopThread, Thread.currentThread());
                            assertEquals(lastSeen[id] + 1, seq, "FIFO per producer");
                            lastSeen[id] = seq;
                            if (++count[0] == producers * each) {
                                done.resolve(null);
                            }
                        });
                    }
                });
                threads.add(t);
                t.start();
            }
            return done.promise();
        });
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(producers * each, count[0]);
    }

    @Test
    void executeAfterTheLoopStoppedDropsAndCountsTheTaskWithoutThrowing() {
        EventLoop[] loop = new EventLoop[1];
        Support.inLoop(() -> loop[0] = EventLoop.current());
        boolean[] ran = {false};
        loop[0].execute(() -> ran[0] = true); // a fiber's late wake-up: DESIGN.md, dropped and counted
        assertEquals(1, loop[0].droppedAfterEnd());
        assertFalse(ran[0]);
        assertFalse(loop[0].post(() -> {}));
    }

    @Test
    void aThrowingExecutedTaskGoesToTheAsyncHandler() {
        RuntimeException x = new RuntimeException();
        assertSame(x, assertThrows(RuntimeException.class, () -> LwtMain.run(() -> {
            EventLoop.current().execute(() -> {
                throw x;
            });
            return Lwt.pending().promise();
        })));
    }

    @Test
    void aRemovedCallbackNeverRunsAndTheOthersKeepTheirOrder() {
        Resolver<String> r = Lwt.pending();
        Recording a = new Recording();
        Recording b = new Recording();
        Recording c = new Recording();
        r.promise().addCallback(a);
        r.promise().addCallback(b);
        r.promise().addCallback(c);
        assertEquals(3, r.promise().callbackCount());
        assertTrue(r.promise().removeCallback(b));
        assertFalse(r.promise().removeCallback(b), "already removed");
        assertEquals(2, r.promise().callbackCount());
        r.resolve("v");
        assertEquals(List.of("v"), a.seen);
        assertEquals(List.of(), b.seen);
        assertEquals(List.of("v"), c.seen);
        assertFalse(r.promise().removeCallback(a), "ran: no longer registered");
    }

    @Test
    void aCallbackOnAResolvedPromiseRunsAtOnceAndFastReadsNeedNoAllocation() {
        Lwt<String> p = Lwt.resolved("x");
        Recording a = new Recording();
        p.addCallback(a);
        assertEquals(List.of("x"), a.seen);
        assertEquals(Lwt.FULFILLED, p.state());
        assertEquals("x", p.rawResult());
        RuntimeException err = new RuntimeException();
        Lwt<String> f = Lwt.failed(err);
        assertEquals(Lwt.REJECTED, f.state());
        assertSame(err, f.rawResult());
    }

    @Test
    void aTaskWithAnOnCancelHookIsACancelablePendingPromise() {
        List<String> log = new ArrayList<>();
        Resolver<Integer> t = Lwt.task();
        Lwt<Integer> p = t.promise().onCancel(() -> log.add("hook"));
        Lwt<Integer> waiting = p.map(x -> x + 1);
        waiting.cancel();
        assertEquals(List.of("hook"), log);
        assertEquals(Lwt.REJECTED, p.state());
        assertTrue(p.rawResult() instanceof Lwt.Canceled);
    }
}
