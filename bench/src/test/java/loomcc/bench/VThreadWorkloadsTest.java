package loomcc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;

/**
 * The vthread workload cannot see its own yields, so this spec runs a probed subclass: before
 * each await it starts a marker virtual thread, and after the await it checks whether the marker
 * ran. With one carrier (Surefire's argLine sets parallelism=1, as VThreadBench's fork does) the
 * marker can run only if the await really unmounted the op's thread: so "suspensions" counts real
 * yields. quick must never yield; medium at every await.
 *
 * <p>slow ({@code parkNanos(1)}) is not observable this way: its wake-up is relayed by the
 * scheduler's DelayScheduler into the carrier's local queue, ahead of a marker started from a
 * virtual thread, so the marker mostly runs after the op resumes even though the op did park
 * (measured on JDK 25: about 8 µs per parkNanos(1) against 0.3 µs per yield, and the JDK source
 * cited in VThreadWorkloads). Its awaits and values are still checked.
 */
class VThreadWorkloadsTest extends WorkloadsSpec {

    @BeforeAll
    static void oneCarrier() {
        assertEquals("1", System.getProperty("jdk.virtualThreadScheduler.parallelism"),
                "run with -Djdk.virtualThreadScheduler.parallelism=1 (bench's Surefire argLine does)");
    }

    static final class Probed extends VThreadWorkloads {
        private volatile boolean markerRan;
        private long yields;

        @Override
        protected long await(long v) {
            markerRan = false;
            Thread.startVirtualThread(() -> markerRan = true);
            long r = super.await(v);
            if (markerRan) {
                yields++;
            }
            return r;
        }

        @Override
        public long suspensions() {
            return yields;
        }
    }

    @Override
    long expectedSuspensions(Grid.Series s, long awaits) {
        return s.blocker() == Grid.Blocker.SLOW ? -1 : super.expectedSuspensions(s, awaits);
    }

    @Override
    Workloads create() {
        return new Probed();
    }
}
