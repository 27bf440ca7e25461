package loomcc.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import loomcc.bench.Grid.SystemId;
import loomcc.lwt.Lwt;
import loomcc.lwt.LwtFiber;
import loomcc.lwt.LwtMain;
import loomcc.lwt.LwtPreemptive;
import loomcc.lwt.Resolver;

/**
 * Heap per suspended fiber (issue 5, target: at most 1 KiB for a shallow fiber): suspend
 * {@code count} (100 000) shallow fibers of a system, and divide the growth of the heap in use
 * after a full GC by {@code count}. Not JMH: JMH times ops; this is a footprint.
 *
 * <p>What counts: everything a suspended fiber keeps alive (its continuation, the frozen stack
 * chunk, the system's fiber object) and one reference in the array that holds them (4 or 8 bytes;
 * a real scheduler holds one too). Measured as {@code MemoryMXBean} heap used after three
 * {@code System.gc()} calls, before and after; the array is allocated before the first reading.
 * A shallow fiber: one frame of workload (a lambda) above the system's own await frames.
 *
 * <p>Subjects: {@code raw} (a {@code jdk.internal.vm.Continuation} that yielded once) and
 * {@code vthread} (a started virtual thread parked in {@code LockSupport.park()}). {@code fiber}
 * joins with the bridge: implement {@link Subject} with {@code LwtFiber.start} and an await on a
 * pending {@code Lwt}, and add it to {@link #subject}.
 *
 * <p>Writes {@code heap.csv} ({@code system,fibers,bytes_per_fiber}) into the report folder;
 * {@link Report} puts it into report.md.
 *
 * <pre>
 * HOW TO RUN (after mvn -q -pl bench -am package -DskipTests):
 *   java --add-exports java.base/jdk.internal.vm=ALL-UNNAMED -Xmx2g -cp bench/target/loomcc-bench.jar \
 *        loomcc.bench.HeapPerFiber [--out bench/report] [--count 100000] [--systems raw,vthread]
 * </pre>
 */
public final class HeapPerFiber {

    private HeapPerFiber() {
    }

    /** A system whose fibers can be suspended in bulk. */
    interface Subject {
        /** Suspends {@code holder.length} shallow fibers, keeping each one reachable from {@code holder}. */
        void suspend(Object[] holder) throws InterruptedException;

        /** Resumes them all to the end, so nothing leaks into the next measurement. */
        void release(Object[] holder) throws InterruptedException;
    }

    static Subject subject(SystemId s) {
        return switch (s) {
            case RAW -> new Raw();
            case VTHREAD -> new VThread();
            case FIBER -> new FiberSubject();
            default -> throw new IllegalArgumentException("HeapPerFiber: no subject for " + s.id()
                    + " (fiber, raw, vthread)");
        };
    }

    /** Bare continuations, each yielded once. */
    static final class Raw implements Subject {
        private static final ContinuationScope SCOPE = new ContinuationScope("heap");

        @Override
        public void suspend(Object[] holder) {
            for (int i = 0; i < holder.length; i++) {
                Continuation c = new Continuation(SCOPE, () -> Continuation.yield(SCOPE));
                c.run();
                holder[i] = c;
            }
        }

        @Override
        public void release(Object[] holder) {
            for (Object o : holder) {
                ((Continuation) o).run();
            }
        }
    }

    /**
     * loomcc fibers, each {@code LwtFiber.start(() -> LwtFiber.await(gate))} on one Lwt loop that
     * runs on a thread of its own and waits, idle, while the heap is measured. Everything a
     * suspended fiber keeps is counted: its continuation and stack chunk, the fiber and its wait,
     * the cancelable promise start returned, and the callback on the gate.
     */
    static final class FiberSubject implements Subject {
        private Thread loopThread;
        private Resolver<Void> gate;
        private Resolver<Void> done;

        @Override
        public void suspend(Object[] holder) throws InterruptedException {
            CountDownLatch suspended = new CountDownLatch(1);
            loopThread = new Thread(() -> LwtMain.run(() -> {
                gate = Lwt.pending();
                done = Lwt.pending();
                for (int i = 0; i < holder.length; i++) {
                    holder[i] = LwtFiber.start(() -> LwtFiber.await(gate.promise()));
                }
                suspended.countDown();
                return done.promise();
            }), "heap-per-fiber-loop");
            loopThread.start();
            suspended.await();
        }

        @Override
        public void release(Object[] holder) throws InterruptedException {
            LwtPreemptive.runInMain(() -> {
                gate.resolve(null);
                for (Object o : holder) {
                    if (!((Lwt<?>) o).isFulfilled()) {
                        throw new IllegalStateException("a fiber did not finish after the gate opened: " + o);
                    }
                }
                done.resolve(null);
                return null;
            });
            loopThread.join();
        }
    }

