package loomcc.cont;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import loomcc.internal.cont.Backends;

/**
 * A continuation resumed alternately on two threads sees the right current thread and the right
 * thread-locals after every resumption, once its frames are compiled. On JDK 25 under C2 this
 * holds only with -XX:-InlineThreadNatives (see loomcc.internal.cont.Migration): fiber-core's
 * "loom-cross-thread" execution runs it with the flag (without it, and without the refusal,
 * about 40% of resumptions saw the old thread once C2 had compiled the body; with neither the
 * flag nor C2, loomcc refuses the move, which LoomBackendContinuationTest checks).
 */
@Tag("loom")
@Tag(ContinuationSpec.CROSS_THREAD)
class ThreadMigrationTest {
    private static final ThreadLocal<String> NAME = new ThreadLocal<>();
    private final ExecutorService a = Executors.newSingleThreadExecutor(r -> new Thread(r, "migrate-a"));
    private final ExecutorService b = Executors.newSingleThreadExecutor(r -> new Thread(r, "migrate-b"));
    private volatile String expected;
    private int stale;

    @AfterEach
    void stop() {
        a.shutdownNow();
        b.shutdownNow();
    }

    @Test
    void currentThreadAndThreadLocalsFollowTheResumingThread() throws Exception {
        Prompt<Object> p = new Prompt<>("migrate", Backends.loom());
        int rounds = 300_000;
        Object[] k = {p.reset(() -> {
            for (;;) {
                p.<Void>shift(c -> c);
                NAME.set(Thread.currentThread().getName());
                if (!expected.equals(Thread.currentThread().getName()) || !expected.equals(NAME.get())) {
                    stale++;
                }
            }
        })};
        for (int i = 0; i < rounds; i++) {
            ExecutorService on = (i & 1) == 0 ? a : b;
            expected = (i & 1) == 0 ? "migrate-a" : "migrate-b";
            @SuppressWarnings("unchecked")
            Continuation<Void, Object> c = (Continuation<Void, Object>) k[0];
            k[0] = on.submit(() -> c.resume(null)).get(60, TimeUnit.SECONDS);
        }
        assertEquals(0, stale, "resumptions that saw another thread's identity or thread-locals");
        assertTrue(k[0] instanceof Continuation<?, ?>);
    }
}
