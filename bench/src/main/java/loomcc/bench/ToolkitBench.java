package loomcc.bench;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import loomcc.lwt.Lwt;
import loomcc.lwt.LwtFiber;
import loomcc.lwt.LwtMain;
import loomcc.lwt.LwtMutex;
import loomcc.lwt.LwtStream;
import loomcc.lwt.Resolver;

/*
 * What the toolkit costs over the same hand-off done by hand with Resolvers (issue 10's
 * performance item), side by side in one run:
 *
 *   stream*   one value from a producer fiber to a consumer fiber. The consumer always waits
 *             first, so each value is: the producer hands it over, the consumer resumes, asks for
 *             the next and suspends again. streamPushNext uses LwtStream.bounded(1) (a Consumer
 *             waiter per value: a task, its Resolver and the waiter node); resolverHandOff does the
 *             same with one Lwt.task() per value and a field as the one-slot mailbox (no cancel
 *             safety, no end, no back-pressure).
 *   *Promises the same hand-offs in promise code on a running loop, without fibers or a loop
 *             turn (steadier numbers): streamHandOffPromises is a waiting next() then the push
 *             that fulfils it, resolverHandOffPromises a task and its resolve.
 *   mutex*    one contended lock() (the mutex is held: the waiter queues) and the unlock() that
 *             hands the mutex to it, in promise code: mutexWithWaiter uses LwtMutex (a waiter
 *             node, a task and its Resolver), resolverMutex a hand-written flag and FIFO of
 *             Lwt.task()s (no cancel safety).
 *   uncontendedLock   lock() + unlock() of a free LwtMutex, no loop: with -prof gc its
 *             gc.alloc.rate.norm is the allocation per pair (issue 10: nothing beyond the resolved
 *             promise lock() returns, which is a shared constant: 0 B/op).
 *
 * Each benchmark but uncontendedLock runs OPS ops in one LwtMain.run per invocation (the loop
 * start is amortised over them; promises are cheapest on a running loop), and JMH divides by OPS.
 * Average time per op, in nanoseconds; the results go back to JMH.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED")
public class ToolkitBench {

    static final int OPS = 10_000;

    // ----------------------------------------------------------------------------- streams

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long streamPushNext() {
        return LwtMain.run(() -> {
            LwtStream<Integer> s = LwtStream.bounded(1);
            Lwt<Long> consumer = LwtFiber.start(() -> {
                long sum = 0;
                for (Optional<Integer> v; (v = LwtFiber.await(s.next())).isPresent(); ) {
                    sum += v.get();
                }
                return sum;
            });
            LwtFiber.start(() -> {
                for (int i = 0; i < OPS; i++) {
                    LwtFiber.await(s.push(i));
                }
                s.close();
                return null;
            });
            return consumer;
        });
    }

    /**
     * The one-slot mailbox of resolverHandOff (the consumer's pending promise, or null); also where
     * resolverHandOffPromises publishes its task.
     */
    private Resolver<Integer> slot;

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long resolverHandOff() {
        return LwtMain.run(() -> {
            Lwt<Long> consumer = LwtFiber.start(() -> {
                long sum = 0;
                while (true) {
                    Resolver<Integer> r = Lwt.task();
                    slot = r;
                    int v = LwtFiber.await(r.promise());
                    if (v < 0) {
                        return sum;
                    }
                    sum += v;
                }
            });
            LwtFiber.start(() -> {
                for (int i = 0; i <= OPS; i++) {
                    Resolver<Integer> r = slot;
                    while (r == null) {                 // never: the consumer always waits first
                        LwtFiber.pause();
                        r = slot;
                    }
                    slot = null;
                    r.resolve(i == OPS ? -1 : i);
                }
                return null;
            });
            return consumer;
        });
    }

    /** Promise code: a waiting next(), then the push that hands it the value; OPS times on a loop. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long streamHandOffPromises() {
        return LwtMain.run(() -> {
            LwtStream<Integer> s = LwtStream.unbounded();
            long got = 0;
            for (int i = 0; i < OPS; i++) {
                Lwt<Optional<Integer>> n = s.next();
                s.push(i);
                got += n.getNow().get();
            }
            return Lwt.resolved(got);
        });
    }

    /** The same with one task per value: wait, then resolve. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long resolverHandOffPromises() {
        return LwtMain.run(() -> {
            long got = 0;
            for (int i = 0; i < OPS; i++) {
                Resolver<Integer> r = Lwt.task();
                slot = r;                    // the waiter is published, as a queued one is: no scalar replacement
                r.resolve(i);
                got += r.promise().getNow();
            }
            slot = null;
            return Lwt.resolved(got);
        });
    }

    // ----------------------------------------------------------------------------- mutexes

    /** One contended lock() (the waiter queues) and the unlock() that hands the mutex to it; OPS times. */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long mutexWithWaiter() {
        return LwtMain.run(() -> {
            LwtMutex m = new LwtMutex();
            m.lock();
            long granted = 0;
            for (int i = 0; i < OPS; i++) {
                Lwt<Void> w = m.lock();
                m.unlock();
                granted += w.isFulfilled() ? 1 : 0;
            }
            m.unlock();
            return Lwt.resolved(granted);
        });
    }

    /** The same with a hand-written FIFO of tasks (no cancel safety). */
    @Benchmark
    @OperationsPerInvocation(OPS)
    public long resolverMutex() {
        return LwtMain.run(() -> {
            HandMutex m = new HandMutex();
            m.lock();
            long granted = 0;
            for (int i = 0; i < OPS; i++) {
                Lwt<Void> w = m.lock();
                m.unlock();
                granted += w.isFulfilled() ? 1 : 0;
            }
            m.unlock();
            return Lwt.resolved(granted);
        });
    }

    /** The hand-written lock: a flag and a FIFO of tasks, as one would write it with Resolvers. */
    private static final class HandMutex {
        private boolean locked;
        private final ArrayDeque<Resolver<Void>> waiting = new ArrayDeque<>();

        Lwt<Void> lock() {
            if (!locked) {
                locked = true;
                return Lwt.resolved(null);
            }
            Resolver<Void> r = Lwt.task();
            waiting.add(r);
            return r.promise();
        }

        void unlock() {
            Resolver<Void> next = waiting.poll();
            if (next == null) {
                locked = false;
            } else {
                next.resolve(null);
            }
        }
    }

    // ----------------------------------------------------------------------------- allocation

    private final LwtMutex free = new LwtMutex();

    @Benchmark
    public boolean uncontendedLock() {
        boolean granted = free.lock().isFulfilled();
        free.unlock();
        return granted;
    }
}

/*
 * HOW TO RUN (from the repository root, JDK 25):
 *
 *   mvn -q -pl bench -am package -DskipTests
 *   java -cp bench/target/loomcc-bench.jar org.openjdk.jmh.Main ToolkitBench -prof gc
 *
 * Read: streamPushNext / resolverHandOff, streamHandOffPromises / resolverHandOffPromises,
 * mutexWithWaiter / resolverMutex; uncontendedLock's gc.alloc.rate.norm (B/op) should be 0.
 */
