package loomcc.internal.cont;

import loomcc.cont.StackTooDeepException;

/**
 * Not API. The {@link StackTooDeepException} the backends' callers throw, with its message
 * written when it is read rather than when it is made: it is made at the bottom of a stack that
 * just ran out, where formatting a string (an invokedynamic call site linked for the first time,
 * a {@code toString}) could overflow again. {@link Suspend} loads this class early, for the same
 * reason.
 */
final class TooDeepException extends StackTooDeepException {
    private static final long serialVersionUID = 1L;

    private final transient String verb;
    private final transient String preposition;
    private final transient Object where;
    private final transient String spanEnd;

    TooDeepException(StackOverflowError cause, String verb, String preposition, Object where, String spanEnd) {
        super(null, cause);
        this.verb = verb;
        this.preposition = preposition;
        this.where = where;
        this.spanEnd = spanEnd;
    }

    @Override
    public String getMessage() {
        String what = verb + preposition + where;
        String span = "the " + verb + spanEnd;
        if (Suspend.isHumongous((StackOverflowError) getCause())) {
            return what + " cannot suspend: the stack between " + span + " is too large for the JVM to"
                    + " capture (G1 refused a humongous stack chunk). Nothing was suspended. Recurse less"
                    + " deeply above the " + verb + ", or raise -XX:G1HeapRegionSize (e.g. 32m).";
        }
        return what + " cannot suspend: the stack between " + span + " is too deep for the JVM to"
                + " capture (the thread has no stack left to freeze its frames). Nothing was suspended."
                + " Recurse less deeply above the " + verb + ", or give the thread a larger stack (-Xss,"
                + " or the stackSize of new Thread(...)).";
    }
}
