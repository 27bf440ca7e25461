package loomcc.internal.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import loomcc.lwt.Lwt;
import loomcc.lwt.LwtMain;
import org.junit.jupiter.api.Test;

/** A loop's I/O buffers: one per loop, a bounded free list, the last given back taken first. */
class IoBuffersTest {

    @Test
    void eachLoopHasItsOwnBuffersAndTheFreeListIsBounded() {
        IoBuffers first = LwtMain.run(() -> {
            IoBuffers b = IoBuffers.of(EventLoop.current());
            assertSame(b, IoBuffers.of(EventLoop.current()));
            ByteBuffer s = b.scratch();
            assertTrue(s.isDirect());
            assertEquals(IoBuffers.SIZE, s.remaining());
            s.put((byte) 1);
            assertEquals(IoBuffers.SIZE, b.scratch().remaining(), "scratch() comes back cleared");

            List<ByteBuffer> taken = new ArrayList<>();
            for (int i = 0; i < IoBuffers.KEEP + 10; i++) {
                ByteBuffer t = b.take();
                assertTrue(t.isDirect());
                assertEquals(IoBuffers.SIZE, t.remaining());
                t.put((byte) i);
                taken.add(t);
            }
            for (ByteBuffer t : taken) {
                b.give(t);
            }
            assertEquals(IoBuffers.KEEP, b.freeCount(), "buffers beyond the bound are left to the GC");
            ByteBuffer again = b.take();
            assertSame(taken.get(IoBuffers.KEEP - 1), again, "the last one kept is taken first (warm)");
            assertEquals(IoBuffers.SIZE, again.remaining(), "given back cleared");
            return Lwt.resolved(b);
        });
        IoBuffers second = LwtMain.run(() -> Lwt.resolved(IoBuffers.of(EventLoop.current())));
        assertNotSame(first, second);
    }
}
