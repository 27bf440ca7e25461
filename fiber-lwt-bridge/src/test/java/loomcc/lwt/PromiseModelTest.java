package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

/**
 * Model-based test (issue 13): random programs of promise operations run against {@link Lwt} and
 * against {@link Model}, a small reference written here from DESIGN.md's rules (Lwt's, and ours where
 * marked), and the two must agree on everything observable: the final state of every promise the
 * program made, and the order in which every function, callback, cleanup, onCancel hook and fiber
 * step ran. jqwik generates the programs and, on a disagreement, shrinks the program to a small one
 * and prints it with the seed.
 *
 * <p>A program is a list of {@link Op}s run by a driver fiber on a real loop. Ops name earlier
 * promises by number, counting back from the newest and taken modulo how many exist, so that every
 * shrunk program stays valid; resolve, reject and cancel count among the promises still pending when
 * there are any, so that most of them do something. The loop is part of the model: {@link Yield}
 * lets the loop turn ({@code LwtFiber.pause()}). The driver wakes inside a turn's wake-up phase, so
 * its next yield first lets that turn fire its timers, then the next turn wake the paused promises,
 * in the order they paused, and then the driver (its first yield, made before the loop's first turn,
 * only wakes). Sleeps are {@code sleep(0)}, due at the next timer phase, and {@code sleep(+inf)}:
 * nothing depends on how fast the machine is.
 *
 * <p>What the model leaves out, on purpose: the nesting bound (programs are shorter than it, so
 * every callback runs at once), threads, and I/O.
 *
 * <p>Tries: the default comes from {@code junit-platform.properties} (small, for CI); run more with
 * {@code -Djqwik.tries.default=20000}. Why jqwik: generation and shrinking of structured programs;
 * a failure prints the smallest program found, ready to paste into a unit test.
 */
class PromiseModelTest {

    // ===== Programs ===============================================================================

    /** One step of a program. */
    sealed interface Op {}

    /** {@code Lwt.pending()}: a new promise and its resolver. */
    record NewPending() implements Op {}

    /** {@code Lwt.task()}: a new cancelable promise and its resolver. */
    record NewTask() implements Op {}

    /** {@code Lwt.resolved(v)} or {@code Lwt.failed(E v)}. */
    record Const(boolean ok, int v) implements Op {}

    /** {@code p.bind(f)}, f as {@code ret} says. */
    record Bind(int p, Ret ret) implements Op {}

    /** {@code p.recover(h)}, h as {@code ret} says. */
    record Recover(int p, Ret ret) implements Op {}

    /** {@code p.map(f)}: f tags the value, or throws. */
    record Map(int p, boolean throwing) implements Op {}

    /** {@code p.whenDone(cleanup)}: the cleanup logs, and may throw. */
    record WhenDone(int p, boolean throwing) implements Op {}

    /** {@code p.onCancel(r)}: r logs. */
    record OnCancel(int p) implements Op {}

    /** {@code resolver.resolve(v)}. */
    record Resolve(int r, int v) implements Op {}

    /** {@code resolver.reject(E e)}. */
    record Reject(int r, int e) implements Op {}

    /** {@code resolver.tryResolve(v)} or {@code tryReject(E v)}; the answer is logged. */
    record TryResolve(int r, boolean ok, int v) implements Op {}

    /** {@code p.cancel()}. */
    record Cancel(int p) implements Op {}

    /** {@code Lwt.pick/choose/all/join} of one to three promises. */
    record Combine(Kind kind, List<Integer> ps) implements Op {}

    /** {@code Lwt.pause()}. */
    record Pause() implements Op {}

    /** {@code LwtUnix.sleep(0)} (fires on a later turn) or {@code LwtUnix.sleep(+inf)} (never). */
    record Sleep(boolean forever) implements Op {}

    /** The driver lets the loop turn once: {@code LwtFiber.pause()}. */
    record Yield() implements Op {}

    /** {@code LwtFiber.start}: a fiber that awaits each promise in turn, logs what it got, catches all. */
    record StartFiber(List<Integer> awaits) implements Op {}

    enum Kind { PICK, CHOOSE, ALL, JOIN }

    /** What the function of a bind or recover returns. */
    sealed interface Ret {}

    record Value(int v) implements Ret {}

    record Fail(int e) implements Ret {}

    record Throw(int e) implements Ret {}

