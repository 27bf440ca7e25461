package loomcc.cont;

/**
 * Run in a child JVM by {@link BackendSelectionTest}: resumes one continuation on another thread
 * and prints what happened; when that is refused, prints the refusal and resumes it where it was
 * captured.
 */
public final class MigrationProbe {
    private MigrationProbe() {
    }

    public static void main(String[] args) throws Exception {
        Prompt<Object> p = new Prompt<>("probe");
        Object k = p.reset(() -> p.<String>shift(c -> c) + " on " + (Thread.currentThread().isVirtual() ? "a virtual thread"
                : Thread.currentThread().getName()));
        @SuppressWarnings("unchecked")
        Continuation<String, Object> c = (Continuation<String, Object>) k;
        Object[] out = new Object[1];
        Thread t = new Thread(() -> {
            try {
                out[0] = c.resume("resumed");
            } catch (IllegalStateException e) {
                out[0] = "refused: " + e.getMessage();
            }
        }, "other");
        t.start();
        t.join();
        System.out.println(out[0]);
        if (String.valueOf(out[0]).startsWith("refused: ")) {
            System.out.println(c.resume("then resumed"));
        }
    }
}
