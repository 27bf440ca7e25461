package loomcc.cont;

/**
 * Run in a child JVM by {@link BackendSelectionTest}: prints the default backend's name and the
 * result of one shift/reset on it, or the message of the error that refused to choose one.
 */
public final class BackendProbe {
    private BackendProbe() {
    }

    public static void main(String[] args) {
        try {
            Prompt<Integer> p = new Prompt<>("probe");
            int r = p.reset(() -> 1 + p.<Integer>shift(k -> k.resume(10) * 2));
            new Prompt<String>("second"); // the warning, if any, is said once
            System.out.println("backend=" + p.backendName() + " result=" + r);
        } catch (IllegalStateException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
