package loomcc.cont;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import loomcc.internal.cont.Backends;

/** How the default backend is chosen, checked in child JVMs started with and without the flag. */
class BackendSelectionTest {

    record Outcome(String stdout, String stderr) {
    }

    private static Outcome probe(String... jvmArgs) throws Exception {
        return run(BackendProbe.class, jvmArgs);
    }

    private static Outcome run(Class<?> main, String... jvmArgs) throws Exception {
        String classpath = codeSource(Prompt.class) + File.pathSeparator + codeSource(BackendProbe.class);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", classpath, main.getName()));
        Process proc = new ProcessBuilder(cmd).start();
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        return new Outcome(new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(),
                new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void withTheFlagTheLoomBackendRunsAndNothingIsSaid() throws Exception {
        Outcome o = probe("--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED");
        assertEquals("backend=loom result=22", o.stdout());
        assertFalse(o.stderr().contains("loomcc"), o.stderr());
    }

    @Test
    void withoutTheFlagTheVirtualThreadBackendRunsAndOneWarningNamesTheFlag() throws Exception {
        Outcome o = probe();
        assertEquals("backend=vthread result=22", o.stdout());
        assertTrue(o.stderr().contains(Backends.ADD_EXPORTS_FLAG), o.stderr());
        assertEquals(1, o.stderr().split("jdk.internal.vm is not exported", -1).length - 1, "said once: " + o.stderr());
    }

    private static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED";

    @Test
    void underC2WithoutTheJitFlagAResumeOnAnotherThreadIsRefusedAndNamesTheThreeWaysOut() throws Exception {
        Outcome o = run(MigrationProbe.class, ADD_EXPORTS);
        String[] lines = o.stdout().split("\\R");
        assertEquals(2, lines.length, o.stdout() + o.stderr());
        assertTrue(lines[0].startsWith("refused: ") && lines[0].contains("'main'") && lines[0].contains("'other'"), lines[0]);
        assertTrue(lines[0].contains("-XX:+UnlockDiagnosticVMOptions -XX:-InlineThreadNatives")
                && lines[0].contains("-Dloomcc.backend=vthread") && lines[0].contains("resume it on that thread"), lines[0]);
        assertEquals("then resumed on main", lines[1], "still resumable where it was captured");
        assertFalse(o.stderr().contains("loomcc"), "no warning besides the refusal: " + o.stderr());
    }

    @Test
    void whereTheJvmMakesItSafeAResumeOnAnotherThreadRunsThere() throws Exception {
        assertEquals("resumed on other", run(MigrationProbe.class, ADD_EXPORTS,
                "-XX:+UnlockDiagnosticVMOptions", "-XX:-InlineThreadNatives").stdout());
        assertEquals("resumed on other", run(MigrationProbe.class, ADD_EXPORTS, "-XX:TieredStopAtLevel=1").stdout());
        assertEquals("resumed on other", run(MigrationProbe.class, ADD_EXPORTS, "-Xint").stdout());
        assertEquals("resumed on a virtual thread", run(MigrationProbe.class, ADD_EXPORTS, "-Dloomcc.backend=vthread").stdout());
    }

    @Test
    void withTheFlagUnlockedButThreadNativesStillInlinedItIsRefused() throws Exception {
        Outcome o = run(MigrationProbe.class, ADD_EXPORTS, "-XX:+UnlockDiagnosticVMOptions");
        assertTrue(o.stdout().startsWith("refused: "), o.stdout());
    }

    @Test
    void thePropertyForcesTheVirtualThreadBackendSilently() throws Exception {
        Outcome o = probe("--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "-Dloomcc.backend=vthread");
        assertEquals("backend=vthread result=22", o.stdout());
        assertFalse(o.stderr().contains("loomcc"), o.stderr());
    }

    @Test
    void forcingLoomWithoutTheFlagIsRefusedWithTheFix() throws Exception {
        Outcome o = probe("-Dloomcc.backend=loom");
        assertTrue(o.stdout().startsWith("refused: "), o.stdout());
        assertTrue(o.stdout().contains(Backends.ADD_EXPORTS_FLAG), o.stdout());
    }

    @Test
    void anUnknownBackendNameIsRefusedWithTheChoices() throws Exception {
        Outcome o = probe("-Dloomcc.backend=fast");
        assertTrue(o.stdout().startsWith("refused: "), o.stdout());
        assertTrue(o.stdout().contains("-Dloomcc.backend=loom") && o.stdout().contains("-Dloomcc.backend=vthread"), o.stdout());
    }
}
