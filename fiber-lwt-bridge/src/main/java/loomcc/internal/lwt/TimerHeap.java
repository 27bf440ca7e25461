package loomcc.internal.lwt;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by deadline, ties by creation order, with O(log n) removal of
 * any timer (each one knows its index), so that a cancelled sleep leaves no trace.
 *
 * <p>Threading: loop thread only.
 */
final class TimerHeap {

    /**
     * One pending sleep. {@code index} is its slot in the heap, or -1 once it left the heap.
     * {@code fire} is a {@link Runnable} (a sleep promise's resolution) or a sleeping fiber,
     * parked with {@code ticket} ({@code loomcc.internal.fiber.ParkingAwaiter}); a fiber's sleep
     * sets both after the fiber is captured, before the timer enters the heap. A fiber's timer is
     * reused once it has left the heap for good (see {@code EventLoop.releaseFiberTimer}), which
     * is the only time {@code deadline} and {@code seq} change.
     */
    static final class Timer {
        long deadline;         // System.nanoTime() scale; compared by subtraction (overflow-safe)
        long seq;              // creation order, for ties
        Object fire;
        int ticket;
        int index = -1;

        Timer(long deadline, long seq, Object fire) {
            this.deadline = deadline;
            this.seq = seq;
            this.fire = fire;
        }

        /** For dumps: when it fires. */
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "due in %.3f s", (deadline - System.nanoTime()) / 1e9);
        }
    }

    private Timer[] heap = new Timer[16];
    private int size;
    /**
     * An upper bound of the deadlines in the heap: the latest deadline added since the heap was
     * last empty (removals do not lower it). Only meaningful while {@code size > 0}.
     */
    private long latest;

    int size() {
        return size;
    }

    /** True when no timer in the heap is due after {@code when} (same scale, overflow-safe). */
    boolean allDueBy(long when) {
        return size == 0 || latest - when <= 0;
    }

    Timer peek() {
        return size == 0 ? null : heap[0];
    }

    void add(Timer t) {
        assert t.index == -1;
        if (size == 0 || t.deadline - latest > 0) {
            latest = t.deadline;
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        t.index = size;
        heap[size++] = t;
        up(t.index);
    }

    Timer poll() {
        if (size == 0) {
            return null;
        }
        Timer top = heap[0];
        removeAt(0);
        return top;
    }

    /** Removes {@code t} if it is still in the heap; returns whether it was. */
    boolean remove(Timer t) {
        int i = t.index;
        if (i < 0 || i >= size || heap[i] != t) {
            return false;
        }
        removeAt(i);
        return true;
    }

    private void removeAt(int i) {
        Timer gone = heap[i];
        Timer last = heap[--size];
        heap[size] = null;
        gone.index = -1;
        if (i < size) {
            heap[i] = last;
            last.index = i;
            down(i);
            up(last.index);
        }
        if (heap.length > 64 && size < heap.length / 4) {
            heap = Arrays.copyOf(heap, heap.length / 2);   // 100 000 cancelled sleeps give the memory back
        }
    }

    private static boolean before(Timer a, Timer b) {
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.seq < b.seq);
    }

    private void up(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!before(t, p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void down(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && before(heap[right], heap[child])) {
                child = right;
            }
            if (!before(heap[child], t)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].index = i;
            i = child;
        }
        heap[i] = t;
        t.index = i;
    }
}
