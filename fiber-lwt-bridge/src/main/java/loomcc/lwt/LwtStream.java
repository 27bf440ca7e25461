package loomcc.lwt;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import loomcc.internal.lwt.Engine;

/**
 * A queue of values between producers and consumers on one loop, with an end: bounded (a
 * {@link #push} waits while it is full: back-pressure) or unbounded; {@link #close}d (the values
 * already in are still delivered, then {@link #next} gives {@code Optional.empty()}) or
 * {@link #fail}ed (the values already in are delivered, then {@code next} is rejected with the
 * error). Lwt's {@code Lwt_stream} with a bounded push, Eio's {@code Stream} with an end.
 *
 * <pre>{@code
 * LwtStream<String> lines = LwtStream.bounded(16);
 * LwtFiber.start(() -> {                         // producer: waits when 16 lines are queued
 *     try { for (String l : source) LwtFiber.await(lines.push(l)); lines.close(); }
 *     catch (Throwable t) { lines.fail(t); }
 *     return null;
 * });
 * LwtFiber.start(() -> {                         // consumer
 *     for (Optional<String> l; (l = LwtFiber.await(lines.next())).isPresent(); ) use(l.get());
 *     return null;
 * });
 * }</pre>
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>, like {@link Lwt}.
 *
 * <h2>Waiters and cancellation</h2>
 * Consumers ({@code next}) and producers ({@code push}) are each served oldest first. Their waiting
 * promises are cancelable, and cancelling one takes the waiter off its queue and loses no value: a
 * value is taken out of the stream only by the {@code next()} that is fulfilled with it, and a
 * consumer whose fiber is cancelled after it was handed a value, before it ran again, gives the
 * value back, first in line (a bounded stream may then hold one value more than its capacity until
 * it is taken). A cancelled push's value is not in the stream. A push that completed stays done
 * even if its fiber is cancelled before it runs again.
 *
 * @param <T> the value type; values are never null
 */
public final class LwtStream<T> {

    /*
     * State table:
     *
     *   FROM    -> TO       // cause
     *   OPEN    -> OPEN     // push/offer/next: values move between producers, the buffer and consumers
     *   OPEN    -> CLOSED   // close(): waiting consumers get empty (the buffer is empty when they
     *                       //   wait), waiting producers are rejected with Closed
     *   OPEN    -> FAILED   // fail(e): waiting consumers and producers are rejected with e
     *   CLOSED, FAILED      // final (close() then does nothing, fail() throws). push rejected (Closed / e), offer false; next drains the buffer,
     *                       //   then gives empty (CLOSED) or is rejected with e (FAILED), every time
     *
     * Invariants: consumers wait only while the buffer is empty and the stream OPEN; producers wait
     * only while the buffer is full (size == capacity) and the stream OPEN.
     */
    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int FAILED = 2;

    private static final Lwt<?> END = Lwt.resolved(Optional.empty());

    private final int capacity;
    private final ArrayDeque<T> buffer;
    private int state = OPEN;
    private Throwable failure;
    private final WaitQueue<Consumer<T>> consumers = new WaitQueue<>();
    private final WaitQueue<Producer<T>> producers = new WaitQueue<>();

    private LwtStream(int capacity) {
        this.capacity = capacity;
        this.buffer = new ArrayDeque<>(Math.min(capacity, 16));
    }

