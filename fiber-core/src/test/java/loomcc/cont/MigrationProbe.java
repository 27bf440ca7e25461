package loomcc.cont;

/** Run in a child JVM by {@link BackendSelectionTest}: resumes one continuation on another thread. */
public final class MigrationProbe {
    private MigrationProbe() {
    }

    public static void main(String[] args) throws Exception {
        Prompt<Object> p = new Prompt<>("probe");
        Object k = p.reset(() -> p.<String>shift(c -> c) + " on " + Thread.currentThread().getName());
        @SuppressWarnings("unchecked")
        Continuation<String, Object> c = (Continuation<String, Object>) k;
        Object[] out = new Object[1];
        Thread t = new Thread(() -> out[0] = c.resume("resumed"), "other");
        t.start();
        t.join();
        System.out.println(out[0]);
    }
}
