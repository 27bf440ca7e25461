package loomcc.internal.cont;

import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * A JDK 25 hazard of the Loom backend, found here and worded once.
 *
 * <p>When a {@code jdk.internal.vm.Continuation} is resumed on a different thread from the one
 * it last ran on, C2-compiled frames that span the suspension may keep the {@code Thread} that
 * {@code Thread.currentThread()} returned before it: the JIT treats the current thread as fixed
 * within a compiled frame, which holds for virtual threads (whose current thread is the virtual
 * thread, whatever the carrier) but not for a bare continuation, whose current thread is the
 * carrier. {@code Thread.currentThread()} and every {@code ThreadLocal} in such a frame then
 * answer for the old thread, and writes land in the old thread's map. A probe resuming one
 * continuation alternately on two threads saw a stale thread in 887 279 of 2 000 000 resumptions,
 * and none with {@code -XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives} (the JIT then
 * asks for the current thread every time). {@code ThreadMigrationTest} keeps that in view.
 *
 * <p>Resuming on the same thread (every fiber on its loop) is not affected; resuming elsewhere
 * ({@code loomcc.cont} continuations handed to other threads, {@code LwtFiber.detached}) is, so
 * the first such resumption on a JVM without the flag logs one warning that names the fixes.
 */
final class Migration {
    static final String FLAGS = "-XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives";

    private static volatile boolean checked;

    private Migration() {
    }

    /** Called when a continuation is resumed on another thread than the one it last ran on. */
    static void resumedOnAnotherThread() {
        if (checked) {
            return;
        }
        synchronized (Migration.class) {
            if (checked) {
                return;
            }
            checked = true;
            if (threadNativesInlined()) {
                System.getLogger("loomcc").log(Level.WARNING, "loomcc: a continuation was resumed on"
                        + " another thread than the one it last ran on. On JDK 25 the JIT may then"
                        + " keep the old thread in compiled code: Thread.currentThread() and"
                        + " ThreadLocals can answer for the wrong thread. Run with " + FLAGS
                        + ", or use -D" + Backends.PROPERTY + "=vthread, or resume continuations on"
                        + " the thread that suspended them.");
            }
        }
    }

    /** True unless the JVM runs with -XX:-InlineThreadNatives (or cannot tell). */
    static boolean threadNativesInlined() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hs == null || !"false".equals(hs.getVMOption("InlineThreadNatives").getValue());
        } catch (RuntimeException | LinkageError e) {
            return true; // not HotSpot, or no management: warn rather than stay silent
        }
    }
}
