package loomcc.lwt;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import loomcc.internal.lwt.EventLoop;

/**
 * Time and non-blocking I/O on the running loop ({@code Lwt_unix}).
 *
 * <h2>Threading contract</h2>
 * <b>Loop thread only</b>: every method needs a loop running on the calling thread
 * ({@link LwtMain#run}) and throws {@link IllegalStateException} otherwise ({@link #close} excepted).
 * The returned promises are resolved on that thread.
 *
 * <h2>I/O</h2>
 * Each loop has one {@link java.nio.channels.Selector}. A channel given to these methods is switched to
 * non-blocking mode and registered with it. As in Lwt_unix, each operation is first tried at once; only
 * if it would block does the promise wait for readiness. A failure (a closed channel, a peer that
 * reset the connection, ...) rejects the promise with the {@link IOException} itself. Cancelling a
 * pending operation removes its interest from the selector. At most one operation of each kind (read,
 * write, accept, connect) may be pending per channel: a second throws {@link IllegalStateException}.
 * Close a channel that has pending operations with {@link #close}, which rejects them; a channel
 * closed behind the loop's back leaves them pending.
 */
public final class LwtUnix {
    private LwtUnix() {}

    /**
     * The running loop's clock, in seconds since its run began: real time under
     * {@link LwtMain#run}, virtual time (0 at the start, moved only by the loop) under
     * {@link LwtMain#runWithVirtualClock}. Every timer of the loop ({@link #sleep},
     * {@link #withTimeout}, {@link LwtFiber#sleep}) is on this clock: a sleep of {@code s} seconds
     * made at {@code now() == t} fires at {@code now() >= t + s}.
     *
     * @return the loop's time in seconds, from 0
     * @throws IllegalStateException if no loop is running on this thread
     */
    public static double now() {
        return EventLoop.require("LwtUnix.now").now();
    }

    /**
     * A task fulfilled after {@code seconds} ({@code Lwt_unix.sleep}); {@code sleep(0)} resolves on
     * the loop's next turn. Timers fire in deadline order, ties in creation order. Cancelling it
     * rejects it with {@link Lwt.Canceled} and removes its timer. {@code POSITIVE_INFINITY}: never.
     * The delay is on the loop's clock ({@link #now()}: virtual time under
     * {@link LwtMain#runWithVirtualClock}).
     *
     * @param seconds the delay, at least 0
     * @return the promise
     * @throws IllegalArgumentException if {@code seconds} is negative or NaN
     * @throws IllegalStateException    if no loop is running on this thread
     */
    public static Lwt<Void> sleep(double seconds) {
        double delay = checkDelay("LwtUnix.sleep", seconds); // a bad delay is the first thing to say
        return EventLoop.require("LwtUnix.sleep").sleep(delay);
    }

