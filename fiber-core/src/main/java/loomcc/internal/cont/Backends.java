package loomcc.internal.cont;

import java.lang.System.Logger.Level;

/**
 * Picks the process-wide default backend, once.
 *
 * <ul>
 *   <li>{@code -Dloomcc.backend=loom}: the JDK continuation; an error if {@code jdk.internal.vm}
 *       is not exported to us.
 *   <li>{@code -Dloomcc.backend=vthread}: the virtual-thread hand-off.
 *   <li>unset: loom when {@code jdk.internal.vm} is exported to our module, otherwise vthread
 *       with one {@code System.Logger} warning naming the flag that restores full speed.
 * </ul>
 */
public final class Backends {

    public static final String PROPERTY = "loomcc.backend";
    public static final String ADD_EXPORTS_FLAG = "--add-exports java.base/jdk.internal.vm=ALL-UNNAMED";

    private static volatile Backend chosen;

    private Backends() {
    }

    /**
     * The default backend.
     *
     * @throws IllegalStateException when {@code -Dloomcc.backend} names an unknown backend, or
     *         names {@code loom} on a JVM that does not export {@code jdk.internal.vm} to us
     */
    public static Backend defaultBackend() {
        Backend b = chosen;
        return b != null ? b : choose();
    }

    /** The Loom backend, for tests and benchmarks that name it; fails as {@link #defaultBackend} does. */
    public static Backend loom() {
        requireExported("the Loom backend");
        Suspend.prepare();
        return LoomHolder.INSTANCE;
    }

    /** The virtual-thread backend. */
    public static Backend vthread() {
        Suspend.prepare();
        return VThreadHolder.INSTANCE;
    }

    /** True when {@code java.base} exports {@code jdk.internal.vm} to the module loomcc lives in. */
    public static boolean loomAvailable() {
        return Object.class.getModule().isExported("jdk.internal.vm", Backends.class.getModule());
    }

    private static synchronized Backend choose() {
        if (chosen != null) {
            return chosen;
        }
        String forced = System.getProperty(PROPERTY);
        Backend b;
        if (forced == null || forced.isBlank()) {
            if (loomAvailable()) {
                b = LoomHolder.INSTANCE;
            } else {
                System.getLogger("loomcc").log(Level.WARNING,
                        "loomcc: jdk.internal.vm is not exported to loomcc, so continuations run on the"
                        + " slower virtual-thread backend. Add the JVM flag " + ADD_EXPORTS_FLAG
                        + " for the JDK continuation backend (or set -D" + PROPERTY
                        + "=vthread to choose this one and silence this warning).");
                b = VThreadHolder.INSTANCE;
            }
        } else if (forced.equals("loom")) {
            b = loom();
        } else if (forced.equals("vthread")) {
            b = VThreadHolder.INSTANCE;
        } else {
            throw new IllegalStateException("-D" + PROPERTY + "=" + forced
                    + " names no backend: use -D" + PROPERTY + "=loom or -D" + PROPERTY + "=vthread");
        }
        Suspend.prepare();
        chosen = b;
        return b;
    }

    private static void requireExported(String what) {
        if (!loomAvailable()) {
            throw new IllegalStateException(what + " needs jdk.internal.vm exported to loomcc: add the"
                    + " JVM flag " + ADD_EXPORTS_FLAG + " (or use -D" + PROPERTY + "=vthread)");
        }
    }

    /** Loaded only when asked for, so the JVM never links LoomBackend where it may not. */
    private static final class LoomHolder {
        static final Backend INSTANCE = new LoomBackend();
    }

    private static final class VThreadHolder {
        static final Backend INSTANCE = new VThreadBackend();
    }
}
