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
     * nothing was frozen, and the body goes on from the call that tried to suspend. Called at
     * the bottom of a stack that just ran out, so it formats nothing: the message is written
     * when it is read ({@link TooDeepException}).
     *
     * @param verb the call that tried to suspend, e.g. {@code "shift"}
     * @param preposition and {@code where}: what it was called on, e.g. {@code " on "} and the prompt
     * @param spanEnd where the frames it tried to capture end, e.g. {@code " and its reset"}
     */
    public static StackTooDeepException tooDeep(StackOverflowError cause, String verb, String preposition,
            Object where, String spanEnd) {
        return new TooDeepException(cause, verb, preposition, where, spanEnd);
    }

    /**
     * Loads what {@link #tooDeep} needs while there is stack to spare (class loading near the end
     * of the stack would overflow again). Called once, when the default backend is chosen.
     */
    static void prepare() {
        // the class initializer below does the work
    }

    static {
        new TooDeepException(new StackOverflowError(), "shift", " on ", "", "").getCause();
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
