package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

/** LwtFiber.dump() and the loop's MBean (DESIGN.md, "Observability"). */
class FiberDumpTest {

    @Test
    void dumpOutsideARunningLoopSaysWhatToDo() {
        IllegalStateException e = assertThrows(IllegalStateException.class, LwtFiber::dump);
        assertTrue(e.getMessage().contains("LwtMain.run"), e.getMessage());
    }

    /** A helper frame the dump must show in the sleeper's stack. */
    static void sleepInAHelper(double seconds) {
        LwtFiber.sleep(seconds);
    }

    @Test
    void dumpShowsEveryLiveFiberWithItsStateWaitAndOwnStack() throws Exception {
        Pipe pipe = Pipe.open();
        CompletableFuture<String> never = new CompletableFuture<>();
        String dump = LwtMain.run(() -> {
            Resolver<String> answer = Lwt.pending();
            Lwt<Void> sleeper = LwtFiber.start("sleeper", () -> {
                sleepInAHelper(3600);
                return null;
            });
            Lwt<Integer> reader = LwtFiber.start("reader", () ->
                    LwtFiber.await(LwtUnix.read(pipe.source(), ByteBuffer.allocate(16))));
            Lwt<String> labelled = LwtFiber.start("labelled", () ->
                    LwtFiber.await(answer.promise().describedAs("the answer to everything")));
            Lwt<String> plain = LwtFiber.start(() -> LwtFiber.await(Lwt.<String>pending().promise()));
            Lwt<String> stage = LwtFiber.start("stage", () -> LwtFiber.await(never));
            Lwt<Void> follower = LwtFiber.start("follower", () -> LwtFiber.await(sleeper));
            Lwt<Void> pauser = LwtFiber.start("pauser", () -> {
                while (true) {
                    LwtFiber.pause();
                }
            });
            return LwtFiber.start("dumper", () -> {
                String d = LwtFiber.dump();
                for (Lwt<?> p : List.of(sleeper, reader, labelled, plain, stage, follower, pauser)) {
                    p.cancel();
                }
                return d;
            });
        });
        System.out.println(dump);
        assertTrue(dump.startsWith("Fibers of the event loop on thread '" + Thread.currentThread().getName() + "'"), dump);
        assertTrue(dump.contains("8 live fibers"), dump);
        assertMatches(dump, "\"sleeper\" suspended for \\d+\\.\\d s, waits for LwtFiber\\.sleep, due in 3\\d{3}\\.\\d{3} s\n"
                + "\tat loomcc\\.lwt\\.LwtFiber\\.sleep\\(LwtFiber\\.java:\\d+\\)\n"
                + "\tat loomcc\\.lwt\\.FiberDumpTest\\.sleepInAHelper\\(FiberDumpTest\\.java:\\d+\\)\n"
                + "\tat loomcc\\.lwt\\.FiberDumpTest\\.lambda\\$[^\n]*\n\n");
        assertMatches(dump, "\"reader\" suspended for [^\n]*, waits for LwtUnix\\.read on sun\\.nio\\.ch\\.SourceChannelImpl[^\n]*\n"
                + "\tat loomcc\\.lwt\\.LwtFiber\\.await\\(");
        assertMatches(dump, "\"labelled\" suspended for [^\n]*, waits for the answer to everything\n");
        assertMatches(dump, "\"fiber-4\" suspended for [^\n]*, waits for a promise Lwt\\[pending\\]\n");
        assertMatches(dump, "\"stage\" suspended for [^\n]*, waits for a CompletionStage, java\\.util\\.concurrent\\.CompletableFuture[^\n]*\n");
        assertMatches(dump, "\"follower\" suspended for [^\n]*, waits for Fiber\\[sleeper, WAITING\\]\n");
        assertMatches(dump, "\"pauser\" suspended for [^\n]*, waits for LwtFiber\\.pause, the loop's next turn\n");
        assertMatches(dump, "\"dumper\" running\n");
        assertFalse(dump.contains("jdk.internal.vm"), "the capture's frames are not the fiber's own: " + dump);
        assertFalse(dump.contains("runBody"), "the runner's frames are not the fiber's own: " + dump);
        pipe.source().close();
        pipe.sink().close();
    }