    /** An existing promise, maybe pending: the case where the returned promise becomes a proxy. */
    record Existing(int p) implements Ret {}

    /** A new pending promise (or task), made inside the function; its resolver joins the program's. */
    record Fresh(boolean task) implements Ret {}

    // ===== The property ===========================================================================

    @Property(edgeCases = EdgeCasesMode.NONE, shrinking = ShrinkingMode.FULL) // edge cases: one-step programs
    void theImplementationAgreesWithTheModel(@ForAll("programs") List<Op> program) {
        Observed expected = new Model().run(program);
        Observed actual;
        // Programs end with fibers still waiting, on purpose; the loop's warning about them is noise here.
        Logger loopLog = Logger.getLogger("loomcc");
        Level level = loopLog.getLevel();
        loopLog.setLevel(Level.SEVERE);
        try {
            actual = new Real().run(program);
        } finally {
            loopLog.setLevel(level);
        }
        assertEquals(expected.log(), actual.log(), "the order of callbacks differs");
        assertEquals(expected.states(), actual.states(), "final states differ (by promise number)");
    }

    /**
     * The same check on programs made mostly of binds whose functions return promises that are still
     * pending, where the returned promise becomes a proxy (issue 9, item 11), with cancels, onCancel
     * hooks and fibers waiting on them.
     */
    @Property(edgeCases = EdgeCasesMode.NONE, shrinking = ShrinkingMode.FULL)
    void proxiesAgreeWithTheModel(@ForAll("proxyPrograms") List<Op> program) {
        theImplementationAgreesWithTheModel(program);
    }

    @Provide
    Arbitrary<List<Op>> programs() {
        return programs(new int[] {4, 4, 1, 5, 2, 2, 2, 1, 6, 2, 3, 2, 1, 1, 2, 2, 1}, 4);
    }

    @Provide
    Arbitrary<List<Op>> proxyPrograms() {
        return programs(new int[] {4, 4, 0, 10, 3, 1, 1, 2, 6, 1, 3, 1, 0, 0, 1, 2, 1}, 10);
    }

