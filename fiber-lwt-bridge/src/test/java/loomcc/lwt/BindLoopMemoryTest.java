package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Issue 9, item 11: the idiomatic recursive loop, {@code loop() = read().bind(n -> loop())}, runs in
 * constant memory. Each turn's promise must not stay reachable once its turn is over (before proxies,
 * every turn's promise forwarded to the previous one, and the chain lived until the loop ended).
 *
 * <p>Two kinds of evidence, neither timed: {@link WeakReference}s to the promises of past turns are
 * cleared by a GC while the loop still runs, and the heap after GC grows by less than a small bound
 * between N and 10·N turns (the leak cost about 80 bytes a turn: 10·N = 1 000 000 turns would add
 * some 70 MB).
 */
class BindLoopMemoryTest {

    private static final int N = 100_000;
    /** Far below what the leak costs at 9·N turns (about 70 MB), far above GC noise. */
    private static final long HEAP_BOUND = 8L << 20;

    /** The read end of a fake connection: each read is a pending promise the test resolves. */
    private static final class Reads {
        Resolver<Integer> current;

        Lwt<Integer> read() {
            Resolver<Integer> r = Lwt.pending();
            current = r;
            return r.promise();
        }
    }

    /** A turn's promise, kept weakly, with the turn it belongs to. */
    private record Sample(int turn, WeakReference<Lwt<?>> ref) {}

    private static final class BindLoop {
        final Reads reads = new Reads();
        final List<Sample> samples = new ArrayList<>();
        int turns;

        /** loop () = read () >>= fun n -> if n < 0 then return turns else (incr turns; loop ()) */
        Lwt<Integer> loop() {
            return reads.read().bind(n -> {
                if (n < 0) {
                    return Lwt.resolved(turns);
                }
                turns++;
                Lwt<Integer> next = loop();
                if (turns % 10_000 == 0) {
                    samples.add(new Sample(turns, new WeakReference<>(next)));
                }
                return next;
            });
        }
    }

    @Test
    void promisesOfPastTurnsAreCollectable() {
        BindLoop l = new BindLoop();
        Lwt<Integer> outer = l.loop();
        for (int i = 0; i < N; i++) {
            l.reads.current.resolve(i);
        }
        assertTrue(outer.isPending());
        // The newest turn's promise is still wanted (its read is pending); the older ones are not.
        List<Sample> past = l.samples.subList(0, l.samples.size() - 1);
        assertEquals(N / 10_000 - 1, past.size());
        awaitCleared(past);
        l.reads.current.resolve(-1);
        assertEquals(N, outer.getNow());
    }

    @Test
    void aMillionTurnsRunInConstantMemory() {
        BindLoop l = new BindLoop();
        Lwt<Integer> outer = l.loop();
        long[] heap = new long[2];
        int turn = 0;
        for (int phase = 0; phase < 2; phase++) {
            int until = phase == 0 ? N : 10 * N;
            for (; turn < until; turn++) {
                l.reads.current.resolve(turn);
            }
            l.samples.clear();
            heap[phase] = usedHeapAfterGc();
        }
        l.reads.current.resolve(-1);
        assertEquals(10 * N, outer.getNow());
        assertTrue(heap[1] - heap[0] < HEAP_BOUND, "heap after GC grew by " + (heap[1] - heap[0])
                + " bytes from " + N + " to " + 10 * N + " turns of a bind loop");
    }

    /** The same loop written with recover: a retry loop, each attempt failing until the last. */
    @Test
    void aRecoverLoopKeepsNoPastAttempts() {
        Reads reads = new Reads();
        List<Sample> samples = new ArrayList<>();
        int[] attempts = {0};
        class Retry {
            Lwt<Integer> attempt() {
                return reads.read().recover(e -> {
                    attempts[0]++;
                    Lwt<Integer> next = attempt();
                    if (attempts[0] % 10_000 == 0) {
                        samples.add(new Sample(attempts[0], new WeakReference<>(next)));
                    }
                    return next;
                });
            }
        }
        Lwt<Integer> outer = new Retry().attempt();
        IllegalStateException busy = new IllegalStateException("busy");
        for (int i = 0; i < N; i++) {
            reads.current.reject(busy);
        }
        awaitCleared(samples.subList(0, samples.size() - 1));
        reads.current.resolve(7);
        assertEquals(7, outer.getNow());
        assertEquals(N, attempts[0]);
    }

    /** On a real loop, each read a {@code Lwt.pause()}: past turns' promises are collected mid-run. */
    @Test
    void aBindLoopOnTheEventLoopKeepsNoPastTurns() {
        List<Sample> samples = new ArrayList<>();
        int[] turns = {0};
        int[] cleared = {-1};
        class PauseLoop {
            Lwt<Integer> loop() {
                return Lwt.pause().bind(x -> {
                    int t = ++turns[0];
                    if (t == N) {
                        // Still inside the loop, with the whole chain of bind promises pending.
                        awaitCleared(samples.subList(0, samples.size() - 1));
                        cleared[0] = samples.size() - 1;
                        return Lwt.resolved(t);
                    }
                    Lwt<Integer> next = loop();
                    if (t % 10_000 == 0) {
                        samples.add(new Sample(t, new WeakReference<>(next)));
                    }
                    return next;
                });
            }
        }
        assertEquals(N, LwtMain.run(() -> new PauseLoop().loop()));
        assertEquals(N / 10_000 - 1, samples.size());
        assertEquals(samples.size() - 1, cleared[0]);
    }

    /**
     * The fiber form of the same loop, {@code while (...) await(read())}, was flat already: no
     * promise waits for another. Checked the same way, by heap after GC at N and 10·N turns,
     * measured inside the fiber while it runs.
     */
    @Test
    void aFiberAwaitLoopRunsInConstantMemory() {
        long[] heap = new long[2];
        long turns = LwtMain.run(() -> LwtFiber.start(() -> {
            long t = 0;
            for (int phase = 0; phase < 2; phase++) {
                int until = phase == 0 ? N : 10 * N;
                while (t < until) {
                    LwtFiber.await(Lwt.pause());
                    t++;
                }
                heap[phase] = usedHeapAfterGc();
            }
            return t;
        }));
        assertEquals(10L * N, turns);
        assertTrue(heap[1] - heap[0] < HEAP_BOUND, "heap after GC grew by " + (heap[1] - heap[0])
                + " bytes from " + N + " to " + 10 * N + " awaits in a fiber loop");
    }

    /**
     * Waits until a GC has cleared every sample. Not a timing assertion: each round asks for a full
     * GC, and a reference still set after 20 of them is reachable (the leak), not late.
     */
    private static void awaitCleared(List<Sample> samples) {
        for (int round = 0; round < 20; round++) {
            if (samples.stream().allMatch(s -> s.ref().get() == null)) {
                return;
            }
            System.gc();
        }
        List<Integer> alive = samples.stream().filter(s -> s.ref().get() != null).map(Sample::turn).toList();
        throw new AssertionError("the promises of past turns " + alive + " are still reachable after GC:"
                + " each turn's promise should be a proxy that nothing keeps once its read resolved");
    }

    private static long usedHeapAfterGc() {
        var bean = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {            // the smallest of three: a full GC may leave stragglers
            System.gc();
            best = Math.min(best, bean.getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
