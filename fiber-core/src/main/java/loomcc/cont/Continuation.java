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
 * <p>Threading: one thread at a time may resume, even after the original {@code reset} has
 * returned, and only once: the first call of {@code resume} or {@code resumeWithException} wins,
 * and every later one, from any thread, throws {@link IllegalStateException} without touching
 * the computation. Everything the resuming thread did before {@code resume} happens-before the
 * computation continues; everything the computation did before its next shift or its end
 * happens-before {@code resume} returns.
 *
 * <p>Another thread than the one that captured it may resume it only where the JVM makes that
 * safe: the virtual-thread backend ({@code -Dloomcc.backend=vthread}), or a JVM started with
 * {@code -XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives}, or one without C2
 * ({@code -Xint}, {@code -XX:TieredStopAtLevel=1}). Elsewhere, on JDK 25, C2-compiled frames of
 * the resumed computation may keep the old thread, so {@code Thread.currentThread()} and
 * thread-locals would answer for (and write into) the wrong one; there, a resume on another
 * thread throws {@link IllegalStateException} at once, before the one-shot state changes (the
 * continuation stays resumable on the thread that captured it), and the message names those
 * three ways out.
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
     *         one-shot), including by another thread that is running it right now; or if the
     *         calling thread is not the one that captured it and the JVM makes a move between
     *         threads unsafe (see above): then nothing changed and it can still be resumed
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
