package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * The README's examples are tests: the code between {@code // README:begin <region>} and
 * {@code // README:end <region>} in a test class must stand in README.md verbatim (indentation,
 * blank lines and trailing spaces aside), so the README never shows code that does not compile
 * or pass.
 */
final class ReadmeRegions {
    private ReadmeRegions() {
    }

    /** Fails unless README.md shows {@code region} of {@code testClass}'s source verbatim. */
    static void assertShown(Class<?> testClass, String region) throws IOException {
        Path module = Path.of("").toAbsolutePath();
        String readme = Files.readString(module.getParent().resolve("README.md"));
        String source = Files.readString(module.resolve("src/test/java/"
                + testClass.getName().replace('.', '/') + ".java"));
        String begin = "// README:begin " + region + "\n";
        int from = source.indexOf(begin);
        int to = source.indexOf("    // README:end " + region + "\n", from);
        assertTrue(from >= 0 && to > from, "markers of README region '" + region + "' not found in "
                + testClass.getSimpleName());
        String example = source.substring(from + begin.length(), to);
        assertTrue(normalize(readme).contains(normalize(example)),
                "README.md must show the region '" + region + "' of " + testClass.getSimpleName()
                        + " verbatim:\n" + example);
    }

    /** Drops the common indentation of the block, blank lines and trailing spaces. */
    private static String normalize(String block) {
        return block.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }
}