    private static void assertMatches(String dump, String regex) {
        assertTrue(Pattern.compile(regex).matcher(dump).find(), "no match for\n" + regex + "\nin\n" + dump);
    }

    @Test
    void theToolkitsWaitsNameWhatTheyWaitOn() {
        String dump = LwtMain.run(() -> {
            LwtMutex mutex = new LwtMutex();
            LwtStream<String> stream = LwtStream.unbounded();
            LwtMvar<String> box = LwtMvar.empty();
            Lwt<Void> holder = LwtFiber.start("holder", () -> {
                LwtFiber.await(mutex.lock());
                LwtFiber.sleep(3600);
                return null;
            });
            Lwt<Void> locker = LwtFiber.start("locker", () -> LwtFiber.await(mutex.lock()));
            Lwt<?> reader = LwtFiber.start("reader", () -> LwtFiber.await(stream.next()));
            Lwt<String> taker = LwtFiber.start("taker", () -> LwtFiber.await(box.take()));
            return LwtFiber.start(() -> {
                String d = LwtFiber.dump();
                for (Lwt<?> p : List.of(holder, locker, reader, taker)) {
                    p.cancel();
                }
                return d;
            });
        });
        assertMatches(dump, "\"locker\" suspended for [^\n]*, waits for LwtMutex@\\p{XDigit}+\\[locked, 1 waiting\\]\n");
        assertMatches(dump, "\"reader\" suspended for [^\n]*, waits for LwtStream@\\p{XDigit}+\\[open, 0 buffered, 1 waiting in next\\]\n");
        assertMatches(dump, "\"taker\" suspended for [^\n]*, waits for LwtMvar@");
    }

    @Test
    void endedFibersLeaveTheDump() {
        String dump = LwtMain.run(() -> {
            LwtFiber.start("quick", () -> 1);
            Lwt<Void> slow = LwtFiber.start("slow", () -> {
                LwtFiber.pause();
                return null;
            });
            return slow.map(v -> LwtFiber.dump());
        });
        assertTrue(dump.contains("0 live fibers"), dump);
        assertFalse(dump.contains("quick") || dump.contains("\"slow\""), dump);
    }

    @Test
    void theLoopsMBeanGivesTheDumpFromAnotherThreadAndGoesAwayWithTheLoop() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("loomcc:type=EventLoop,name=jmx-dump-test-loop");
        CountDownLatch suspended = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            try {
                LwtMain.run(() -> LwtFiber.start("jmx-visible", () -> {
                    suspended.countDown();
                    LwtFiber.await(LwtPreemptive.detach(() -> {
                        while (!server.isRegistered(name)) {  // the watchdog registers it within a tick
                            Thread.sleep(10);
                        }
                        return (String) server.getAttribute(name, "FiberDump");
                    }).map(d -> {
                        assertTrue(d.contains("\"jmx-visible\" suspended"), d);
                        return d;
                    }));
                    return null;
                }));
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "jmx-dump-test-loop");
        loop.start();
        assertTrue(suspended.await(60, TimeUnit.SECONDS));
        loop.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(loop.isAlive(), "the loop did not end");
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        assertFalse(server.isRegistered(name), "the MBean outlived its loop");
    }

    @Test
    void theMBeanDumpSaysSoWhenTheLoopCannotAnswer() throws Exception {
        // A loop that never ends its callback: the JMX reader gets the thread's stack, not a hang.
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("loomcc:type=EventLoop,name=jmx-busy-test-loop");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch registered = new CountDownLatch(1);
        Thread loop = new Thread(() -> LwtMain.run(() -> LwtUnix.sleep(0).map(v -> {
            registered.countDown();
            try {
                release.await(); // blocks the loop thread on purpose
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return v;
        })), "jmx-busy-test-loop");
        loop.start();
        try {
            assertTrue(registered.await(60, TimeUnit.SECONDS));
            while (!server.isRegistered(name)) {
                Thread.sleep(10);
            }
            String d = (String) server.getAttribute(name, "FiberDump");
            assertTrue(d.contains("did not make the dump") && d.contains("CountDownLatch.await"), d);
            assertEquals("jmx-busy-test-loop", server.getAttribute(name, "ThreadName"));
        } finally {
            release.countDown();
            loop.join();
        }
    }
}