    /** Programs with these weights for the ops, in the order of the list below; {@code existing} weighs Ret.Existing. */
    private static Arbitrary<List<Op>> programs(int[] w, int existing) {
        // Promises and resolvers are named counting back from the newest: 0 is the last one made.
        Arbitrary<Integer> ix = Arbitraries.integers().between(0, 9).withDistribution(RandomDistribution.biased());
        Arbitrary<Integer> v = Arbitraries.integers().between(0, 9);
        Arbitrary<Ret> ret = Arbitraries.frequencyOf(
                Tuple.of(2, v.map(Value::new)),
                Tuple.of(1, v.map(Fail::new)),
                Tuple.of(1, v.map(Throw::new)),
                Tuple.of(existing, ix.map(Existing::new)),
                Tuple.of(2, Arbitraries.of(true, false).map(Fresh::new)));
        Arbitrary<List<Integer>> some = ix.list().ofMinSize(1).ofMaxSize(3);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(w[0], Arbitraries.just(new NewPending())),
                Tuple.of(w[1], Arbitraries.just(new NewTask())),
                Tuple.of(w[2], Arbitraries.of(true, false).flatMap(ok -> v.map(x -> new Const(ok, x)))),
                Tuple.of(w[3], ix.flatMap(p -> ret.map(r -> new Bind(p, r)))),
                Tuple.of(w[4], ix.flatMap(p -> ret.map(r -> new Recover(p, r)))),
                Tuple.of(w[5], ix.flatMap(p -> Arbitraries.of(false, true).map(t -> new Map(p, t)))),
                Tuple.of(w[6], ix.flatMap(p -> Arbitraries.of(false, true).map(t -> new WhenDone(p, t)))),
                Tuple.of(w[7], ix.map(OnCancel::new)),
                Tuple.of(w[8], ix.flatMap(r -> v.map(x -> new Resolve(r, x)))),
                Tuple.of(w[9], ix.flatMap(r -> v.map(x -> new Reject(r, x)))),
                Tuple.of(w[10], ix.map(Cancel::new)),
                Tuple.of(w[11], Arbitraries.of(Kind.class).flatMap(k -> some.map(ps -> new Combine(k, ps)))),
                Tuple.of(w[12], Arbitraries.just(new Pause())),
                Tuple.of(w[13], Arbitraries.of(false, true).map(Sleep::new)),
                Tuple.of(w[14], Arbitraries.just(new Yield())),
                Tuple.of(w[15], some.map(StartFiber::new)),
                Tuple.of(w[16], ix.flatMap(r -> Arbitraries.of(true, false).flatMap(
                        ok -> v.map(x -> new TryResolve(r, ok, x))))));
        // Short enough that no chain of callbacks reaches the nesting bound (Engine.MAX_NESTING).
        return op.list().ofMinSize(1).ofMaxSize(30).withSizeDistribution(RandomDistribution.uniform());
    }

    /** What a run shows: the log of everything user code saw, and each promise's final state. */
    record Observed(List<String> log, List<String> states) {}

    /** The error the programs throw and reject with: told apart by its number. */
    static final class E extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int id;

        E(int id) {
            super("E" + id, null, false, false);
            this.id = id;
        }
    }

    static String describe(Throwable t) {
        if (t instanceof Lwt.Canceled) {
            return "canceled";
        }
        return t instanceof E e ? "E" + e.id : t.getClass().getSimpleName();
    }

    static String mapped(int op, Object v) {
        return "m" + op + "(" + v + ")";
    }

    // ===== The implementation side ================================================================

    /** Runs a program on a real loop, in a driver fiber. */
    static final class Real {
        final List<Lwt<Object>> ps = new ArrayList<>();
        final List<Resolver<Object>> rs = new ArrayList<>();
        final List<String> log = new ArrayList<>();

        Observed run(List<Op> program) {
            LwtMain.run(() -> {
                LwtMain.setAsyncExceptionHandler(t -> log.add("async " + describe(t)));
                return LwtFiber.start(() -> {
                    for (int k = 0; k < program.size(); k++) {
                        try {
                            step(k, program.get(k));
                        } catch (RuntimeException | Error t) {
                            log.add(k + " threw " + describe(t));
                        }
                    }
                    return null;
                });
            });
            List<String> states = new ArrayList<>();
            for (Lwt<Object> p : ps) {
                states.add(state(p));
            }
            return new Observed(log, states);
        }

        static String state(Lwt<Object> p) {
            if (p.isPending()) {
                return "pending";
            }
            try {
                return "ok " + p.getNow();
            } catch (Throwable t) {
                return "err " + describe(t);
            }
        }

        Lwt<Object> p(int i) {
            return ps.get(ps.size() - 1 - i % ps.size());
        }

        Resolver<Object> resolver(int i) {
            return pendingFirst(rs, i, r -> r.promise().isPending());
        }

        void add(Lwt<?> p) {
            @SuppressWarnings("unchecked")
            Lwt<Object> o = (Lwt<Object>) p;
            ps.add(o);
        }

        Lwt<Object> fresh(boolean task) {
            Resolver<Object> r = task ? Lwt.task() : Lwt.pending();
            rs.add(r);
            add(r.promise());
            return r.promise();
        }

        Lwt<Object> ret(int k, Ret r) {
            return switch (r) {
                case Value v -> Lwt.resolved(v.v());
                case Fail f -> Lwt.failed(new E(f.e()));
                case Throw t -> throw new E(t.e());
                case Existing e -> p(e.p());
                case Fresh f -> fresh(f.task());
            };
        }

        void step(int k, Op op) {
            if (ps.isEmpty() && needsPromise(op)) {
                return;
            }
            switch (op) {
                case NewPending n -> fresh(false);
                case NewTask n -> fresh(true);
                case Const c -> add(c.ok() ? Lwt.resolved(c.v()) : Lwt.failed(new E(c.v())));
                case Bind b -> add(p(b.p()).bind(v -> {
                    log.add(k + " bind " + v);
                    return ret(k, b.ret());
                }));
                case Recover r -> add(p(r.p()).recover(e -> {
                    log.add(k + " recover " + describe(e));
                    return ret(k, r.ret());
                }));
                case Map m -> add(p(m.p()).map(v -> {
                    log.add(k + " map " + v);
                    if (m.throwing()) {
                        throw new E(k);
                    }
                    return mapped(k, v);
                }));
                case WhenDone w -> add(p(w.p()).whenDone(() -> {
                    log.add(k + " cleanup");
                    if (w.throwing()) {
                        throw new E(k);
                    }
                }));
                case OnCancel o -> p(o.p()).onCancel(() -> log.add(k + " onCancel"));
                case Resolve r -> {
                    if (!rs.isEmpty()) {
                        resolver(r.r()).resolve(r.v());
                        log.add(k + " resolved");
                    }
                }
                case Reject r -> {
                    if (!rs.isEmpty()) {
                        resolver(r.r()).reject(new E(r.e()));
                        log.add(k + " rejected");
                    }
                }
                case TryResolve t -> {
                    if (!rs.isEmpty()) {
                        Resolver<Object> r = resolver(t.r());
                        boolean done = t.ok() ? r.tryResolve(t.v()) : r.tryReject(new E(t.v()));
                        log.add(k + " try " + done);
                    }
                }
                case Cancel c -> pendingFirst(ps, c.p(), Lwt::isPending).cancel();
                case Combine c -> {
                    List<Lwt<Object>> in = new ArrayList<>();
                    for (int i : c.ps()) {
                        in.add(p(i));
                    }
                    add(switch (c.kind()) {
                        case PICK -> Lwt.pick(in);
                        case CHOOSE -> Lwt.choose(in);
                        case ALL -> Lwt.all(in);
                        case JOIN -> Lwt.join(in);
                    });
                }
                case Pause p -> add(Lwt.pause());
                case Sleep s -> add(LwtUnix.sleep(s.forever() ? Double.POSITIVE_INFINITY : 0));
                case Yield y -> {
                    LwtFiber.pause();
                    log.add(k + " yield");
                }
                case StartFiber f -> add(LwtFiber.start(() -> {
                    int ok = 0;
                    for (int i = 0; i < f.awaits().size(); i++) {
                        try {
                            Object v = LwtFiber.await(p(f.awaits().get(i)));
                            log.add(k + " await" + i + " ok " + v);
                            ok++;
                        } catch (RuntimeException t) {
                            log.add(k + " await" + i + " " + describe(t));
                        }
                    }
                    log.add(k + " fiber ends");
                    return ok;
                }));
            }
        }
    }

    /**
     * The i-th newest of the elements that are still pending, or of all when none is: so that
     * resolve and cancel mostly reach promises where they do something.
     */
    static <X> X pendingFirst(List<X> xs, int i, java.util.function.Predicate<X> pending) {
        List<X> live = new ArrayList<>();
        for (X x : xs) {
            if (pending.test(x)) {
                live.add(x);
            }
        }
        List<X> from = live.isEmpty() ? xs : live;
        return from.get(from.size() - 1 - i % from.size());
    }

    static boolean needsPromise(Op op) {
        return switch (op) {
            case NewPending n -> false;
            case NewTask n -> false;
            case Const c -> false;
            case Pause p -> false;
            case Sleep s -> false;
            case Yield y -> false;
            case Resolve r -> false;
            case Reject r -> false;
            case TryResolve t -> false;
            default -> true;
        };
    }

    // ===== The model ==============================================================================

    /**
     * The reference: DESIGN.md's rules, written as plainly as possible. A promise is pending or
     * resolved; a promise that a bind/recover function returns while pending is merged into the
     * promise bind returned (their callbacks in one list, the returned one's first; the documented
     * proxy rule). Callbacks run in the order added, onCancel ones first and only on a cancel; a
     * callback added to a resolved promise runs at once. Cancel collects every task that the
     * promise waits on (depth first, in list order), then rejects each with one Canceled.
     */
    static final class Model {
        static final Object SELF = new Object();

        final List<P> ps = new ArrayList<>();
        final List<P> rs = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        final List<P> paused = new ArrayList<>();
        final List<P> timers = new ArrayList<>();
        boolean turned;

        /** A model promise. */
        static final class P {
            boolean pending = true;
            boolean ok;
            Object value;
            /** Set when merged into another promise: everything goes there. */
            P into;
            List<Runnable> callbacks = new ArrayList<>();
            List<Runnable> onCancel = new ArrayList<>();
            /** null (not cancelable), SELF (a task), a P, or a List of P. */
            Object howToCancel;
        }

        static P resolvedP(boolean ok, Object v) {
            P p = new P();
            p.pending = false;
            p.ok = ok;
            p.value = v;
            return p;
        }

        static P find(P p) {
            while (p.into != null) {
                p = p.into;
            }
            return p;
        }

        static boolean canceled(P p) {
            return !p.pending && !p.ok && p.value instanceof Lwt.Canceled;
        }

        Observed run(List<Op> program) {
            for (int k = 0; k < program.size(); k++) {
                step(k, program.get(k));
            }
            if (turned) {
                // The driver ended inside a turn's wake-up phase; that turn still fires its timers.
                fireTimers();
            }
            List<String> states = new ArrayList<>();
            for (P p : ps) {
                P u = find(p);
                states.add(u.pending ? "pending"
                        : u.ok ? "ok " + u.value : "err " + describe((Throwable) u.value));
            }
            return new Observed(log, states);
        }

        P p(int i) {
            return ps.get(ps.size() - 1 - i % ps.size());
        }

        P fresh(boolean task) {
            P p = new P();
            p.howToCancel = task ? SELF : null;
            rs.add(p);
            ps.add(p);
            return p;
        }

        void complete(P p, boolean ok, Object v) {
            assert p.into == null && p.pending;
            p.pending = false;
            p.ok = ok;
            p.value = v;
            p.howToCancel = null;
            if (canceled(p)) {
                while (!p.onCancel.isEmpty()) {
                    p.onCancel.remove(0).run();
                }
            }
            p.onCancel.clear();
            while (!p.callbacks.isEmpty()) {
                p.callbacks.remove(0).run();
            }
        }

        /** Resolves p's underlying promise unless something already did. */
        void settle(P p, boolean ok, Object v) {
            P u = find(p);
            if (u.pending) {
                complete(u, ok, v);
            }
        }

        /** Adds a callback: kept while pending (or while earlier ones wait to run), else run now. */
        void add(P p, Runnable c) {
            P u = find(p);
            if (u.pending || !u.callbacks.isEmpty()) {
                u.callbacks.add(c);
            } else {
                c.run();
            }
        }

        /** r (pending, underlying) takes on what q (the promise a function returned) becomes. */
        void follow(P r, P q0) {
            P q = find(q0);
            if (!q.pending) {
                complete(r, q.ok, q.value);
            } else if (q == r) {
                complete(r, false, new IllegalStateException());
            } else {
                List<Runnable> cbs = new ArrayList<>(q.callbacks);
                cbs.addAll(r.callbacks);
                r.callbacks = cbs;
                List<Runnable> ocs = new ArrayList<>(q.onCancel);
                ocs.addAll(r.onCancel);
                r.onCancel = ocs;
                r.howToCancel = q.howToCancel;
                q.callbacks = new ArrayList<>();
                q.onCancel = new ArrayList<>();
                q.howToCancel = null;
                q.into = r;
            }
        }

        P derived(Object howToCancel) {
            P r = new P();
            r.howToCancel = howToCancel;
            return r;
        }

        /** The function's promise, as Real.ret makes it; null means "it threw E(e)". */
        P ret(Ret r) {
            return switch (r) {
                case Value v -> resolvedP(true, v.v());
                case Fail f -> resolvedP(false, new E(f.e()));
                case Throw t -> null;
                case Existing e -> p(e.p());
                case Fresh f -> fresh(f.task());
            };
        }

        /** bind (on = true) and recover (on = false). */
        P sequence(int k, P src, boolean on, Ret ret) {
            P s = find(src);
            Function<Object, P> f = x -> {
                log.add(k + (on ? " bind " + x : " recover " + describe((Throwable) x)));
                P q = ret(ret);
                return q != null ? q : resolvedP(false, new E(((Throw) ret).e()));
            };
            if (on && !s.pending) {           // bind's fast path: at once, no promise of its own
                return s.ok ? f.apply(s.value) : s;
            }
            P r = derived(s);
            add(s, () -> {
                if (!find(r).pending) {
                    return;
                }
                P now = find(s);              // s may have been merged into another promise since
                if (now.ok != on) {
                    settle(r, now.ok, now.value);
                    return;
                }
                P q = f.apply(now.value);
                P u = find(r);
                if (u.pending) {
                    follow(u, q);
                }
            });
            return r;
        }

        P map(int k, P src, boolean throwing) {
            P s = find(src);
            Function<Object, P> f = x -> {
                log.add(k + " map " + x);
                return throwing ? resolvedP(false, new E(k)) : resolvedP(true, mapped(k, x));
            };
            if (!s.pending) {
                return s.ok ? f.apply(s.value) : s;
            }
            P r = derived(s);
            add(s, () -> {
                if (!find(r).pending) {
                    return;
                }
                P now = find(s);
                if (!now.ok) {
                    settle(r, false, now.value);
                    return;
                }
                P out = f.apply(now.value);
                settle(r, out.ok, out.value);
            });
            return r;
        }

        P whenDone(int k, P src, boolean throwing) {
            P s = find(src);
            P r = derived(s);
            add(s, () -> {
                if (!find(r).pending) {
                    return;
                }
                log.add(k + " cleanup");
                P now = find(s);
                if (!throwing) {
                    settle(r, now.ok, now.value);
                } else {
                    settle(r, false, now.ok ? new E(k) : now.value);   // the promise's error wins
                }
            });
            return r;
        }

        void onCancel(P p, Runnable r) {
            P u = find(p);
            if (u.pending) {
                u.onCancel.add(r);
            } else if (canceled(u)) {
                r.run();
            }
        }

        void cancel(P p) {
            if (!find(p).pending) {
                return;
            }
            List<P> tasks = new ArrayList<>();
            Set<P> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            collect(p, tasks, seen);
            for (P t : tasks) {
                settle(t, false, new Lwt.Canceled());
            }
        }

        void collect(P p0, List<P> tasks, Set<P> seen) {
            P p = find(p0);
            if (!seen.add(p) || !p.pending) {
                return;
            }
            Object h = p.howToCancel;
            if (h == SELF) {
                tasks.add(p);
            } else if (h instanceof P q) {
                collect(q, tasks, seen);
            } else if (h instanceof List<?> many) {
                for (Object q : many) {
                    collect((P) q, tasks, seen);
                }
            }
        }

        P join(List<P> in, boolean values) {
            P r = derived(in);
            Object[] vs = new Object[in.size()];
            int[] remaining = {in.size()};
            Throwable[] first = {null};
            for (int i = 0; i < in.size(); i++) {
                int idx = i;
                P src = in.get(i);
                add(src, () -> {
                    P s = find(src);
                    if (s.ok) {
                        vs[idx] = s.value;
                    } else if (first[0] == null) {
                        first[0] = (Throwable) s.value;
                    }
                    if (--remaining[0] == 0) {
                        if (first[0] != null) {
                            settle(r, false, first[0]);
                        } else {
                            settle(r, true, values ? Arrays.asList(vs).toString() : null);
                        }
                    }
                });
            }
            return r;
        }

        P race(List<P> in, boolean pick) {
            for (P p : in) {
                if (!find(p).pending) {       // first in list order wins
                    if (pick) {
                        for (P q : in) {
                            if (q != p) {
                                cancel(q);
                            }
                        }
                    }
                    return p;
                }
            }
            P r = derived(in);
            boolean[] decided = {false};
            List<Runnable> cbs = new ArrayList<>();
            for (P p : in) {
                Runnable[] self = new Runnable[1];
                self[0] = () -> {
                    if (decided[0] || !find(r).pending) {
                        return;
                    }
                    decided[0] = true;
                    P src = find(p);
                    for (int i = 0; i < in.size(); i++) {
                        if (cbs.get(i) != self[0]) {
                            find(in.get(i)).callbacks.remove(cbs.get(i));
                        }
                    }
                    if (pick) {
                        for (P q : in) {
                            if (q != src) {
                                cancel(q);
                            }
                        }
                    }
                    settle(r, src.ok, src.value);
                };
                cbs.add(self[0]);
            }
            for (int i = 0; i < in.size(); i++) {
                add(in.get(i), cbs.get(i));
            }
            return r;
        }

        /** A fiber that awaits each promise in turn. */
        final class Fiber {
            final int k;
            final List<Integer> awaits;
            final P promise = new P();
            int i;
            int ok;
            boolean done;
            /** While suspended: what it awaits and the callback it waits with. */
            P waitingOn;
            Runnable resume;

            Fiber(int k, List<Integer> awaits) {
                this.k = k;
                this.awaits = awaits;
                promise.howToCancel = SELF;
            }

            void run() {
                while (i < awaits.size()) {
                    P t = p(awaits.get(i));
                    P u = find(t);
                    if (u.pending) {
                        waitingOn = t;
                        Runnable[] self = new Runnable[1];
                        self[0] = () -> {
                            waitingOn = null;
                            resume = null;
                            got(find(t));
                            run();
                        };
                        resume = self[0];
                        add(u, self[0]);
                        return;
                    }
                    got(u);
                }
                log.add(k + " fiber ends");
                done = true;
                settle(promise, true, ok);
            }

            void got(P u) {
                if (u.ok) {
                    log.add(k + " await" + i + " ok " + u.value);
                    ok++;
                } else {
                    log.add(k + " await" + i + " " + describe((Throwable) u.value));
                }
                i++;
            }

            /** The fiber's onCancel hook: abandon the wait, cancel what it awaited, throw Canceled. */
            void cancelled() {
                if (done || waitingOn == null) {
                    return;
                }
                P t = waitingOn;
                find(t).callbacks.remove(resume);
                waitingOn = null;
                resume = null;
                cancel(t);
                log.add(k + " await" + i + " canceled");
                i++;
                run();
            }
        }

        void step(int k, Op op) {
            if (ps.isEmpty() && needsPromise(op)) {
                return;
            }
            switch (op) {
                case NewPending n -> fresh(false);
                case NewTask n -> fresh(true);
                case Const c -> ps.add(resolvedP(c.ok(), c.ok() ? c.v() : new E(c.v())));
                case Bind b -> ps.add(sequence(k, p(b.p()), true, b.ret()));
                case Recover r -> ps.add(sequence(k, p(r.p()), false, r.ret()));
                case Map m -> ps.add(map(k, p(m.p()), m.throwing()));
                case WhenDone w -> ps.add(whenDone(k, p(w.p()), w.throwing()));
                case OnCancel o -> onCancel(p(o.p()), () -> log.add(k + " onCancel"));
                case Resolve r -> resolve(k, r.r(), true, r.v(), "resolved");
                case Reject r -> resolve(k, r.r(), false, new E(r.e()), "rejected");
                case TryResolve t -> {
                    if (!rs.isEmpty()) {
                        P u = find(pendingFirst(rs, t.r(), p -> find(p).pending));
                        boolean done = u.pending;     // false when resolved, cancelled or not
                        if (done) {
                            complete(u, t.ok(), t.ok() ? t.v() : new E(t.v()));
                        }
                        log.add(k + " try " + done);
                    }
                }
                case Cancel c -> cancel(pendingFirst(ps, c.p(), p -> find(p).pending));
                case Combine c -> {
                    List<P> in = new ArrayList<>();
                    for (int i : c.ps()) {
                        in.add(p(i));
                    }
                    ps.add(switch (c.kind()) {
                        case PICK -> race(in, true);
                        case CHOOSE -> race(in, false);
                        case ALL -> join(in, true);
                        case JOIN -> join(in, false);
                    });
                }
                case Pause p -> {
                    P t = derived(SELF);
                    paused.add(t);
                    ps.add(t);
                }
                case Sleep s -> {
                    P t = derived(SELF);
                    if (!s.forever()) {
                        timers.add(t);
                        onCancel(t, () -> { });   // LwtUnix.sleep's hook that removes its timer
                    }
                    ps.add(t);
                }
                case Yield y -> {
                    if (turned) {             // the rest of the turn the driver resumed in: timers
                        fireTimers();
                    }
                    turned = true;
                    List<P> wake = new ArrayList<>(paused);   // the next turn: paused promises, then us
                    paused.clear();
                    for (P t : wake) {
                        settle(t, true, null);
                    }
                    log.add(k + " yield");
                }
                case StartFiber f -> {
                    Fiber fiber = new Fiber(k, f.awaits());
                    fiber.run();                      // its own promise is not numbered until start returns
                    if (!fiber.done) {
                        onCancel(fiber.promise, fiber::cancelled);
                    }
                    ps.add(fiber.promise);
                }
            }
        }

        void fireTimers() {
            List<P> due = new ArrayList<>(timers);
            timers.clear();
            for (P t : due) {
                settle(t, true, null);
            }
        }

        void resolve(int k, int r, boolean ok, Object v, String what) {
            if (rs.isEmpty()) {
                return;
            }
            P u = find(pendingFirst(rs, r, p -> find(p).pending));
            if (u.pending) {
                complete(u, ok, v);
            } else if (!canceled(u)) {
                log.add(k + " threw IllegalStateException");
                return;
            }
            log.add(k + " " + what);
        }
    }
}
