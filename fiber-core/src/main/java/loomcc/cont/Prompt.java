package loomcc.cont;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

import loomcc.internal.Throwing;
import loomcc.internal.cont.Backend;
import loomcc.internal.cont.Backends;
import loomcc.internal.cont.Runner;
import loomcc.internal.cont.Suspend;

/**
 * A delimiter for one-shot delimited continuations: {@link #reset} runs a body delimited by this
 * prompt; {@link #shift} inside it captures the rest of the body, up to the nearest enclosing
 * reset of this prompt, as a {@link Continuation}.
 *
 * <pre>{@code
 * Prompt<Integer> p = new Prompt<>("p");
 * int r = p.reset(() -> 1 + p.<Integer>shift(k -> k.resume(10) * 2));   // (1 + 10) * 2 == 22
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>{@code p.reset(() -> E[p.shift(f)])} evaluates to {@code f(k)}, where {@code k.resume(v)}
 *       behaves as {@code p.reset(() -> E[v])}. {@code f} runs outside the captured part, where
 *       the running {@code reset} (or {@code resume}) was: shift0-like. Standard shift agrees
 *       unless {@code f} itself shifts to this prompt, which then needs a reset of its own.
 *   <li>Each instance is a distinct prompt. Prompts nest: a shift captures up to the innermost
 *       enclosing reset of <em>its</em> prompt, through resets of other prompts in between.
 *   <li>Exceptions thrown by the body come out of whichever reset or resume is running it, as the
 *       same instance; exceptions thrown by {@code f} come out of the reset or resume that called it.
 *   <li>Nothing is wrapped and nothing is declared: a checked exception given to
 *       {@link Continuation#resumeWithException} is thrown by {@code shift} as it is. Java only
 *       lets you catch a checked type a call declares, so catch it as {@code Exception} and test
 *       it: {@code catch (Exception e) { if (e instanceof IOException io) ... else throw e; }}.
 * </ul>
 *
 * <h2>Threading</h2>
 * A prompt is immutable and may be shared by any number of threads; each reset is its own
 * computation. A captured continuation may be resumed after its reset returned, on the thread
 * that captured it, or on another one where the JVM makes that safe (see {@link Continuation}).
 *
 * <h2>Backends</h2>
 * With {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} the body runs on the thread
 * that calls reset or resume, as a {@code jdk.internal.vm.Continuation}. Without it a
 * virtual-thread backend runs each reset's body on a virtual thread of its own (slower; other
 * thread identity; nothing pins) and logs one warning. {@code -Dloomcc.backend=loom|vthread}
 * forces one.
 *
 * @param <R> the answer type: what reset returns, and what a shift's function must return
 */
public final class Prompt<R> {

    private final String name;
    private final Backend backend;
    private final Object scope;

    /**
     * A new prompt, distinct from every other.
     *
     * @param name used in messages and thread names only
     * @throws IllegalStateException if {@code -Dloomcc.backend} names an unknown backend, or
     *         {@code loom} on a JVM that does not export {@code jdk.internal.vm} to loomcc
     */
    public Prompt(String name) {
        this(name, Backends.defaultBackend());
    }

    /** A prompt on a given backend; for the spec tests and benchmarks that compare backends. */
    Prompt(String name, Backend backend) {
        this.name = Objects.requireNonNull(name, "name");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.scope = backend.newScope(name);
    }

    /** The name given at construction. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "Prompt[" + name + "]";
    }

    /**
     * Runs {@code body} delimited by this prompt, on the calling thread.
     *
     * @return what the body returns if it never shifts to this prompt; otherwise what the
     *         function of its first shift returns
     * @throws RuntimeException (any Throwable, checked ones undeclared) what the body or a shift's function throws, as the same instance
     */
    public R reset(Supplier<? extends R> body) {
        Frame<R> frame = new Frame<>(Objects.requireNonNull(body, "body"));
        frame.runner = backend.newRunner(scope, frame);
        frame.runner.attach(frame);
        return drive(frame);
    }

    /**
     * Captures the rest of the computation up to the nearest enclosing {@link #reset} of this
     * prompt as a one-shot continuation {@code k}, and makes that reset (or the resume that is
     * running the computation) return {@code f(k)}. When {@code k} is resumed, this call returns
     * the value given to {@code resume}, or throws the error given to {@code resumeWithException}.
     *
     * @throws IllegalStateException if no reset of this prompt encloses the call; the message
     *         names the prompt
     * @throws PinnedException if the stack cannot be captured (a native frame, a class initializer,
     *         a critical section); nothing was suspended and {@code f} was not called
     * @throws StackTooDeepException if the stack is too large for the JVM to capture; nothing was
     *         suspended and {@code f} was not called
     */
    public <A> A shift(Function<? super Continuation<A, R>, ? extends R> f) {
        Objects.requireNonNull(f, "f");
        Runner runner = backend.current(scope);
        if (runner == null) {
            throw new IllegalStateException("shift on " + this + " outside any reset of it: call "
                    + name + ".shift only inside " + name + ".reset(...) (or inside a continuation"
                    + " captured from one and resumed)");
        }
        @SuppressWarnings("unchecked")
        Frame<R> frame = (Frame<R>) runner.attachment();
        OneShot<A, R> k = new OneShot<>(this, frame, runner);
        frame.capture(f, k);
        String pinned;
        try {
            pinned = backend.suspend(runner);
        } catch (StackOverflowError e) { // only the backend's yield was running: see Suspend.tooDeep
            frame.forgetCapture();
            throw Suspend.tooDeep(e, "shift", " on ", this, " and its reset");
        }
        if (pinned == null && k.entered) {
            return k.takeValue();
        }
        // Not suspended: pinned here, or (Loom backend) an outer level of a nested capture was
        // pinned and the JDK re-entered us at once. Either way no resume happened.
        frame.forgetCapture();
        throw Suspend.pinned(backend, "shift", "shift on " + this, pinned);
    }

    /** Runs the frame's body until it ends or suspends to this prompt; then calls the shift's function. */
    R drive(Frame<R> frame) {
        if (frame.runner.runUntilYield()) {
            return frame.outcome();
        }
        Function<Object, ? extends R> f = frame.shiftFunction;
        Continuation<?, R> k = frame.captured;
        frame.forgetCapture();
        return f.apply(k);
    }

    String backendName() {
        return backend.name();
    }

    /**
     * One reset's computation: the body, its outcome, and the shift in flight. The backend's
     * runner runs {@link #run}; the prompt reads the rest after the runner yields or ends.
     */
    static final class Frame<R> implements Runnable {
        private Supplier<? extends R> body;
        Runner runner;
        private R result;
        private Throwable error;
        /** Set by shift before suspending, taken by drive after the runner yields. */
        Function<Object, ? extends R> shiftFunction;
        Continuation<?, R> captured;

        Frame(Supplier<? extends R> body) {
            this.body = body;
        }

        @Override
        public void run() {
            Supplier<? extends R> b = body;
            body = null;
            try {
                result = b.get();
            } catch (Throwable t) {
                error = t;
            }
        }

        @SuppressWarnings("unchecked")
        <A> void capture(Function<? super Continuation<A, R>, ? extends R> f, OneShot<A, R> k) {
            shiftFunction = (Function<Object, ? extends R>) (Function<?, ? extends R>) f;
            captured = k;
        }

        void forgetCapture() {
            shiftFunction = null;
            captured = null;
        }

        R outcome() {
            runner = null;
            Throwable e = error;
            if (e != null) {
                error = null;
                throw Throwing.sneaky(e);
            }
            R r = result;
            result = null;
            return r;
        }
    }
}
