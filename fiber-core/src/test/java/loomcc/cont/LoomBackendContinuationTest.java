package loomcc.cont;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import loomcc.internal.cont.Backend;
import loomcc.internal.cont.Backends;
import loomcc.internal.cont.Migration;

/**
 * The spec on the JDK continuation backend, plus what only that backend promises: the body runs
 * on the thread that resumes it, pinning is reported, a too-large stack is reported, a dropped
 * continuation is collected. Surefire also runs this class under -Xint and C1, and its
 * cross-thread tests with the JIT flag that makes them safe (fiber-core/pom.xml).
 */
@Tag("loom")
class LoomBackendContinuationTest extends ContinuationSpec {

    @Override
    Backend backend() {
        return Backends.loom();
    }

    @Test
    @Tag(CROSS_THREAD)
    void theBodyRunsOnTheThreadThatResumesIt() throws Exception {
        Prompt<Object> p = prompt("where");
        Thread caller = Thread.currentThread();
        List<Thread> seen = new ArrayList<>();
        Object k = p.reset(() -> {
            seen.add(Thread.currentThread());
            p.<Void>shift(c -> c);
            seen.add(Thread.currentThread());
            return "ok";
        });
        @SuppressWarnings("unchecked")
        Continuation<Void, Object> c = (Continuation<Void, Object>) k;
        AtomicReference<Thread> resumer = new AtomicReference<>();
        Object r = CompletableFuture.supplyAsync(() -> {
            resumer.set(Thread.currentThread());
            return c.resume(null);
        }).get(30, TimeUnit.SECONDS);
        assertEquals("ok", r);
        assertEquals(List.of(caller, resumer.get()), seen);
    }

