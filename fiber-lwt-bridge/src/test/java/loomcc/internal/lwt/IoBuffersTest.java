package loomcc.internal.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void runningOutOfDirectMemoryNamesTheFlagThatRaisesIt() {
        OutOfMemoryError jdk = new OutOfMemoryError(
                "Cannot reserve 65536 bytes of direct buffer memory (allocated: 0, limit: 16384)");
        IoBuffers b = new IoBuffers(size -> {
            throw jdk;
        });
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, b::scratch);
        assertTrue(e.getMessage().startsWith("LwtIo could not get 65536 bytes of direct memory for the loop's read"
                + " buffer (Cannot reserve 65536 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("raise -XX:MaxDirectMemorySize"), e.getMessage());
        assertSame(jdk, e.getCause(), "the JDK's own error is kept");
        e = assertThrows(OutOfMemoryError.class, b::take);
        assertTrue(e.getMessage().contains("for an output buffer"), e.getMessage());
    }

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
