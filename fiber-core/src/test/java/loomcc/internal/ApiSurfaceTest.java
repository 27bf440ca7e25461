package loomcc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Public types live only in the API packages; everything else is under {@code loomcc.internal}
 * and says "Not API" in its package comment (as Caffeine asserts its exported packages).
 */
class ApiSurfaceTest {
    static final Set<String> API = Set.of("loomcc.cont", "loomcc.fiber");

    @Test
    void publicTypesAreOnlyInTheApiPackagesAndInternalPackagesSaySo() throws Exception {
        Path classes = Path.of(Throwing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> publicPackages = new TreeSet<>();
        Set<String> allPackages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.endsWith("package-info")) {
                    continue;
                }
                Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                String pkg = c.getPackageName();
                allPackages.add(pkg);
                if (Modifier.isPublic(c.getModifiers()) && !pkg.startsWith("loomcc.internal")) {
                    publicPackages.add(pkg);
                }
            }
        }
        assertEquals(new TreeSet<>(API), publicPackages);
        for (String pkg : allPackages) {
            assertTrue(API.contains(pkg) || pkg.equals("loomcc.internal") || pkg.startsWith("loomcc.internal."),
                    "package outside the API and outside loomcc.internal: " + pkg);
            assertTrue(packageComment(pkg).contains(API.contains(pkg) ? "" : "Not API."),
                    pkg + " needs a package-info.java saying \"Not API.\"");
        }
    }

    private static String packageComment(String pkg) throws IOException {
        Path src = Path.of("src/main/java", pkg.replace('.', '/'), "package-info.java");
        assertTrue(Files.exists(src), "missing " + src);
        return String.join("\n", Files.readAllLines(src));
    }
}
