package loomcc.cont;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import loomcc.internal.cont.Backend;
import loomcc.internal.cont.Backends;

/** The spec on the virtual-thread hand-off backend, plus its documented difference in thread identity. */
class VThreadBackendContinuationTest extends ContinuationSpec {

    @Override
    Backend backend() {
        return Backends.vthread();
    }

    @Test
    void theBodyRunsOnAVirtualThreadOfItsOwn() {
        Prompt<Object> p = prompt("vt");
        List<Thread> seen = new ArrayList<>();
        Object k = p.reset(() -> {
            seen.add(Thread.currentThread());
            p.<Void>shift(c -> c);
            seen.add(Thread.currentThread());
            return "ok";
        });
        @SuppressWarnings("unchecked")
        Continuation<Void, Object> c = (Continuation<Void, Object>) k;
        assertEquals("ok", c.resume(null));
        assertEquals(2, seen.size());
        assertTrue(seen.get(0).isVirtual());
        assertEquals(seen.get(0), seen.get(1), "one virtual thread for the whole reset");
        assertFalse(Thread.currentThread().isVirtual());
    }
}
