package loomcc.internal.lwt;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.IntFunction;

/**
 * A loop's direct byte buffers for socket I/O ({@code LwtIo}): one scratch buffer that every read
 * of the loop goes through, and a small free list of output buffers that an {@code LwtIo.Output}
 * holds only while it has bytes waiting to be sent.
 *
 * <p>Why: a {@code SocketChannel} read or write from a heap buffer goes through a JDK temporary
 * direct buffer (a thread-local cache in {@code sun.nio.ch.Util}) and copies once more; from a
 * direct buffer it goes straight to the system call. And why not a direct buffer per connection:
 * an idle connection (nothing buffered) should cost no buffer at all, and direct memory is given
 * back only by the garbage collector, so buffers that come and go with connections would pile up.
 * Here the loop owns a bounded number of them whatever the number of connections.
 *
 * <p>Threading: loop thread only (one instance per {@link EventLoop}, used by that loop's
 * {@code LwtIo} objects, which are themselves loop-thread only).
 */
public final class IoBuffers {
    /** Size of the scratch buffer and of every output buffer. */
    public static final int SIZE = 64 * 1024;
    /** Free output buffers kept: beyond it a returned buffer is left to the GC (and its cleaner). */
    static final int KEEP = 16;

    private ByteBuffer scratch;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final IntFunction<ByteBuffer> allocate;

    /** Made by its loop ({@link EventLoop#ioBuffers}), on first use. */
    IoBuffers() {
        this(ByteBuffer::allocateDirect);
    }

    /** With another allocator than {@code ByteBuffer.allocateDirect}; for tests. */
    IoBuffers(IntFunction<ByteBuffer> allocate) {
        this.allocate = allocate;
    }

    /**
     * A new direct buffer of {@link #SIZE} bytes. Direct memory has its own limit
     * ({@code -XX:MaxDirectMemorySize}, by default the heap's maximum size); past it the JDK
     * throws an {@link OutOfMemoryError} that names neither loomcc nor the fix, so it is thrown
     * again here, with both, and the JDK's error as its cause.
     */
    private ByteBuffer allocate(String what) {
        try {
            return allocate.apply(SIZE);
        } catch (OutOfMemoryError e) {
            OutOfMemoryError clear = new OutOfMemoryError("LwtIo could not get " + SIZE + " bytes of direct memory for "
                    + what + " (" + e.getMessage() + "): raise -XX:MaxDirectMemorySize; a loop needs 64 KiB for its"
                    + " reads and 64 KiB per connection with a reply still being sent");
            clear.initCause(e);
            throw clear;
        }
    }

    /**
     * The buffers of {@code loop} ({@link EventLoop#ioBuffers}): the loop holds them, made on first
     * use, and they go with it. Called when an input or output is made, not per operation. Loop
     * thread.
     *
     * @param loop the loop
     * @return its buffers
     */
    public static IoBuffers of(EventLoop loop) {
        return loop.ioBuffers();
    }

    /**
     * The scratch buffer, cleared: for one read whose bytes are copied out before the caller
     * returns to the loop (it is never held across a wait).
     *
     * @return the scratch buffer, position 0 and limit {@link #SIZE}
     */
    public ByteBuffer scratch() {
        ByteBuffer s = scratch;
        if (s == null) {
            scratch = s = allocate("the loop's read buffer");
        }
        return s.clear();
    }

    /** @return a cleared direct buffer of {@link #SIZE} bytes, from the free list when it has one */
    public ByteBuffer take() {
        ByteBuffer b = free.pollLast();                    // the most recently used: warm in the cache
        return b != null ? b : allocate("an output buffer");
    }

    /**
     * Gives back a buffer from {@link #take}; the caller drops every reference to it.
     *
     * @param b the buffer
     */
    public void give(ByteBuffer b) {
        if (free.size() < KEEP) {
            free.addLast(b.clear());
        }
    }

    /** @return the free buffers kept now; for tests */
    public int freeCount() {
        return free.size();
    }
}
