package loomcc.internal.cont;

/**
 * A continuation engine: how a {@code reset} runs its body and how a {@code shift} suspends it.
 * Two exist: {@link LoomBackend} (the JDK's {@code jdk.internal.vm.Continuation}) and
 * {@link VThreadBackend} (a virtual thread per reset, handing control back and forth). Both
 * pass the same spec. {@link Backends#defaultBackend()} chooses.
 */
public interface Backend {

    /** Backend name as accepted by {@code -Dloomcc.backend}: {@code loom} or {@code vthread}. */
    String name();

    /** A fresh delimiter identity for one prompt; distinct for every call. */
    Object newScope(String promptName);

    /** A runner for one reset of the prompt whose scope is given; nothing runs until asked. */
    Runner newRunner(Object scope, Runnable body);

    /**
     * The innermost runner of {@code scope} that encloses the calling code, or null when the
     * caller is not inside a reset of that scope.
     */
    Runner current(Object scope);

    /**
     * Called from inside the body: suspends everything up to and including {@code target} (the
     * innermost runner of its scope, from {@link #current}). Returns after the runner has been
     * resumed; returns at once with a reason when the stack cannot be captured (pinned).
     *
     * @return null once suspended and resumed; otherwise why the suspension did not happen
     * @throws StackOverflowError from the JVM when the stack is too large to capture
     */
    String suspend(Runner target);

    /**
     * Why the last suspension attempted on this thread did not happen, and forget it. For the
     * case where {@link #suspend} returned normally but no resume took place (an outer level of
     * a nested capture was pinned).
     */
    String pinReason();
}