    /**
     * The configuration users run (C2, no diagnostic flag): a resume on another thread is
     * refused at once, names the three ways out, and leaves the continuation resumable where it
     * was captured. Before: it ran, and C2-compiled frames could keep the old thread.
     */
    @Test
    @Tag("refuses-cross-thread")
    void aResumeOnAnotherThreadIsRefusedBeforeAnythingChangesAndNamesTheWaysOut() throws Exception {
        assertFalse(Migration.crossThreadSafe(), "this execution must be C2 without -XX:-InlineThreadNatives");
        Prompt<Object> p = prompt("here");
        List<String> trail = new ArrayList<>();
        Object k = p.reset(() -> {
            String v = p.shift(c -> c);
            trail.add(v + " on " + Thread.currentThread().getName());
            return v;
        });
        @SuppressWarnings("unchecked")
        Continuation<String, Object> c = (Continuation<String, Object>) k;
        Thread here = Thread.currentThread();
        for (Function<Continuation<String, Object>, Object> resume : List.<Function<Continuation<String, Object>, Object>>of(
                x -> x.resume("elsewhere"), x -> x.resumeWithException(new RuntimeException("elsewhere")))) {
            Object outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    return resume.apply(c);
                } catch (IllegalStateException e) {
                    return e;
                }
            }, r -> new Thread(r, "foreign").start()).get(30, TimeUnit.SECONDS);
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, outcome);
            String m = e.getMessage();
            assertTrue(m.contains("'" + here.getName() + "'") && m.contains("'foreign'"), m);
            assertTrue(m.contains("-XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives"), m);
            assertTrue(m.contains("-Dloomcc.backend=vthread"), m);
            assertTrue(m.contains("resume it on that thread"), m);
        }
        assertEquals(List.of(), trail, "nothing ran");
        assertTrue(c.toString().contains("suspended"), c.toString());
        assertEquals("here", c.resume("here"), "still resumable on the thread that captured it");
        assertEquals(List.of("here on " + here.getName()), trail);
    }

    // ---------------------------------------------------------------- pinning

    /** Set before {@link ShiftsInItsInitializer} is first touched; read by its static initializer. */
    static Prompt<String> pinPrompt;
    static final List<String> pinEvents = new ArrayList<>();

    /** A class whose static initializer shifts: the JVM runs it under a native frame. */
    static final class ShiftsInItsInitializer {
        static {
            try {
                pinPrompt.<String>shift(k -> {
                    pinEvents.add("function called");
                    return "suspended";
                });
                pinEvents.add("shift returned");
            } catch (PinnedException e) {
                pinEvents.add("pinned: " + e.getMessage());
            }
        }

        static void touch() {
        }
    }

    @Test
    void aShiftInsideAClassInitializerIsPinnedAndTheBodyGoesOn() {
        pinPrompt = prompt("pin");
        String r = pinPrompt.reset(() -> {
            ShiftsInItsInitializer.touch();
            return "body finished";
        });
        assertEquals("body finished", r, "nothing was suspended; the reset returned the body's value");
        assertEquals(1, pinEvents.size(), pinEvents.toString());
        String event = pinEvents.getFirst();
        assertTrue(event.startsWith("pinned: "), event);
        assertTrue(event.contains("native frame") && event.contains("class initializer"), "names the reason: " + event);
        assertTrue(event.contains("Prompt[pin]"), event);
    }

    static Prompt<String> nestedOuter;
    static Prompt<String> nestedInner;
    static final List<String> nestedEvents = new ArrayList<>();

    /** Between an outer reset and an inner one, a native frame: the outer capture is pinned. */
    static final class InnerResetInItsInitializer {
        static {
            nestedEvents.add(nestedInner.reset(() -> {
                try {
                    nestedOuter.<String>shift(k -> "outer function called");
                    return "inner went on";
                } catch (PinnedException e) {
                    return "inner saw: " + e.getMessage();
                }
            }));
        }

        static void touch() {
        }
    }

    @Test
    void anOuterCaptureThroughAPinnedFrameIsReportedAtTheShift() {
        nestedOuter = prompt("outer");
        nestedInner = prompt("inner");
        String r = nestedOuter.reset(() -> {
            InnerResetInItsInitializer.touch();
            return "outer body finished";
        });
        assertEquals("outer body finished", r);
        assertEquals(1, nestedEvents.size(), nestedEvents.toString());
        assertTrue(nestedEvents.getFirst().startsWith("inner saw: shift on Prompt[outer] cannot suspend"), nestedEvents.toString());
    }

    // ---------------------------------------------------------------- too deep to capture

    @Test
    void aStackTooLargeToCaptureFailsAtTheShiftAndTheBodyGoesOn() throws Exception {
        Prompt<Object> p = prompt("huge");
        AtomicReference<Object> result = new AtomicReference<>();
        AtomicReference<Throwable> caught = new AtomicReference<>();
        // 200 000 frames need a thread stack larger than the default; the capture of that many
        // is refused by G1 (a humongous stack chunk) under every JIT mode.
        Thread big = new Thread(null, () -> {
            try {
                result.set(p.reset(() -> tooDeep(p, 200_000, caught)));
            } catch (Throwable t) {
                caught.compareAndSet(null, t);
            }
        }, "big-stack", 2L << 30);
        big.start();
        big.join(TimeUnit.MINUTES.toMillis(2));
        assertFalse(big.isAlive());
        StackTooDeepException e = assertInstanceOf(StackTooDeepException.class, caught.get());
        assertInstanceOf(StackOverflowError.class, e.getCause());
        assertTrue(e.getMessage().contains("too large") && e.getMessage().contains("G1HeapRegionSize"),
                "says what happened and what to change: " + e.getMessage());
        assertEquals(200_000, result.get(), "the body went on from the shift and finished");
    }

    private static int tooDeep(Prompt<Object> p, int n, AtomicReference<Throwable> caught) {
        if (n == 0) {
            try {
                p.<Void>shift(k -> "suspended");
                return -1_000_000; // must not happen
            } catch (StackTooDeepException e) {
                caught.set(e);
                return 0;
            }
        }
        return 1 + tooDeep(p, n - 1, caught);
    }

    /**
     * Shifts at every depth down to the end of a small thread stack: where the JVM has no stack
     * left to freeze the frames (Continuation.doYield overflows), the shift throws
     * StackTooDeepException, never a bare StackOverflowError from inside the yield. Before: a
     * bare StackOverflowError from doYield, at 65 000 to 80 000 frames on an 8 MB stack.
     */
    @Test
    void noStackLeftToYieldFailsAtTheShiftWithStackTooDeepException() throws Exception {
        Prompt<Object> p = prompt("no-room");
        int[] counts = new int[3]; // suspended, too deep, bare StackOverflowErrors kept
        Throwable[] bare = new Throwable[1000];
        new Throwable().getStackTrace(); // initialize StackTraceElement's classes up here, not at the bottom
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                Object r = p.reset(() -> descend(p, counts, bare));
                while (r instanceof Continuation<?, ?> k) {
                    @SuppressWarnings("unchecked")
                    Continuation<Object, Object> c = (Continuation<Object, Object>) k;
                    r = c.resume(null);
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "small-stack", 512 * 1024);
        small.start();
        small.join(TimeUnit.MINUTES.toMillis(2));
        assertFalse(small.isAlive());
        assertEquals(null, failed.get());
        for (int i = 0; i < counts[2]; i++) {
            assertFalse(fromTheYield((StackOverflowError) bare[i], "descend"), "a bare StackOverflowError came out of the yield");
        }
        assertTrue(counts[1] > 0, "some depths had no room to yield: " + java.util.Arrays.toString(counts));
        assertTrue(counts[0] > 0, "shallower ones suspended: " + java.util.Arrays.toString(counts));
    }

    /** Recurses to the end of the stack, then shifts once at every depth on the way back. */
    private static Object descend(Prompt<Object> p, int[] counts, Throwable[] bare) {
        try {
            descend(p, counts, bare);
        } catch (StackOverflowError bottom) {
            // the recursion itself ran out: only here, never from inside a shift (caught below)
        }
        try {
            p.<Object>shift(k -> k);
            counts[0]++;
        } catch (StackTooDeepException e) {
            counts[1]++;
        } catch (StackOverflowError e) {
            // Near the end of the stack: no calls here. Kept, and sorted out once back up.
            if (counts[2] < bare.length) {
                bare[counts[2]++] = e;
            }
        }
        return null;
    }

    /**
     * True when the error was thrown inside the JDK continuation (its yield), not on the way into
     * {@code shift}: a yield frame of {@code jdk.internal.vm.Continuation} ({@code yield},
     * {@code yield0}, {@code doYield}) above the test's own frame
     * (the body itself runs inside one, further down).
     */
    static boolean fromTheYield(StackOverflowError e, String testFrame) {
        for (StackTraceElement f : e.getStackTrace()) {
            if (f.getMethodName().equals(testFrame)) {
                return false;
            }
            if (f.getClassName().equals("jdk.internal.vm.Continuation") && f.getMethodName().contains("ield")) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- memory

    @Test
    void aDroppedContinuationIsCollectedWithWhatItCaptured() {
        Prompt<Object> p = prompt("drop");
        Object payload = new Object();
        WeakReference<Object> ref = new WeakReference<>(payload);
        Object k = captureHolding(p, payload);
        payload = null;
        assertInstanceOf(Continuation.class, k);
        k = null;
        assertTrue(collectedAfterGc(ref), "a suspended continuation nobody holds is garbage");
    }

    private static Object captureHolding(Prompt<Object> p, Object payload) {
        return p.reset(() -> {
            Object held = payload;
            p.<Void>shift(c -> c);
            return held;
        });
    }

    @Test
    void theLoomBackendIsTheDefaultWhenTheFlagIsGiven() {
        assertTrue(Backends.loomAvailable());
        // unless -Dloomcc.backend=vthread forces the other (a Surefire execution does)
        boolean forced = "vthread".equals(System.getProperty(Backends.PROPERTY));
        assertSame(forced ? Backends.vthread() : Backends.loom(), Backends.defaultBackend());
        assertEquals(forced ? "vthread" : "loom", new Prompt<String>("default").backendName());
    }

    @Test
    void shiftingWhileAnotherPromptsPinnedFrameIsBelowTheResetIsFine() {
        // A native frame *below* the reset (outside the captured part) does not pin.
        pinBelowPrompt = prompt("below");
        assertEquals("resumed:x", ResetInsideInitializer.RESULT);
    }

    static Prompt<String> pinBelowPrompt;

    static final class ResetInsideInitializer {
        static final String RESULT = pinBelowPrompt.reset(() -> pinBelowPrompt.<String>shift(k -> "resumed:" + k.resume("x")));
    }

    @Test
    void aPinnedShiftLeavesNoHalfCapturedStateBehind() {
        pinPrompt = prompt("pin-again");
        // after a refused shift in the same reset, a normal shift works
        Object r = pinPrompt.reset(() -> {
            assertThrows(PinnedException.class, () -> {
                throw new PinnedException("synthetic");
            });
            return pinPrompt.<String>shift(k -> "captured normally");
        });
        assertEquals("captured normally", r);
    }
}
