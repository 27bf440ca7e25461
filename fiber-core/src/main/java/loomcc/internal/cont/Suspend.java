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
     * True when {@code e} is the JVM refusing to copy a stack that is too large ("Humongous stack
     * chunk", G1's refusal), as opposed to an ordinary stack overflow.
     */
    public static boolean isTooDeep(StackOverflowError e) {
        return e.getMessage() != null && e.getMessage().contains("Humongous");
    }

    /**
     * The exception for a refused capture of a too-large stack.
     *
     * @param verb the call that tried to suspend, e.g. {@code "shift"}
     * @param what that call in full, e.g. {@code "shift on Prompt[p]"}
     * @param span the frames it tried to capture, e.g. {@code "the shift and its reset"}
     */
    public static StackTooDeepException tooDeep(StackOverflowError cause, String verb, String what, String span) {
        return new StackTooDeepException(what + " cannot suspend: the stack between " + span
                + " is too large for the JVM to capture (G1 refused a humongous stack chunk). Nothing"
                + " was suspended. Recurse less deeply above the " + verb
                + ", or raise -XX:G1HeapRegionSize (e.g. 32m).", cause);
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
