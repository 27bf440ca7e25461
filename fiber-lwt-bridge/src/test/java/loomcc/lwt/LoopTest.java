package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import loomcc.internal.lwt.EventLoop;
import org.junit.jupiter.api.Test;

/** LwtMain.run, the cycle, and Lwt's "pause" suite. */
class LoopTest {

    @Test
    void runReturnsTheMainValue() {
        assertEquals(Integer.valueOf(3), LwtMain.run(() -> Lwt.pause().map(v -> 3)));
    }

    @Test
    void runThrowsTheMainRejectionAsTheSameCheckedInstance() {
        IOException x = new IOException();
        assertSame(x, assertThrows(IOException.class, () -> LwtMain.run(() -> Lwt.pause().bind(v -> Lwt.failed(x)))));
    }

    @Test
    void runThrowsWhatMainThrew() {
        IOException x = new IOException();
        assertSame(x, assertThrows(IOException.class, () -> LwtMain.run(() -> Support.sneak(x))));
        assertThrows(NullPointerException.class, () -> LwtMain.run(() -> null));
    }

    @Test
    void aNestedRunThrowsAndSaysWhereTheOuterOneStarted() {
        IllegalStateException e = LwtMain.run(() -> {
            try {
                LwtMain.run(() -> Lwt.resolved(1));
                return Lwt.failed(new AssertionError("nested run did not throw"));
            } catch (IllegalStateException x) {
                return Lwt.resolved(x);
            }
        });
        assertTrue(e.getMessage().contains("LoopTest.aNestedRunThrowsAndSaysWhereTheOuterOneStarted"), e.getMessage());
        assertNotNull(e.getCause(), "the cause is the outer start");
        boolean found = false;
        for (StackTraceElement f : e.getCause().getStackTrace()) {
            found |= f.getMethodName().equals("aNestedRunThrowsAndSaysWhereTheOuterOneStarted");
        }
        assertTrue(found, "the cause's stack trace shows the outer run's caller");
    }

    @Test
    void aThreadRunsLoopsOneAfterAnother() {
        assertEquals(Integer.valueOf(1), LwtMain.run(() -> Lwt.pause().map(v -> 1)));
        assertEquals(Integer.valueOf(2), LwtMain.run(() -> Lwt.pause().map(v -> 2)));
        assertNull(EventLoop.current());
    }

    @Test
    void pauseSleepAndIoOutsideALoopThrow() throws IOException {
        IllegalStateException e = assertThrows(IllegalStateException.class, Lwt::pause);
        assertTrue(e.getMessage().contains("LwtMain.run"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> LwtUnix.sleep(1));
        assertThrows(IllegalStateException.class, () -> LwtUnix.withTimeout(1, () -> Lwt.resolved(1)));
        try (SocketChannel ch = SocketChannel.open()) {
            assertThrows(IllegalStateException.class, () -> LwtUnix.read(ch, ByteBuffer.allocate(1)));
            assertThrows(IllegalStateException.class, () -> LwtUnix.write(ch, ByteBuffer.allocate(1)));
        }
        assertThrows(IllegalStateException.class, () -> LwtPreemptive.detach(() -> 1));
    }

    @Test
    void pausedPromisesResolveInOrderOnTheNextTurn() {
        Order o = new Order();
        Support.inLoop(() -> {
            Lwt<Void> a = Lwt.pause();
            Lwt<Void> b = Lwt.pause();
            a.map(v -> {
                o.expect(2);
                Lwt.pause().map(w -> {
                    o.expect(4);                          // paused during the wake: next turn
                    return null;
                });
                return null;
            });
            b.map(v -> {
                o.expect(3);
                return null;
            });
            o.expect(1);
            assertTrue(a.isPending());
            return Lwt.join(List.of(a, b)).bind(v -> Lwt.pause()).bind(v -> Lwt.pause());
        });
        o.finish(5);
    }

    @Test
    void theCycleRunsPostedWorkThenPausedThenTimers() {
        Order o = new Order();
        Support.inLoop(() -> {
            Lwt<Void> slept = LwtUnix.sleep(0).map(v -> {
                o.expect(4);
                return null;
            });
            Lwt<Void> paused = Lwt.pause().map(v -> {
                o.expect(3);
                return null;
            });
            EventLoop.current().execute(() -> o.expect(2));
            o.expect(1);
            return Lwt.join(List.of(slept, paused));
        });
        o.finish(5);
    }

    @Test
    void aCancelledPauseIsSkipped() {
        Order o = new Order();
        Support.inLoop(() -> {
            Lwt<Void> p = Lwt.pause();
            p.map(v -> {
                o.unreached("cancelled pause fulfilled");
                return null;
            });
            p.cancel();
            return Lwt.pause().map(v -> {
                o.expect(1);
                return null;
            });
        });
        o.finish(2);
    }

    @Test
    void anIdleLoopDoesNotSpin() {
        // A loop waiting on one 300 ms timer blocks in select: a handful of turns, not thousands.
        long turns = Support.inLoop(() -> LwtUnix.sleep(0.3).map(v -> EventLoop.current().turns()));
        assertTrue(turns <= 10, "an idle loop took " + turns + " turns for one sleep");
    }

    @Test
    void anIdleLoopWithAChannelDoesNotSpinEither() throws Exception {
        // With a channel registered the loop waits in select(), not park(): the same bound.
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()) {
            server.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            long turns = Support.inLoop(() -> {
                Lwt<java.nio.channels.SocketChannel> accept = LwtUnix.accept(server); // never answered
                return LwtUnix.sleep(0.3).map(v -> {
                    accept.cancel();
                    return EventLoop.current().turns();
                });
            });
            assertTrue(turns <= 10, "an idle loop with a channel took " + turns + " turns for one sleep");
        }
    }

    @Test
    void anInterruptStopsTheLoopWithInterruptedException() throws InterruptedException {
        Thread me = Thread.currentThread();
        Thread[] interrupter = new Thread[1];
        assertThrows(InterruptedException.class, () -> LwtMain.run(() -> {
            interrupter[0] = new Thread(me::interrupt);
            interrupter[0].start();
            return Lwt.pending().promise();               // nothing else would ever end this loop
        }));
        assertTrue(!Thread.interrupted(), "the status is cleared, as with any InterruptedException");
        interrupter[0].join();
    }

    @Test
    void aTimerWakesALoopThatWaitsForNothingElse() {
        List<String> log = new ArrayList<>();
        Support.inLoop(() -> LwtUnix.sleep(0.05).map(v -> log.add("woke")));
        assertEquals(List.of("woke"), log);
    }
}
