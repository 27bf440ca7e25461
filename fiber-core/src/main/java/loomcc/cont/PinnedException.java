package loomcc.cont;

/**
 * Thrown by {@link Prompt#shift} when the stack between the shift and its reset cannot be
 * captured: the JVM refuses to freeze a native frame (a JNI call, or a class initializer, which
 * the JVM enters natively) or a JDK critical section. The message names the reason.
 *
 * <p>Nothing is suspended and nothing is left half-suspended: the shift's function is not
 * called, and the body goes on from the shift, which throws this exception. On JDK 25, holding a
 * monitor ({@code synchronized}) does not pin (JEP 491).
 */
public class PinnedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public PinnedException(String message) {
        super(message);
    }
}
