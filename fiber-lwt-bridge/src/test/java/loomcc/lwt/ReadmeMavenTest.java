package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * The README's "In your own Maven project" shows configuration from {@code examples/maven-user},
 * a separate project that was built and run against the installed artifacts: every XML snippet
 * there must be a verbatim part of that project's pom, so the README cannot drift from what was
 * tried. Links in the README stay inside the repository.
 */
class ReadmeMavenTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void everyXmlSnippetOfTheMavenSectionIsPartOfTheExampleProject() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int from = readme.indexOf("## In your own Maven project");
        int to = readme.indexOf("\n## ", from + 1);
        assertTrue(from >= 0 && to > from, "the README has its Maven section");
        String section = readme.substring(from, to);
        String pom = normalize(Files.readString(ROOT.resolve("examples/maven-user/pom.xml")));
        Matcher m = Pattern.compile("```xml\n(.*?)```", Pattern.DOTALL).matcher(section);
        List<String> snippets = new ArrayList<>();
        while (m.find()) {
            snippets.add(m.group(1));
        }
        assertEquals(4, snippets.size(), "dependency, Surefire, exec, jar manifest");
        for (String snippet : snippets) {
            assertTrue(pom.contains(normalize(snippet)), "not in examples/maven-user/pom.xml:\n" + snippet);
        }
        assertTrue(section.contains("<Add-Exports>java.base/jdk.internal.vm</Add-Exports>"));
    }

    @Test
    void theReadmeLinksOnlyToFilesInTheRepository() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertFalse(readme.contains("../"), "README.md points outside the repository");
        Matcher m = Pattern.compile("\\]\\(([^)#]+)[^)]*\\)").matcher(readme);
        while (m.find()) {
            String target = m.group(1);
            if (!target.startsWith("http")) {
                assertTrue(Files.exists(ROOT.resolve(target)), "README.md links to a missing file: " + target);
            }
        }
        assertTrue(Files.exists(ROOT.resolve("LICENSE")));
    }

    /** Lines stripped, blank ones dropped: indentation differs between the README and the pom. */
    private static String normalize(String block) {
        return block.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }
}
