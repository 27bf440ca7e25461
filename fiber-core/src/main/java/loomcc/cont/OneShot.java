package loomcc.cont;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import loomcc.internal.Throwing;
import loomcc.internal.cont.Runner;

/**
 * The continuation a shift hands to its function. One per shift: a later shift in the same
 * computation makes a new one, so an old handle can never resume a newer suspension.
 *
 * <p>State machine ({@code FROM -> TO  // cause}):
 * <pre>
 *   SUSPENDED -> RESUMED   // resume / resumeWithException: the CAS winner runs the computation
 *   RESUMED   -> RESUMED   // any later resume: IllegalStateException, nothing else happens
 *   SUSPENDED -> SUSPENDED // a resume on a thread where the backend cannot move it (Loom, C2):
 *                          // IllegalStateException before the CAS, resumable on its own thread
 * </pre>
 * A handle exists only once its computation is suspended (the function receives it after the
 * capture), so SUSPENDED is its first state.
 */
final class OneShot<A, R> implements Continuation<A, R> {
    private static final int SUSPENDED = 0;
    private static final int RESUMED = 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OneShot.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Prompt<R> prompt;
    /** The suspended runner; asked whether the calling thread may resume it, before the CAS. */
    private final Runner runner;
    private Prompt.Frame<R> frame;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    /** What the suspended shift returns or throws; set by the resume that won. */
    private A value;
    private Throwable error;
    /** True once a resume has entered the computation; shift checks it to tell a pin from a resume. */
    boolean entered;

    OneShot(Prompt<R> prompt, Prompt.Frame<R> frame, Runner runner) {
        this.prompt = prompt;
        this.frame = frame;
        this.runner = runner;
    }

    @Override
    public R resume(A v) {
        Prompt.Frame<R> f = claim();
        value = v;
        entered = true;
        return prompt.drive(f);
    }

    @Override
    public R resumeWithException(Throwable e) {
        Objects.requireNonNull(e, "error");
        Prompt.Frame<R> f = claim();
        error = e;
        entered = true;
        return prompt.drive(f);
    }

    private Prompt.Frame<R> claim() {
        if ((int) STATE.getVolatile(this) == SUSPENDED) { // a resumed one says so instead
            runner.requireResumableHere("this continuation of " + prompt);
        }
        if (!STATE.compareAndSet(this, SUSPENDED, RESUMED)) {
            throw new IllegalStateException("this continuation of " + prompt + " was already resumed:"
                    + " a continuation is one-shot (resume it once; shift again for a new one)");
        }
        Prompt.Frame<R> f = frame;
        frame = null; // drop the reference once resumed
        return f;
    }

    /** In the resumed shift: its result. */
    A takeValue() {
        Throwable e = error;
        if (e != null) {
            error = null;
            throw Throwing.sneaky(e);
        }
        A v = value;
        value = null;
        return v;
    }

    @Override
    public String toString() {
        return "Continuation[" + prompt.name() + ", " + ((int) STATE.getVolatile(this) == SUSPENDED ? "suspended" : "resumed") + "]";
    }
}
