package loomcc.cont;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * The README's {@code Prompt} example, compiled and run; and a check that the README shows
 * exactly this code, so the two cannot drift apart.
 */
class ReadmeExampleTest {

    // README:begin prompt-example
    record Yielded(String value, Continuation<Void, Object> rest) {}

    static List<String> walk() {
        Prompt<Object> gen = new Prompt<>("gen");
        // A push-style loop turned into a pull-style generator: each shift suspends the loop.
        Object step = gen.reset(() -> {
            for (String s : List.of("a", "b", "c")) {
                gen.<Void>shift(k -> new Yielded(s, k)); // hand out s and the rest of the loop
            }
            return "done";
        });
        List<String> seen = new ArrayList<>();
        while (step instanceof Yielded y) {
            seen.add(y.value());
            step = y.rest().resume(null);                 // run the loop up to its next shift
        }
        seen.add((String) step);
        return seen;                                      // [a, b, c, done]
    }
    // README:end prompt-example

    @Test
    void theExampleDoesWhatTheReadmeSays() {
        assertEquals(List.of("a", "b", "c", "done"), walk());
    }

    @Test
    void theReadmeShowsThisVeryCode() throws IOException {
        Path module = Path.of("").toAbsolutePath();
        String readme = Files.readString(module.getParent().resolve("README.md"));
        String source = Files.readString(module.resolve("src/test/java/loomcc/cont/ReadmeExampleTest.java"));
        String example = between(source, "// README:begin prompt-example", "    // README:end prompt-example");
        assertTrue(normalize(readme).contains(normalize(example)),
                "README.md must show the example of ReadmeExampleTest verbatim:\n" + example);
    }

    private static String between(String text, String begin, String end) {
        int from = text.indexOf(begin);
        int to = text.indexOf(end, from);
        assertTrue(from >= 0 && to > from, "markers not found");
        return text.substring(text.indexOf('\n', from) + 1, to);
    }

    /** Drops the common indentation of the block and trailing spaces. */
    private static String normalize(String block) {
        return block.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }
}
