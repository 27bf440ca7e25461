package loomcc.cont;

/**
 * Thrown by {@link Prompt#shift} when the stack between the shift and its reset is too large for
 * the JVM to capture. HotSpot copies the frames into one heap object (a stack chunk); G1 refuses
 * one that would be a humongous object and throws {@code StackOverflowError("Humongous stack
 * chunk")}, around 20 000 interpreted frames with a default heap. Deeper still, the thread may
 * have no stack left for the JVM to freeze the frames (the freeze recurses on the same stack),
 * and the yield itself overflows. The {@code StackOverflowError} is the cause, in both cases.
 *
 * <p>As with {@link PinnedException}, nothing is suspended: the function is not called and the
 * body goes on from the shift, which throws this exception. Fixes: keep the recursion above a
 * shift shallower (await before recursing, or loop instead of recursing), or give G1 larger
 * regions ({@code -XX:G1HeapRegionSize=32m}), which raises the humongous threshold (half a
 * region), or give the thread a larger stack.
 */
public class StackTooDeepException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public StackTooDeepException(String message, Throwable cause) {
        super(message, cause);
    }
}
