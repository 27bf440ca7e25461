package loomcc.internal.cont;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * A JDK 25 hazard of the Loom backend, found here and worded once: where it is unsafe, a
 * continuation is not resumed on another thread than the one that captured it.
 *
 * <p>When a {@code jdk.internal.vm.Continuation} is resumed on a different thread from the one
 * it last ran on, C2-compiled frames that span the suspension may keep the {@code Thread} that
 * {@code Thread.currentThread()} returned before it: C2 treats the current thread as a constant
 * within a compiled method unless the method is {@code @ChangesCurrentThread}, which the JVM
 * honours for boot classes only (OpenJDK {@code opto/library_call.cpp},
 * {@code inline_native_currentThread}). That holds for virtual threads (whose current thread is
 * the virtual thread, whatever the carrier) but not for a bare continuation, whose current thread
 * is the carrier. {@code Thread.currentThread()} and every {@code ThreadLocal} in such a frame
 * then answer for the old thread, and writes land in the old thread's map: a probe resuming one
 * continuation alternately on two threads saw a stale thread in 887 279 of 2 000 000
 * resumptions, and detached blocks of a fiber wrote into the loop thread's thread-locals.
 *
 * <p>It is safe where the JIT asks for the current thread every time
 * ({@code -XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives}) or where there is no C2 at
 * all ({@code -Xint}, {@code -XX:TieredStopAtLevel} below 4). Anything else, including a JVM that
 * will not say, counts as unsafe. The virtual-thread backend is always safe (its bodies run on
 * their own virtual threads) and never asks.
 */
public final class Migration {
    static final String FLAGS = "-XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives";

    private Migration() {
    }

    /** True when this JVM keeps {@code Thread.currentThread()} right in a continuation moved between threads. */
    public static boolean crossThreadSafe() {
        return Holder.SAFE;
    }

    /**
     * The refusal of a resume on {@code now} of a continuation captured on {@code captured}.
     *
     * @param what the continuation, for the message, e.g. {@code "a continuation of Prompt[p]"}
     */
    static IllegalStateException refusal(String what, Thread captured, Thread now) {
        return new IllegalStateException(what + " was captured on thread '" + captured.getName()
                + "' and cannot be resumed on thread '" + now.getName() + "' on this JVM: C2 may keep the"
                + " old thread in compiled frames, so Thread.currentThread() and ThreadLocals would answer"
                + " for (and write into) the wrong thread. Nothing was resumed; it is still resumable on '"
                + captured.getName() + "'. Either resume it on that thread, or start the JVM with " + FLAGS
                + " (or without C2: -Xint, -XX:TieredStopAtLevel=1), or use -D" + Backends.PROPERTY
                + "=vthread.");
    }

    private static final class Holder {
        static final boolean SAFE = detect();
    }

    private static boolean detect() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hs == null) {
                return false;
            }
            if (!option(hs, "UseCompiler", "true").equals("true")) {
                return true; // -Xint: no compiled frames at all
            }
            if (option(hs, "TieredCompilation", "false").equals("true")
                    && Integer.parseInt(option(hs, "TieredStopAtLevel", "4")) < 4) {
                return true; // C1 at most: it calls the current-thread intrinsic afresh every time
            }
            // A JVMCI compiler (Graal) may fold the current thread on its own terms: unknown.
            return option(hs, "InlineThreadNatives", "true").equals("false")
                    && !option(hs, "UseJVMCICompiler", "false").equals("true");
        } catch (RuntimeException | LinkageError e) {
            return false; // not HotSpot, or no management: unknown counts as unsafe
        }
    }

    /** A VM option's value, or {@code absent} when this JVM has no such option (or keeps it locked). */
    private static String option(HotSpotDiagnosticMXBean hs, String name, String absent) {
        try {
            return hs.getVMOption(name).getValue();
        } catch (IllegalArgumentException e) {
            return absent;
        }
    }
}
