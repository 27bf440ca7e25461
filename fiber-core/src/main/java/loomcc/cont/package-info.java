/**
 * One-shot delimited continuations: {@link loomcc.cont.Prompt#reset reset} delimits a
 * computation, {@link loomcc.cont.Prompt#shift shift} captures it up to the nearest enclosing
 * reset of the same prompt as a {@link loomcc.cont.Continuation} that can be resumed once, later,
 * on any thread.
 *
 * <p>The engine is the JDK's own ({@code jdk.internal.vm.Continuation}, the machinery under
 * virtual threads), which needs the JVM flag
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}; without it a slower
 * virtual-thread backend takes over and says so once in a warning. {@code -Dloomcc.backend=loom}
 * or {@code =vthread} forces one.
 */
package loomcc.cont;
