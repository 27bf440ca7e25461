package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import loomcc.bench.ServerBench.Load;
import loomcc.bench.ServerBench.Pinning;

/** The server section's pinning and the command lines it builds (no timing: see ServerAnalysisTest for figures). */
class ServerBenchTest {

    static final Optional<Path> TASKSET = Optional.of(Path.of("/usr/bin/taskset"));

    @Test
    void aKernelCpuListIsReadAsNumbers() {
        assertEquals(List.of(0, 1), ServerBench.parseCpuList("0-1"));
        assertEquals(List.of(0, 2, 3, 8), ServerBench.parseCpuList(" 8,0,2-3\n"));
        assertEquals(List.of(5), ServerBench.parseCpuList("5"));
        assertEquals(List.of(), ServerBench.parseCpuList(""));
        assertFalse(ServerBench.allowedCpus().isEmpty(), "this process runs on some CPU (Linux /proc/self/status)");
    }

    @Test
    void autoPinsTheServersToTheFirstAllowedCpuAndTheClientToTheSecond() {
        Pinning p = Pinning.choose("auto", List.of(2, 5, 7), TASKSET);
        assertEquals(2, p.serverCpu());
        assertEquals(5, p.clientCpu());
        assertEquals(List.of("/usr/bin/taskset", "-c", "2"), p.serverPrefix());
        assertEquals(List.of("/usr/bin/taskset", "-c", "5"), p.clientPrefix());
        assertTrue(p.text().contains("CPU 2") && p.text().contains("CPU 5"), p.text());
        assertTrue(p.text().contains("one carrier thread"), "the vthread server's one carrier is said: " + p.text());
    }

    @Test
    void autoLeavesEverythingFreeWhenItCannotPinAndSaysWhy() {
        Pinning noTaskset = Pinning.choose("auto", List.of(0, 1), Optional.empty());
        assertEquals(List.of(), noTaskset.serverPrefix());
        assertEquals(List.of(), noTaskset.clientPrefix());
        assertTrue(noTaskset.text().startsWith("Not pinned") && noTaskset.text().contains("`taskset` is not on the PATH"),
                noTaskset.text());
        Pinning oneCpu = Pinning.choose("auto", List.of(3), TASKSET);
        assertEquals(List.of(), oneCpu.serverPrefix());
        assertTrue(oneCpu.text().contains("1 CPU ([3])") && oneCpu.text().contains("needs two"), oneCpu.text());
    }

    @Test
    void offPinsNothingAndClientPinsOnlyRedisBenchmark() {
        Pinning off = Pinning.choose("off", List.of(0, 1), TASKSET);
        assertNull(off.serverCpu());
        assertNull(off.clientCpu());
        assertTrue(off.text().contains("--server-pin off, the default") && off.text().contains("`--server-pin auto` pins"),
                off.text());
        Pinning client = Pinning.choose("client", List.of(0, 1), TASKSET);
        assertEquals(List.of(), client.serverPrefix());
        assertEquals(List.of("/usr/bin/taskset", "-c", "1"), client.clientPrefix());
        assertTrue(client.text().contains("servers not pinned"), client.text());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pinning.choose("both", List.of(0, 1), TASKSET));
        assertTrue(e.getMessage().contains("off, auto, client"), e.getMessage());
    }

    @Test
    void theClientsCommandLineStartsWithItsPin() {
        Pinning p = Pinning.choose("auto", List.of(0, 1), TASKSET);
        List<String> cmd = ServerBench.clientCommand(p.clientPrefix(), Path.of("/usr/bin/redis-benchmark"), 6380,
                Load.of("c1000-P1"), "get", 20_000);
        assertEquals(List.of("/usr/bin/taskset", "-c", "1", "/usr/bin/redis-benchmark", "-h", "127.0.0.1", "-p",
                "6380", "-c", "1000", "-P", "1", "-n", "20000", "-t", "get", "--csv"), cmd);
        assertEquals(cmd.subList(3, cmd.size()), ServerBench.clientCommand(List.of(),
                Path.of("/usr/bin/redis-benchmark"), 6380, Load.of("c1000-P1"), "get", 20_000), "unpinned: no prefix");
    }

    @Test
    void everyServerRedisServerIncludedGetsTheSamePin() {
        Pinning p = Pinning.choose("auto", List.of(0, 1), TASKSET);
        List<String> pin = List.of("/usr/bin/taskset", "-c", "0");
        List<String> redis = ServerBench.serverCommand(p.serverPrefix(), "redis-server", 7000);
        assertEquals(pin, redis.subList(0, 3));
        assertTrue(redis.get(3).endsWith("redis-server"), redis.toString());
        assertEquals("7000", redis.get(redis.indexOf("--port") + 1));
        for (String system : List.of("fiber", ServerBench.AA, "vthread")) {
            List<String> jvm = ServerBench.serverCommand(p.serverPrefix(), system, 0);
            assertEquals(pin, jvm.subList(0, 3), system);
            assertTrue(jvm.get(3).endsWith("java"), jvm.toString());
            assertEquals(ServerBench.style(system), jvm.get(jvm.indexOf("--style") + 1));
            assertEquals("serve", jvm.get(jvm.indexOf("--style") - 1));
        }
        List<String> other = ServerBench.serverCommand(List.of(), "fiber@/tmp/other.jar", 0);
        assertEquals(List.of("-jar", "/tmp/other.jar", "serve", "--style", "fiber", "--port", "0"),
                other.subList(1, other.size()), "unpinned, another build's jar");
    }

    /**
     * A real server started pinned runs on the server's CPU alone, and its pid is the JVM's own
     * ({@code taskset} execs it), so the CPU clock read from {@code /proc/PID} is the server's.
     * Where this machine cannot pin, auto says so and the server starts unpinned.
     */
    @Test
    void aPinnedServerRunsOnItsCpuUnderItsOwnPid() throws Exception {
        Pinning p = Pinning.choose("auto", ServerBench.allowedCpus(), ServerBench.onPath("taskset"));
        ServerBench.Server s = ServerBench.Server.start("promise", p.serverPrefix());
        try {
            Path proc = Path.of("/proc", Long.toString(s.process.pid()));
            List<Integer> cpus = Files.readAllLines(proc.resolve("status")).stream()
                    .filter(l -> l.startsWith("Cpus_allowed_list:"))
                    .map(l -> ServerBench.parseCpuList(l.substring(l.indexOf(':') + 1))).findFirst().orElseThrow();
            if (p.serverCpu() != null) {
                assertEquals(List.of(p.serverCpu()), cpus);
            } else {
                assertEquals(ServerBench.allowedCpus(), cpus, p.text());
            }
            assertEquals("java", Files.readString(proc.resolve("comm")).trim());
            assertTrue(s.cpuNanos() > 0, "the JVM has run");
        } finally {
            s.stop();
        }
    }
}