    /**
     * A stream that holds at most {@code capacity} values: a {@code push} beyond waits.
     *
     * @param capacity how many values it holds, at least 1
     * @param <T>      the value type
     * @return the stream
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     */
    public static <T> LwtStream<T> bounded(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("LwtStream.bounded: capacity must be >= 1, got " + capacity
                    + " (for a stream with no bound, use LwtStream.unbounded())");
        }
        return new LwtStream<>(capacity);
    }

    /**
     * A stream with no bound: {@code push} never waits.
     *
     * @param <T> the value type
     * @return the stream
     */
    public static <T> LwtStream<T> unbounded() {
        return new LwtStream<>(Integer.MAX_VALUE);
    }

    /**
     * Adds {@code v}, waiting while the stream is full. A consumer waiting in {@code next} gets it
     * at once (its code runs before this returns, unless the nesting bound defers it).
     *
     * @param v the value
     * @return resolved once the value is in; cancelable while waiting; rejected with {@link Closed}
     *         after {@code close}, or with the failure after {@code fail} (also if that happens while
     *         it waits)
     * @throws NullPointerException if {@code v} is null
     */
    public Lwt<Void> push(T v) {
        Objects.requireNonNull(v, "LwtStream.push: value");
        if (state != OPEN) {
            return Lwt.failed(state == CLOSED ? new Closed("LwtStream.push: " + this + " is closed") : failure);
        }
        if (deliver(v)) {
            return Lwt.resolved(null);
        }
        Producer<T> p = new Producer<>(this, v);
        producers.add(p);
        return p.promise().describedAs(this); // fiber dumps: the stream, its buffer and waiters
    }

    /**
     * Adds {@code v} if there is room, without waiting.
     *
     * @param v the value
     * @return false when the stream is full, closed or failed
     * @throws NullPointerException if {@code v} is null
     */
    public boolean offer(T v) {
        Objects.requireNonNull(v, "LwtStream.offer: value");
        return state == OPEN && deliver(v);
    }

    /** OPEN: gives {@code v} to the oldest consumer, or buffers it if there is room. */
    private boolean deliver(T v) {
        Consumer<T> c = consumers.poll();
        if (c != null) {
            c.resolver.resolve(Optional.of(v));
            return true;
        }
        if (buffer.size() < capacity) {
            buffer.addLast(v);
            return true;
        }
        return false;
    }

    /**
     * The next value, waiting while the stream is empty and open.
     *
     * @return the value; {@code Optional.empty()} once the stream is closed and drained; rejected
     *         with the failure once it failed and is drained. Cancelable while waiting.
     */
    @SuppressWarnings("unchecked")
    public Lwt<Optional<T>> next() {
        T v = buffer.pollFirst();
        if (v != null) {
            refill();
            return Lwt.resolved(Optional.of(v));
        }
        if (state == CLOSED) {
            return (Lwt<Optional<T>>) END;
        }
        if (state == FAILED) {
            return Lwt.failed(failure);
        }
        Consumer<T> c = new Consumer<>(this);
        consumers.add(c);
        return c.promise().describedAs(this); // fiber dumps: the stream, its buffer and waiters
    }

    /** A value left the buffer: the oldest waiting producer's value takes its place. */
    private void refill() {
        if (buffer.size() < capacity) {
            Producer<T> p = producers.poll();
            if (p != null) {
                buffer.addLast(p.value);
                p.resolver.resolve(null);
            }
        }
    }

    /**
     * Ends the stream: the values already in are still delivered, then {@code next} gives
     * {@code Optional.empty()}; waiting and later pushes are rejected with {@link Closed}. Closing a
     * stream that already ended (closed or failed) does nothing: a failure stays what consumers see.
     */
    public void close() {
        if (state != OPEN) {
            return;
        }
        state = CLOSED;
        end(new Closed("LwtStream.push: " + this + " was closed while this push waited"));
    }

    /**
     * Ends the stream with {@code error}: the values already in are still delivered, then
     * {@code next} is rejected with it (every time); waiting and later pushes are rejected with it.
     *
     * @param error the failure
     * @throws NullPointerException  if {@code error} is null
     * @throws IllegalStateException if the stream already ended (the error is its cause: not lost)
     */
    public void fail(Throwable error) {
        Objects.requireNonNull(error, "LwtStream.fail: error");
        if (state != OPEN) {
            throw new IllegalStateException("LwtStream.fail: " + this + " already ended; this error was"
                    + " not delivered (it is the cause)", error);
        }
        state = FAILED;
        failure = error;
        end(error);
    }

    /** Settles every waiter: consumers (the buffer is empty) end, producers are rejected. */
    private void end(Throwable producerError) {
        WaitQueue<Consumer<T>> cs = new WaitQueue<>();
        Consumer<T> c;
        while ((c = consumers.poll()) != null) {
            cs.add(c);
        }
        WaitQueue<Producer<T>> ps = new WaitQueue<>();
        Producer<T> p;
        while ((p = producers.poll()) != null) {
            ps.add(p);
        }
        while ((c = cs.poll()) != null) {
            if (state == FAILED) {
                c.resolver.reject(failure);
            } else {
                c.resolver.resolve(Optional.empty());
            }
        }
        while ((p = ps.poll()) != null) {
            p.resolver.reject(producerError);
        }
    }

    /**
     * Whether the stream has ended.
     *
     * @return true once {@code close} or {@code fail} was called
     */
    public boolean isClosed() {
        return state != OPEN;
    }

    /**
     * The number of values in the stream.
     *
     * @return the number of values buffered (not counting pushes that wait)
     */
    public int size() {
        return buffer.size();
    }

    /**
     * Calls {@code f} on each value, one at a time: the next value is taken once the promise
     * {@code f} returned is fulfilled. Fulfilled when the stream is closed and drained; rejected
     * with the stream's failure, or with what {@code f} threw or its promise's rejection (then the
     * values after it stay in the stream). Cancelling it cancels the wait or {@code f}'s promise, and
     * stops. Runs in constant stack and memory however long the stream.
     *
     * @param f what to do with each value
     * @return the promise of the end
     */
    public Lwt<Void> forEach(Function<? super T, ? extends Lwt<?>> f) {
        Objects.requireNonNull(f, "LwtStream.forEach: f");
        ForEach<T> loop = new ForEach<>(this, f);
        loop.step(null);
        return loop.done.promise();
    }

    @Override
    public String toString() {
        return "LwtStream@" + Integer.toHexString(System.identityHashCode(this))
                + "[" + (state == OPEN ? "open" : state == CLOSED ? "closed" : "failed")
                + ", " + buffer.size() + (capacity == Integer.MAX_VALUE ? "" : "/" + capacity) + " buffered"
                + (consumers.isEmpty() ? "" : ", " + consumers.size() + " waiting in next")
                + (producers.isEmpty() ? "" : ", " + producers.size() + " waiting in push") + "]";
    }

    private String id() {
        return "LwtStream@" + Integer.toHexString(System.identityHashCode(this));
    }

    /** A {@code next()} that waits; a value lost to its cancelled fiber goes back first in line. */
    private static final class Consumer<T> extends WaitQueue.Waiter<Optional<T>> {
        private final LwtStream<T> stream;

        Consumer(LwtStream<T> stream) {
            this.stream = stream;
        }

        @Override
        void cancelled() {
            stream.consumers.remove(this);
        }

        @Override
        @SuppressWarnings("unchecked")
        void undelivered() {
            Optional<T> got = (Optional<T>) promise().rawResult();
            if (got.isEmpty()) {
                return;                                 // the end: nothing to give back
            }
            Consumer<T> c = stream.consumers.poll();    // consumers wait only on an empty buffer
            if (c != null) {
                c.resolver.resolve(got);
            } else {
                stream.buffer.addFirst(got.get());      // first in line, even past the capacity
            }
        }

        @Override
        String describe() {
            return stream.id() + ".next()";
        }
    }

    /** A {@code push(v)} that waits, with its value. */
    private static final class Producer<T> extends WaitQueue.Waiter<Void> {
        private final LwtStream<T> stream;
        final T value;

        Producer(LwtStream<T> stream, T value) {
            this.stream = stream;
            this.value = value;
        }

        @Override
        void cancelled() {
            stream.producers.remove(this);              // its value never went in
        }

        @Override
        String describe() {
            return stream.id() + ".push()";
        }
    }

    /**
     * forEach's loop, as a state machine rather than a chain of binds: each turn takes a value and
     * runs f; it goes on at once while both are resolved, and registers one callback (on the
     * pending one) otherwise, so a long stream costs neither stack nor memory.
     */
    private static final class ForEach<T> extends Lwt.Callback {
        private final LwtStream<T> stream;
        private final Function<? super T, ? extends Lwt<?>> f;
        final Resolver<Void> done = Lwt.task();
        /** The promise being waited on (a next() or f's), for cancel. */
        private Lwt<?> current;
        private boolean waitingForNext;

        ForEach(LwtStream<T> stream, Function<? super T, ? extends Lwt<?>> f) {
            this.stream = stream;
            this.f = f;
            done.promise().onCancel(() -> {
                Lwt<?> c = current;
                current = null;
                if (c != null) {
                    c.cancel();
                }
            });
        }

        @Override
        void run(Lwt<?> src, Engine e) {
            if (current != src) {
                return;                                  // cancelled meanwhile
            }
            current = null;
            step(src);
        }

        /** Goes on from {@code resolved} (null at the start), until something is pending or the end. */
        @SuppressWarnings("unchecked")
        void step(Lwt<?> resolved) {
            Lwt<?> p = resolved;
            boolean afterNext = waitingForNext;
            while (done.promise().isPending()) {
                if (p == null) {
                    p = stream.next();
                    afterNext = true;
                }
                if (p.isPending()) {
                    current = p;
                    waitingForNext = afterNext;
                    p.addCallback(this);
                    return;
                }
                if (p.isRejected()) {
                    done.tryReject((Throwable) p.rawResult());
                    return;
                }
                if (afterNext) {
                    Optional<T> v = (Optional<T>) p.rawResult();
                    if (v.isEmpty()) {
                        done.tryResolve(null);
                        return;
                    }
                    try {
                        p = f.apply(v.get());
                    } catch (Throwable t) {
                        done.tryReject(t);
                        return;
                    }
                    if (p == null) {
                        done.tryReject(new NullPointerException("LwtStream.forEach: f returned null instead"
                                + " of a promise (return Lwt.resolved(null) for 'nothing')"));
                        return;
                    }
                    afterNext = false;
                } else {
                    p = null;                            // f's promise fulfilled: take the next value
                }
            }
        }
    }

    /**
     * The rejection of a {@code push} to a closed stream (also of one that was waiting when
     * {@code close} was called). An {@link IllegalStateException}: pushing after the end is a
     * mistake of the producer's.
     */
    public static final class Closed extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        /**
         * A rejection with {@code message}.
         *
         * @param message what was closed, and which operation found it so
         */
        public Closed(String message) {
            super(message);
        }
    }
}
