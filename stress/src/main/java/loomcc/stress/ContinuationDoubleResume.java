package loomcc.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import loomcc.cont.Continuation;
import loomcc.cont.Prompt;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A one-shot continuation (loomcc.cont.OneShot: SUSPENDED -> RESUMED by CAS) resumed by two threads
 * at once: exactly one runs the rest of the body and gets its result; the other gets
 * {@link IllegalStateException} at once (-1 here). Never both, never neither.
 */
@JCStressTest
@Outcome(id = "10, -1", expect = ACCEPTABLE, desc = "the first actor's resume won")
@Outcome(id = "-1, 20", expect = ACCEPTABLE, desc = "the second actor's resume won")
@Outcome(id = "-1, -1", expect = FORBIDDEN, desc = "neither resumed")
@Outcome(id = "10, 20", expect = FORBIDDEN, desc = "resumed twice")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class ContinuationDoubleResume {
    private final Continuation<Integer, Integer> k;

    public ContinuationDoubleResume() {
        Prompt<Integer> p = new Prompt<>("jcstress");
        java.util.concurrent.atomic.AtomicReference<Continuation<Integer, Integer>> box =
                new java.util.concurrent.atomic.AtomicReference<>();
        p.reset(() -> p.<Integer>shift(c -> {
            box.set(c);
            return -2;
        }) * 10);
        k = box.get();
    }

    private int resume(int v) {
        try {
            return k.resume(v);
        } catch (IllegalStateException already) {
            return -1;
        }
    }

    @Actor
    public void first(II_Result r) {
        r.r1 = resume(1);
    }

    @Actor
    public void second(II_Result r) {
        r.r2 = resume(2);
    }
}
