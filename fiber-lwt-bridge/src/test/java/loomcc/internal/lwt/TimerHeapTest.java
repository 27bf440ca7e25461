package loomcc.internal.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The timer heap: deadline order, ties in creation order, removal from anywhere. */
class TimerHeapTest {

    @Test
    void tiesFireInCreationOrder() {
        TimerHeap h = new TimerHeap();
        List<Integer> seqs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            seqs.add(i);
        }
        java.util.Collections.shuffle(seqs, new Random(7));  // the heap must not rely on insertion order
        for (int seq : seqs) {
            h.add(new TimerHeap.Timer(5, seq, null));
        }
        long last = -1;
        TimerHeap.Timer t;
        while ((t = h.poll()) != null) {
            assertTrue(t.seq > last, "tie broken out of creation order");
            last = t.seq;
        }
    }

    @Test
    void randomDeadlinesComeOutSortedAndRemovalKeepsTheHeap() {
        Random rnd = new Random(42);
        TimerHeap h = new TimerHeap();
        List<TimerHeap.Timer> all = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            TimerHeap.Timer t = new TimerHeap.Timer(rnd.nextInt(500), i, null);
            all.add(t);
            h.add(t);
        }
        for (int i = 0; i < all.size(); i += 3) {
            assertTrue(h.remove(all.get(i)));
            assertFalse(h.remove(all.get(i)));
        }
        TimerHeap.Timer prev = null;
        int n = 0;
        TimerHeap.Timer t;
        while ((t = h.poll()) != null) {
            if (prev != null) {
                assertTrue(prev.deadline < t.deadline || (prev.deadline == t.deadline && prev.seq < t.seq));
            }
            prev = t;
            n++;
        }
        assertEquals(10_000 - (10_000 + 2) / 3, n);
        assertNull(h.peek());
    }

    @Test
    void deadlinesCompareAcrossTheNanoTimeWrap() {
        TimerHeap h = new TimerHeap();
        TimerHeap.Timer late = new TimerHeap.Timer(Long.MIN_VALUE + 5, 0, null);   // just after the wrap
        TimerHeap.Timer early = new TimerHeap.Timer(Long.MAX_VALUE - 5, 1, null);
        h.add(late);
        h.add(early);
        assertEquals(early, h.poll());
        assertEquals(late, h.poll());
    }
}
