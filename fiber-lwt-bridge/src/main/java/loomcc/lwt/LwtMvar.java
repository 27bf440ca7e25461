package loomcc.lwt;

import java.util.Objects;
import java.util.Optional;

/**
 * A box that is full or empty ({@code Lwt_mvar}): {@link #put} waits while it is full,
 * {@link #take} while it is empty. Takers and putters are each served oldest first; a put with a
 * taker waiting hands the value straight to it.
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>, like {@link Lwt}.
 *
 * <h2>Cancellation</h2>
 * A waiting {@code put} or {@code take} returns a cancelable promise; cancelling it takes the waiter
 * off its queue (a cancelled put's value is not put). A taker that was handed a value, and whose
 * fiber was cancelled before it ran again, gives the value back: to the next taker, or into the box,
 * or, if the box is full again, first in line before the waiting putters. A put that completed
 * stays done even if its fiber is cancelled before it runs again.
 *
 * @param <T> the value type; values are never null
 */
public final class LwtMvar<T> {

    /*
     * State table:
     *
     *   FROM                  -> TO                      // cause
     *   EMPTY, no takers      -> FULL                    // put(v)
     *   EMPTY, n takers       -> EMPTY, n-1 takers       // put(v): the oldest taker gets v
     *   EMPTY                 -> EMPTY, +1 taker         // take()
     *   FULL, no putters      -> EMPTY                   // take(): returns the value
     *   FULL, n putters       -> FULL, n-1 putters       // take(): returns the value; the oldest
     *                                                    //   putter's value fills the box
     *   FULL                  -> FULL, +1 putter         // put(v)
     *   either                -> same, one waiter fewer  // a queued waiter was cancelled
     *
     * Invariant: takers wait only while EMPTY, putters only while FULL.
     */
    private T value;                    // null = empty
    private final WaitQueue<Taker<T>> takers = new WaitQueue<>();
    private final WaitQueue<Putter<T>> putters = new WaitQueue<>();

    private LwtMvar(T value) {
        this.value = value;
    }

    /**
     * A full box. Any thread.
     *
     * @param value the value in it
     * @param <T>   the value type
     * @return the box
     * @throws NullPointerException if {@code value} is null
     */
    public static <T> LwtMvar<T> of(T value) {
        return new LwtMvar<>(Objects.requireNonNull(value, "LwtMvar.of: value (an empty box is LwtMvar.empty())"));
    }

    /**
     * An empty box. Any thread.
     *
     * @param <T> the value type
     * @return the box
     */
    public static <T> LwtMvar<T> empty() {
        return new LwtMvar<>(null);
    }

    /**
     * Puts {@code v} in the box, waiting while it is full.
     *
     * @param v the value
     * @return resolved once the value is in (or handed to a taker); cancelable while waiting
     * @throws NullPointerException if {@code v} is null
     */
    public Lwt<Void> put(T v) {
        Objects.requireNonNull(v, "LwtMvar.put: value");
        if (value == null) {
            fill(v);
            return Lwt.resolved(null);
        }
        Putter<T> p = new Putter<>(this, v);
        putters.add(p);
        return p.promise().describedAs(this); // fiber dumps: the box
    }

    /** The box is empty: hand {@code v} to the oldest taker, or keep it. */
    private void fill(T v) {
        Taker<T> t = takers.poll();
        if (t == null) {
            value = v;
        } else {
            t.resolver.resolve(v);
        }
    }

    /**
     * Takes the value out of the box, waiting while it is empty.
     *
     * @return the promise of the value; cancelable while waiting
     */
    public Lwt<T> take() {
        if (value != null) {
            return Lwt.resolved(empty1());
        }
        Taker<T> t = new Taker<>(this);
        takers.add(t);
        return t.promise().describedAs(this); // fiber dumps: the box
    }

    /** Takes the value out of a full box; the oldest putter refills it. */
    private T empty1() {
        T v = value;
        value = null;
        Putter<T> p = putters.poll();
        if (p != null) {
            value = p.value;
            if (p.resolver != null) {
                p.resolver.resolve(null);
            }
        }
        return v;
    }

    /**
     * Takes the value out of the box if it is full, without waiting.
     *
     * @return the value, taken out of the box, if it is full; never waits
     */
    public Optional<T> takeNow() {
        return value == null ? Optional.empty() : Optional.of(empty1());
    }

    /**
     * Whether the box is empty.
     *
     * @return true when the box is empty
     */
    public boolean isEmpty() {
        return value == null;
    }

    @Override
    public String toString() {
        return "LwtMvar@" + Integer.toHexString(System.identityHashCode(this))
                + (value == null ? "[empty, " + takers.size() + " taking]" : "[full, " + putters.size() + " putting]");
    }

    private String id() {
        return "LwtMvar@" + Integer.toHexString(System.identityHashCode(this));
    }

    /** A {@code take()} that waits; a value lost to its cancelled fiber goes back. */
    private static final class Taker<T> extends WaitQueue.Waiter<T> {
        private final LwtMvar<T> box;

        Taker(LwtMvar<T> box) {
            this.box = box;
        }

        @Override
        void cancelled() {
            box.takers.remove(this);
        }

        @Override
        @SuppressWarnings("unchecked")
        void undelivered() {
            T v = (T) promise().rawResult();
            if (box.value == null) {
                box.fill(v);                          // the next taker, or the box
            } else {
                box.putters.addFirst(new Putter<>(v)); // full again: first in line, nobody to tell
            }
        }

        @Override
        String describe() {
            return box.id() + ".take()";
        }
    }

    /** A {@code put(v)} that waits, with its value. */
    private static final class Putter<T> extends WaitQueue.Waiter<Void> {
        private final LwtMvar<T> box;
        final T value;

        Putter(LwtMvar<T> box, T value) {
            this.box = box;
            this.value = value;
        }

        /** A value given back by a cancelled taker: queued like a put, with no promise. */
        Putter(T value) {
            super(false);
            this.box = null;
            this.value = value;
        }

        @Override
        void cancelled() {
            if (box != null) {
                box.putters.remove(this);
            }
        }

        @Override
        String describe() {
            return box == null ? "LwtMvar.put(returned value)" : box.id() + ".put()";
        }
    }
}