    /** Virtual threads, each parked. */
    static final class VThread implements Subject {
        private volatile boolean released;

        @Override
        public void suspend(Object[] holder) throws InterruptedException {
            released = false; // the same subject runs the warm-up first
            CountDownLatch started = new CountDownLatch(holder.length);
            for (int i = 0; i < holder.length; i++) {
                holder[i] = Thread.ofVirtual().start(() -> {
                    started.countDown();
                    while (!released) {
                        LockSupport.park();
                    }
                });
            }
            started.await();
            // Wait until each one has really parked (unmounted); a deadline rather than a spin
            // that could hang (it did, while `released` was left true by the warm-up).
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            int notParked;
            do {
                notParked = 0;
                for (Object o : holder) {
                    if (((Thread) o).getState() != Thread.State.WAITING) {
                        notParked++;
                    }
                }
                if (notParked > 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(notParked + " of " + holder.length
                                + " virtual threads never parked within 2 minutes");
                    }
                    Thread.sleep(10);
                }
            } while (notParked > 0);
        }

        @Override
        public void release(Object[] holder) throws InterruptedException {
            released = true;
            for (Object o : holder) {
                LockSupport.unpark((Thread) o);
            }
            for (Object o : holder) {
                ((Thread) o).join();
            }
        }
    }

    /** Bytes of heap per suspended fiber of {@code subject}, over {@code count} of them. */
    static double measure(Subject subject, int count) throws InterruptedException {
        Object[] holder = new Object[count];
        long before = usedAfterGc();
        subject.suspend(holder);
        long after = usedAfterGc();
        subject.release(holder);
        return (after - before) / (double) count;
    }

    static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    public static void main(String[] argv) throws Exception {
        Path out = Files.isDirectory(Path.of("bench")) ? Path.of("bench", "report") : Path.of("report");
        int count = 100_000;
        List<SystemId> systems = List.of(SystemId.FIBER, SystemId.RAW, SystemId.VTHREAD);
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--out" -> out = Path.of(argv[++i]);
                case "--count" -> count = Integer.parseInt(argv[++i]);
                case "--systems" -> systems = java.util.Arrays.stream(argv[++i].split(",")).map(SystemId::of).toList();
                default -> throw new IllegalArgumentException("unknown argument " + argv[i]
                        + "; usage: [--out DIR] [--count N] [--systems fiber,raw,vthread]");
            }
        }
        run(out, count, systems);
    }

    /** The systems this harness can measure. */
    static boolean measurable(SystemId s) {
        return s == SystemId.FIBER || s == SystemId.RAW || s == SystemId.VTHREAD;
    }

    /** Measures each system, prints a line per system and writes {@code heap.csv} into {@code out}. */
    static List<Analysis.Heap> run(Path out, int count, List<SystemId> systems) throws IOException, InterruptedException {
        List<Analysis.Heap> rows = new ArrayList<>();
        for (SystemId s : systems) {
            Subject subject = subject(s);
            // Warm up at full size twice (a frame frozen while still interpreted is several
            // times larger than a compiled one, so a cold run overstates), then take the median
            // of three measurements: one run varied by half between JVMs.
            measure(subject, count);
            measure(subject, count);
            double[] runs = {measure(subject, count), measure(subject, count), measure(subject, count)};
            java.util.Arrays.sort(runs);
            double perFiber = runs[1];
            System.out.printf(Locale.ROOT, "%s: %.0f bytes per suspended fiber (%d suspended)%n", s.id(), perFiber, count);
            rows.add(new Analysis.Heap(s, count, perFiber));
        }
        Files.createDirectories(out);
        write(out.resolve("heap.csv"), rows);
        return rows;
    }

    static void write(Path csv, List<Analysis.Heap> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("system,fibers,bytes_per_fiber");
        for (Analysis.Heap h : rows) {
            lines.add(String.format(Locale.ROOT, "%s,%d,%.1f", h.system().id(), h.fibers(), h.bytesPerFiber()));
        }
        Files.write(csv, lines, StandardCharsets.UTF_8);
    }

    /** heap.csv's rows, or none when the file is not there. */
    static List<Analysis.Heap> read(Path csv) throws IOException {
        List<Analysis.Heap> rows = new ArrayList<>();
        if (!Files.exists(csv)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 3) {
                throw new IllegalArgumentException(csv + ": expected system,fibers,bytes_per_fiber in: " + line);
            }
            rows.add(new Analysis.Heap(SystemId.of(f[0]), Integer.parseInt(f[1].trim()), Double.parseDouble(f[2].trim())));
        }
        return rows;
    }
}
