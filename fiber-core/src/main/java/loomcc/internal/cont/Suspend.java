package loomcc.internal.cont;

import loomcc.cont.PinnedException;
import loomcc.cont.StackTooDeepException;

/**
 * Not API. What a suspension that did not happen turns into, shared by the two callers of
 * {@link Backend#suspend}: {@code Prompt.shift} and the fiber runtime's await.
 */
public final class Suspend {
    private Suspend() {
    }

    /**
     * True when {@code e} is G1 refusing to copy a stack that is too large ("Humongous stack
     * chunk"), as opposed to the JVM having no stack left to run the copy.
     */
    public static boolean isHumongous(StackOverflowError e) {
        return e.getMessage() != null && e.getMessage().contains("Humongous");
    }

    /**
     * The exception for a refused capture: any {@link StackOverflowError} out of
     * {@link Backend#suspend}. Only the backend runs there (the JDK's yield and freeze; the
     * caller's code is not running), so the error means that this stack could not be captured:
     * G1 refused the stack chunk (a humongous object), or the thread had no stack left for the
     * JDK to freeze the frames (its freeze recurses per frame on the same stack). Either way
     * nothing was frozen, and the body goes on from the call that tried to suspend.
     *
     * @param verb the call that tried to suspend, e.g. {@code "shift"}
     * @param what that call in full, e.g. {@code "shift on Prompt[p]"}
     * @param span the frames it tried to capture, e.g. {@code "the shift and its reset"}
     */
    public static StackTooDeepException tooDeep(StackOverflowError cause, String verb, String what, String span) {
        if (isHumongous(cause)) {
            return new StackTooDeepException(what + " cannot suspend: the stack between " + span
                    + " is too large for the JVM to capture (G1 refused a humongous stack chunk). Nothing"
                    + " was suspended. Recurse less deeply above the " + verb
                    + ", or raise -XX:G1HeapRegionSize (e.g. 32m).", cause);
        }
        return new StackTooDeepException(what + " cannot suspend: the stack between " + span
                + " is too deep for the JVM to capture (the thread has no stack left to freeze its"
                + " frames). Nothing was suspended. Recurse less deeply above the " + verb
                + ", or give the thread a larger stack (-Xss, or the stackSize of new Thread(...)).", cause);
    }

    /**
     * The exception for a pinned capture.
     *
     * @param verb the call that tried to suspend, e.g. {@code "shift"}
     * @param what that call in full, e.g. {@code "shift on Prompt[p]"}
     * @param reason what {@link Backend#suspend} returned, or null when it returned normally but
     *        no resume happened (an outer level of a nested capture was pinned)
     */
    public static PinnedException pinned(Backend backend, String verb, String what, String reason) {
        return new PinnedException(what + " cannot suspend: "
                + (reason != null ? reason : backend.pinReason())
                + ". Nothing was suspended and the body goes on; " + verb
                + " outside that frame.");
    }
}