    /** {@code seconds}, once it is a delay a sleep accepts (at least 0, not NaN); {@code what} names the caller. */
    static double checkDelay(String what, double seconds) {
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException(what + ": seconds must be >= 0, got " + seconds);
        }
        return seconds;
    }

    /**
     * Runs {@code f}, and rejects with {@link TimeoutException} if its promise is not resolved within
     * {@code seconds}, cancelling it ({@code Lwt_unix.with_timeout}: a pick between the two). If
     * {@code f}'s promise resolves first, the timer is cancelled. What {@code f} throws rejects the
     * result. The limit is on the loop's clock ({@link #now()}: virtual time under
     * {@link LwtMain#runWithVirtualClock}).
     *
     * @param seconds the time limit, at least 0
     * @param f       the work
     * @param <T>     the value type
     * @return {@code f}'s outcome, or a TimeoutException
     * @throws IllegalArgumentException if {@code seconds} is negative or NaN
     * @throws IllegalStateException    if no loop is running on this thread
     */
    public static <T> Lwt<T> withTimeout(double seconds, Supplier<? extends Lwt<T>> f) {
        Objects.requireNonNull(f, "LwtUnix.withTimeout: f");
        Lwt<T> timeout = sleep(seconds).bind(ignored ->
                Lwt.failed(new TimeoutException("LwtUnix.withTimeout: no result within " + seconds + " s")));
        Lwt<T> work;
        try {
            work = f.get();
            if (work == null) {
                work = Lwt.failed(new NullPointerException("LwtUnix.withTimeout: f returned null"));
            }
        } catch (Throwable t) {
            work = Lwt.failed(t);
        }
        return Lwt.pick(List.of(work, timeout));
    }

    /**
     * Accepts a connection; the new channel is non-blocking.
     *
     * @param server a bound server channel
     * @return the promise of the connected channel
     * @throws IllegalStateException if no loop runs here, or an accept is already pending on it
     */
    public static Lwt<SocketChannel> accept(ServerSocketChannel server) {
        return EventLoop.require("LwtUnix.accept").io(server, SelectionKey.OP_ACCEPT, () -> {
            SocketChannel c = server.accept();
            if (c == null) {
                return EventLoop.WOULD_BLOCK;
            }
            c.configureBlocking(false);
            return c;
        }, "LwtUnix.accept");
    }

    /**
     * Connects {@code channel} to {@code remote}; fulfilled (with null) once connected.
     *
     * @param channel an unconnected socket channel
     * @param remote  the address
     * @return the promise of the connection
     * @throws IllegalStateException if no loop runs here, or a connect is already pending on it
     */
    public static Lwt<Void> connect(SocketChannel channel, SocketAddress remote) {
        Objects.requireNonNull(remote, "LwtUnix.connect: remote");
        EventLoop loop = EventLoop.require("LwtUnix.connect");
        boolean[] started = {false};
        return loop.io(channel, SelectionKey.OP_CONNECT, () -> {
            if (!started[0]) {
                started[0] = true;
                if (channel.connect(remote)) {
                    return Boolean.TRUE;
                }
            }
            return channel.finishConnect() ? Boolean.TRUE : EventLoop.WOULD_BLOCK;
        }, "LwtUnix.connect").map(ignored -> null);
    }

    /**
     * Reads into {@code dst} ({@code Lwt_unix.read}): fulfilled with the number of bytes read, at
     * least 1, or -1 at end of stream, or 0 if {@code dst} has no room.
     *
     * @param channel a selectable, readable channel (socket, pipe source, ...)
     * @param dst     the buffer
     * @param <C>     the channel type
     * @return the promise of the count
     * @throws IllegalStateException if no loop runs here, or a read is already pending on it
     */
    public static <C extends SelectableChannel & ReadableByteChannel> Lwt<Integer> read(C channel, ByteBuffer dst) {
        Objects.requireNonNull(dst, "LwtUnix.read: dst");
        return EventLoop.require("LwtUnix.read").io(channel, SelectionKey.OP_READ, () -> {
            int n = channel.read(dst);
            return n == 0 && dst.hasRemaining() ? EventLoop.WOULD_BLOCK : (Object) n;
        }, "LwtUnix.read");
    }

    /**
     * Writes from {@code src} ({@code Lwt_unix.write}): fulfilled with the number of bytes written,
     * at least 1 (possibly fewer than remain), or 0 if {@code src} is empty.
     *
     * @param channel a selectable, writable channel
     * @param src     the buffer
     * @param <C>     the channel type
     * @return the promise of the count
     * @throws IllegalStateException if no loop runs here, or a write is already pending on it
     */
    public static <C extends SelectableChannel & WritableByteChannel> Lwt<Integer> write(C channel, ByteBuffer src) {
        Objects.requireNonNull(src, "LwtUnix.write: src");
        return EventLoop.require("LwtUnix.write").io(channel, SelectionKey.OP_WRITE, () -> {
            int n = channel.write(src);
            return n == 0 && src.hasRemaining() ? EventLoop.WOULD_BLOCK : (Object) n;
        }, "LwtUnix.write");
    }

    /**
     * Closes {@code channel} ({@code Lwt_unix.close}); its pending operations on the running loop are
     * rejected with {@link java.nio.channels.AsynchronousCloseException}. Works without a loop too
     * (then it only closes).
     *
     * @param channel the channel
     * @return fulfilled once closed, or rejected with the IOException of {@code close}
     */
    public static Lwt<Void> close(SelectableChannel channel) {
        Objects.requireNonNull(channel, "LwtUnix.close: channel");
        EventLoop loop = EventLoop.current();
        try {
            if (loop == null) {
                channel.close();
            } else {
                loop.close(channel);
            }
            return Lwt.resolved(null);
        } catch (IOException x) {
            return Lwt.failed(x);
        }
    }
}
