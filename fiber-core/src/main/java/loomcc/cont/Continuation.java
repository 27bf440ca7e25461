package loomcc.cont;

/**
 * The rest of a computation, from a {@link Prompt#shift shift} up to its enclosing
 * {@link Prompt#reset reset}, captured as a one-shot value.
 *
 * <p>Resuming re-enters the captured computation on the calling thread (the Loom backend) with
 * the reset reinstated: {@code k.resume(v)} behaves as {@code prompt.reset(() -> E[v])} where
 * {@code E} is the captured context. It returns when that computation finishes (its result),
 * or when it shifts to the same prompt again (what that shift's function returns).
 *
 * <p>Threading: any thread may resume, even after the original {@code reset} has returned, but
 * only once: the first call of {@code resume} or {@code resumeWithException} wins, and every
 * later one, from any thread, throws {@link IllegalStateException} without touching the
 * computation. Everything the resuming thread did before {@code resume} happens-before the
 * computation continues; everything the computation did before its next shift or its end
 * happens-before {@code resume} returns.
 *
 * <p>On the Loom backend, a continuation resumed on another thread than the one that suspended
 * it needs the JVM flags {@code -XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives} on JDK
 * 25: without them, C2-compiled frames of the resumed computation may keep the old thread, so
 * {@code Thread.currentThread()} and thread-locals answer for the wrong one. loomcc logs one
 * warning the first time this happens on a JVM without the flags.
 *
 * <p>A continuation that is never resumed is simply dropped: its pending {@code finally} blocks
 * do not run (as with an abort in shift/reset).
 *
 * @param <A> the type of the value the suspended {@code shift} returns
 * @param <R> the answer type of the prompt
 */
public interface Continuation<A, R> {

    /**
     * Resumes the computation; the suspended {@code shift} returns {@code value}.
     *
     * @return the result of the computation, or what the function of its next shift returns
     * @throws IllegalStateException if this continuation was already resumed (continuations are
     *         one-shot), including by another thread that is running it right now
     * @throws RuntimeException (any Throwable, checked ones undeclared) whatever the resumed computation throws, as the same instance
     */
    R resume(A value);

    /**
     * Resumes the computation by making the suspended {@code shift} throw {@code error} (the same
     * instance, checked or not); the computation's {@code catch} and {@code finally} blocks see it.
     *
     * @throws NullPointerException if error is null (and the continuation stays resumable)
     * @throws IllegalStateException as {@link #resume}
     */
    R resumeWithException(Throwable error);
}
