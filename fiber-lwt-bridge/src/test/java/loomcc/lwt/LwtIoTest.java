package loomcc.lwt;

import static loomcc.lwt.IoClients.close;
import static loomcc.lwt.IoClients.open;
import static loomcc.lwt.IoClients.readLine;
import static loomcc.lwt.IoClients.readToEnd;
import static loomcc.lwt.IoClients.send;
import static loomcc.lwt.IoClients.withServer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

/** LwtIo's buffered input and output, servers and clients, on real loopback sockets. */
class LwtIoTest {

    /** Collects every line (readLine until null) of each connection. */
    private static LwtIo.Handler collectLines(List<Object> into) {
        return c -> {
            String line;
            while ((line = LwtFiber.await(c.in().readLine())) != null) {
                into.add(line);
            }
            into.add("<end>");
        };
    }

    @Test
    void readLineSplitsOnLfAndCrLfAndReturnsAnUnterminatedLastLine() {
        List<Object> lines = new CopyOnWriteArrayList<>();
        var run = withServer(collectLines(lines), a -> {
            SocketChannel c = open(a);
            send(c, "a\nb\r\nc\r\n\n\r\nx\ry\nlast");
            close(c);
            return null;
        });
        assertEquals(List.of("a", "b", "c", "", "", "x\ry", "last", "<end>"), lines);
        assertEquals(1, run.accepted());
        assertEquals(0, run.failed());
    }

    @Test
    void eachConnectionRunsInAFiberNamedAfterThePeer() {
        List<Object> names = new CopyOnWriteArrayList<>();
        var run = withServer(c -> names.add(loomcc.fiber.Fiber.current().name() + " / " + c.remote()), a -> {
            SocketChannel c = open(a);
            String local;
            try {
                local = c.getLocalAddress().toString();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            readToEnd(c);
            close(c);
            return local;
        });
        assertEquals(List.of("conn " + run.client() + " / " + run.client()), names);
    }

    @Test
    void linesArrivingAByteAtATimeAndManyInOneSegmentComeOutTheSame() {
        List<Object> lines = new CopyOnWriteArrayList<>();
        StringBuilder all = new StringBuilder();
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String l = "line " + i + " ".repeat(i % 37) + "é";   // multi-byte UTF-8 too
            all.append(l).append(i % 2 == 0 ? "\n" : "\r\n");
            expected.add(l);
        }
        expected.add("<end>");
        byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);
        withServer(collectLines(lines), a -> {
            SocketChannel c = open(a);
            for (int i = 0; i < 300; i++) {               // the first lines one byte per write
                send(c, new byte[] {bytes[i]});
            }
            send(c, Arrays.copyOfRange(bytes, 300, bytes.length));
            close(c);
            return null;
        });
        assertEquals(expected, lines);
    }

    @Test
    void anEchoServerAnswersEachLineAndTheClientSeesAllOfIt() {
        var run = withServer(c -> {
            String line;
            while ((line = LwtFiber.await(c.in().readLine())) != null) {
                LwtFiber.await(c.out().writeUtf8(line.toUpperCase() + "\n"));
                LwtFiber.await(c.out().flush());
            }
        }, a -> {
            SocketChannel c = open(a);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                send(c, "hello " + i + "\n");
                got.add(readLine(c));
            }
            close(c);
            return got;
        });
        for (int i = 0; i < 50; i++) {
            assertEquals("HELLO " + i, run.client().get(i));
        }
    }

    @Test
    void readExactlyAndReadTakeBufferedBytesFirst() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        withServer(c -> {
            LwtIo.Input in = c.in();
            seen.add(LwtFiber.await(in.readLine()));
            seen.add(new String(LwtFiber.await(in.readExactly(5)), StandardCharsets.US_ASCII));
            seen.add(LwtFiber.await(in.readExactly(0)).length);
            ByteBuffer dst = ByteBuffer.allocate(3);
            seen.add(LwtFiber.await(in.read(dst)));
            seen.add(LwtFiber.await(in.read(dst)));        // full: 0
            seen.add(new String(dst.array(), StandardCharsets.US_ASCII));
            byte[] big = LwtFiber.await(in.readExactly(200_000));   // more than the buffer
            seen.add(big.length);
            seen.add((int) big[199_999]);
            seen.add(LwtFiber.await(in.read(ByteBuffer.allocate(10))));   // end of input
            try {
                LwtFiber.await(in.readExactly(1));
            } catch (Exception e) {
                seen.add(e.getClass());
            }
        }, a -> {
            SocketChannel c = open(a);
            send(c, "head\r\n12345abc");
            byte[] b = new byte[200_000];
            Arrays.fill(b, (byte) 7);
            send(c, b);
            close(c);
            return null;
        });
        assertEquals(List.of("head", "12345", 0, 3, 0, "abc", 200_000, 7, -1, EOFException.class), seen);
    }

    @Test
    void readExactlyRejectsWithEofWhenTheInputEndsFirst() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        var run = withServer(c -> {
            try {
                LwtFiber.await(c.in().readExactly(10));
            } catch (Exception e) {
                seen.add(e);
            }
        }, a -> {
            SocketChannel c = open(a);
            send(c, "1234");
            close(c);
            return null;
        });
        EOFException e = assertInstanceOf(EOFException.class, seen.get(0));
        assertTrue(e.getMessage().contains("4 of 10"), e.getMessage());
        assertEquals(0, run.failed());
    }

    @Test
    void theLineBoundDoesNotCountTheNewlineAndALongerLineMakesTheInputUnusable() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        String ten = "0123456789";
        var run = withServer(c -> {
            LwtIo.Input in = c.in().maxLineLength(10);
            seen.add(LwtFiber.await(in.readLine()));       // 10 + \r\n: fine
            seen.add(LwtFiber.await(in.readLine()));       // 10 + \n: fine
            try {
                LwtFiber.await(in.readLine());             // 11
            } catch (Exception e) {
                seen.add(e.getClass());
            }
            try {
                LwtFiber.await(in.readLine());             // unusable now
            } catch (Exception e) {
                seen.add(e.getClass());
            }
        }, a -> {
            SocketChannel c = open(a);
            send(c, ten + "\r\n" + ten + "\n" + ten + "X\nshort\n");
            close(c);
            return null;
        });
        assertEquals(List.of(), run.handlerErrors());
        assertEquals(List.of(ten, ten, LwtIo.LineTooLongException.class, LwtIo.LineTooLongException.class), seen);
    }

    @Test
    void aLineLongerThanTheBufferButWithinTheBoundIsRead() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        String longLine = "y".repeat(300_000);
        withServer(c -> {
            LwtIo.Input in = c.in().maxLineLength(300_000);
            seen.add(LwtFiber.await(in.readLine()).length());
            seen.add(LwtFiber.await(in.readLine()));
        }, a -> {
            SocketChannel c = open(a);
            send(c, longLine + "\r\nnext\n");
            close(c);
            return null;
        });
        assertEquals(List.of(300_000, "next"), seen);
    }

    @Test
    void aSecondReadWhilePendingIsRefusedAndTheFirstStillWorks() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        withServer(c -> {
            Lwt<String> first = c.in().readLine();         // nothing sent yet: pending
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.in().readLine());
            seen.add(e.getMessage().contains("await its promise"));
            assertThrows(IllegalStateException.class, () -> c.in().read(ByteBuffer.allocate(1)));
            LwtFiber.await(c.out().writeUtf8("ready\n"));
            LwtFiber.await(c.out().flush());
            seen.add(LwtFiber.await(first));
        }, a -> {
            SocketChannel c = open(a);
            assertEquals("ready", readLine(c));
            send(c, "one\n");
            readToEnd(c);
            close(c);
            return null;
        });
        assertEquals(List.of(true, "one"), seen);
    }

    @Test
    void aCancelledReadLosesNoByte() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        withServer(c -> {
            Lwt<String> first = c.in().readLine();
            first.cancel();
            seen.add(first.isRejected());
            LwtFiber.await(c.out().writeUtf8("go\n"));
            LwtFiber.await(c.out().flush());
            seen.add(LwtFiber.await(c.in().readLine()));
        }, a -> {
            SocketChannel c = open(a);
            send(c, "par");
            assertEquals("go", readLine(c));
            send(c, "tial\n");
            readToEnd(c);
            close(c);
            return null;
        });
        assertEquals(List.of(true, "partial"), seen);
    }

    @Test
    void aCancelledReadExactlyLosesNoByte() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        var run = withServer(c -> {
            Lwt<byte[]> first = c.in().readExactly(10);
            LwtFiber.await(c.out().writeUtf8("ready\n"));
            LwtFiber.await(c.out().flush());
            while (c.in().buffered() < 5) {
                LwtFiber.sleep(0.001);
            }
            first.cancel();
            seen.add(first.isRejected());
            LwtFiber.await(c.out().writeUtf8("go\n"));
            LwtFiber.await(c.out().flush());
            seen.add(new String(LwtFiber.await(c.in().readExactly(8)), StandardCharsets.US_ASCII));
        }, a -> {
            SocketChannel c = open(a);
            assertEquals("ready", readLine(c));
            send(c, "12345");
            assertEquals("go", readLine(c));
            send(c, "678");
            readToEnd(c);
            close(c);
            return null;
        });
        assertEquals(List.of(), run.handlerErrors());
        assertEquals(List.of(true, "12345678"), seen);
    }

    @Test
    void aHugeAnnouncedLengthCostsOnlyTheBytesThatArrive() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        withServer(c -> {
            try {
                LwtFiber.await(c.in().readExactly(1_000_000_000));
            } catch (Exception e) {
                seen.add(e.getMessage());
                seen.add(c.in().capacity());
            }
        }, a -> {
            SocketChannel c = open(a);
            send(c, new byte[1000]);
            close(c);
            return null;
        });
        assertEquals("Input.readExactly: the input ended after 1000 of 1000000000 bytes", seen.get(0));
        int capacity = (Integer) seen.get(1);
        assertTrue(capacity <= 2 * 1024, "1000 bytes arrived, the buffer grew to " + capacity);
    }

    @Test
    void javaIoCodeRunsOnTheStreamsBlockingOnlyItsFiber() {
        var run = withServer(c -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(c.in().stream(), StandardCharsets.UTF_8));
            Writer w = new OutputStreamWriter(c.out().stream(), StandardCharsets.UTF_8);
            String line;
            while ((line = r.readLine()) != null) {
                w.write(line.length() + ":" + line + "\n");
                w.flush();
            }
        }, a -> {
            SocketChannel c = open(a);
            List<String> got = new ArrayList<>();
            for (String s : List.of("héllo", "", "wörld")) {
                send(c, s + "\n");
                got.add(readLine(c));
            }
            close(c);
            return got;
        });
        assertEquals(List.of("5:héllo", "0:", "5:wörld"), run.client());
    }

    /**
     * A fiber waiting in a stream read (no promise: Input.readDirect) and cancelled there leaves
     * the input usable and loses no byte; a promise read is refused while it waits.
     */
    @Test
    void aFiberCancelledInAStreamReadLosesNoByteAndTheInputStaysUsable() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        var run = withServer(c -> {
            java.io.InputStream in = c.in().stream();
            byte[] b = new byte[16];
            Lwt<Integer> child = LwtFiber.start(() -> {
                try {
                    return in.read(b, 0, b.length);         // nothing sent yet: the child waits here
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            seen.add(child.isPending());
            seen.add(assertThrows(IllegalStateException.class, () -> c.in().readLine()).getMessage()
                    .contains("another read is pending"));
            child.cancel();
            seen.add(child.isRejected());
            LwtFiber.await(c.out().writeUtf8("go\n"));
            LwtFiber.await(c.out().flush());
            StringBuilder got = new StringBuilder();
            int n;
            while ((n = in.read(b, 0, b.length)) > 0) {
                got.append(new String(b, 0, n, StandardCharsets.US_ASCII));
            }
            seen.add(got.toString());
        }, a -> {
            SocketChannel c = open(a);
            assertEquals("go", readLine(c));
            send(c, "abc");
            send(c, "def");
            close(c);
            return null;
        });
        assertEquals(List.of(), run.handlerErrors());
        assertEquals(List.of(true, true, true, "abcdef"), seen);
    }

    /** Closing a connection under a fiber waiting in a stream read throws the IOException in that fiber. */
    @Test
    void closingUnderAStreamReadThrowsTheIOExceptionInTheWaitingFiber() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        withServer(c -> {
            Lwt<Integer> child = LwtFiber.start(() -> {
                try {
                    return c.in().stream().read(new byte[4], 0, 4);
                } catch (IOException e) {
                    seen.add(e.getClass().getSimpleName());
                    return -2;
                }
            });
            c.close();
            seen.add(LwtFiber.await(child));
        }, a -> {
            SocketChannel c = open(a);
            readToEnd(c);
            close(c);
            return null;
        });
        assertEquals(List.of("AsynchronousCloseException", -2), seen);
    }

    @Test
    void dataInputStreamReadsBinaryFramesFromTheStream() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        var run = withServer(c -> {
            DataInputStream in = new DataInputStream(c.in().stream());
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                seen.add(in.readLong());
            }
            assertEquals(-1, in.read());
        }, a -> {
            SocketChannel c = open(a);
            ByteBuffer b = ByteBuffer.allocate(4 + 8 * 3).putInt(3).putLong(1).putLong(-2).putLong(Long.MAX_VALUE);
            for (byte x : b.array()) {
                send(c, new byte[] {x});
            }
            close(c);
            return null;
        });
        assertEquals(List.of(), run.handlerErrors());
        assertEquals(List.of(1L, -2L, Long.MAX_VALUE), seen);
    }

    @Test
    void aBigWriteToASlowReaderWaitsAndEveryByteArrives() {
        byte[] data = new byte[8 << 20];
        new Random(7).nextBytes(data);
        List<Object> seen = new CopyOnWriteArrayList<>();
        var run = withServer(c -> {
            Lwt<Void> w = c.out().write(data);             // 8 MB: far more than the socket takes
            seen.add(w.isPending());
            LwtFiber.await(w);
            seen.add(c.out().buffered());
        }, a -> {
            SocketChannel c = open(a);
            byte[] got;
            try {
                Thread.sleep(100);                         // let the server fill the socket first
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (c.read(buf.clear()) >= 0) {
                    out.write(buf.array(), 0, buf.position());
                }
                got = out.toByteArray();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            close(c);
            return got;
        });
        assertEquals(List.of(true, 0), seen);
        assertArrayEquals(data, run.client());
    }

    @Test
    void aConnectionWaitingForItsNextRequestHoldsNoBufferEitherWay() {
        // One connection reads through stream(), one through read(ByteBuffer), one with readLine;
        // each answers and flushes. Once it waits for the next request (the client asks the loop
        // after each answer), neither its input nor its output holds a buffer, however many bytes
        // went through (a 10 000-byte request, more than the 4 KiB an input keeps between reads).
        java.util.concurrent.atomic.AtomicReference<LwtIo.Connection> conn = new java.util.concurrent.atomic.AtomicReference<>();
        var run = withServer(c -> {
            conn.set(c);
            java.io.InputStream stream = c.in().stream();
            byte[] b = new byte[16 * 1024];
            ByteBuffer dst = ByteBuffer.allocate(16 * 1024);
            byte how = LwtFiber.await(c.in().readExactly(1))[0];
            while (true) {
                int n;
                if (how == 's') {
                    n = stream.read(b, 0, b.length);
                } else if (how == 'r') {
                    n = LwtFiber.await(c.in().read(dst.clear()));
                } else {
                    String line = LwtFiber.await(c.in().readLine());
                    n = line == null ? -1 : line.length() + 1;
                }
                if (n < 0) {
                    return;
                }
                LwtFiber.await(c.out().writeUtf8(n + "\n"));
                LwtFiber.await(c.out().flush());
            }
        }, a -> {
            List<String> seen = new ArrayList<>();
            for (String how : List.of("s", "r", "l")) {
                SocketChannel c = open(a);
                send(c, how);
                for (int size : new int[] {5, 10_000, 7}) {
                    byte[] request = new byte[size];
                    Arrays.fill(request, (byte) 'x');
                    request[size - 1] = '\n';
                    send(c, request);
                    int got = 0;
                    while (got < size) {                   // the server may take a request in pieces
                        got += Integer.parseInt(readLine(c));
                    }
                    // The answer is out, so the handler is on its way to the next read; the loop
                    // runs this after the handler's turn, which ends in that read's wait.
                    seen.add(how + " in " + LwtPreemptive.runInMain(() -> conn.get().in().capacity())
                            + " out " + LwtPreemptive.runInMain(() -> conn.get().out().capacity()));
                }
                close(c);
            }
            return seen;
        });
        assertEquals(List.of(), run.handlerErrors());
        assertEquals(List.of("s in 0 out 0", "s in 0 out 0", "s in 0 out 0", "r in 0 out 0", "r in 0 out 0",
                "r in 0 out 0", "l in 0 out 0", "l in 0 out 0", "l in 0 out 0"), run.client());
    }

    @Test
    void mixedReadsOfRandomSizesTakeEveryByteOnceAndInOrder() {
        // Reads straight into the reader's destination, with the rest buffered, must still hand
        // out the stream of bytes exactly: stream reads, read(ByteBuffer) and readExactly of
        // random sizes, over bytes sent in random pieces (some smaller, some larger than a read).
        byte[] data = new byte[300_000];
        new Random(11).nextBytes(data);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        var run = withServer(c -> {
            Random r = new Random(12);
            java.io.InputStream stream = c.in().stream();
            while (got.size() < data.length) {
                int len = 1 + r.nextInt(r.nextBoolean() ? 16 : 100_000);
                switch (r.nextInt(3)) {
                    case 0 -> {
                        byte[] b = new byte[len];
                        int n = stream.read(b, 0, len);
                        got.write(b, 0, n);
                    }
                    case 1 -> {
                        ByteBuffer dst = ByteBuffer.allocate(len);
                        int n = LwtFiber.await(c.in().read(dst));
                        got.write(dst.array(), 0, n);
                    }
                    default -> got.writeBytes(LwtFiber.await(c.in().readExactly(Math.min(len, data.length - got.size()))));
                }
            }
        }, a -> {
            SocketChannel c = open(a);
            Random r = new Random(13);
            for (int at = 0; at < data.length; ) {
                int n = Math.min(data.length - at, 1 + r.nextInt(r.nextBoolean() ? 50 : 70_000));
                send(c, Arrays.copyOfRange(data, at, at + n));
                at += n;
            }
            readToEnd(c);
            close(c);
            return null;
        });
        assertEquals(List.of(), run.handlerErrors());
        assertArrayEquals(data, got.toByteArray());
    }

    @Test
    void aReplyBiggerThanTheBufferGivesItsMemoryBackOnceSent() {
        byte[] big = new byte[1 << 20];
        List<Integer> seen = new CopyOnWriteArrayList<>();
        var run = withServer(c -> {
            LwtFiber.await(c.out().writeUtf8("head"));
            seen.add(c.out().capacity());                  // a buffer while bytes wait
            LwtFiber.await(c.out().write(big));            // through the socket, the rest kept
            LwtFiber.await(c.out().flush());
            seen.add(c.out().capacity());                  // all sent: nothing held
        }, a -> {
            SocketChannel c = open(a);
            int n = readToEnd(c).length();
            close(c);
            return n;
        });
        assertEquals(4 + big.length, run.client());
        assertEquals(List.of(64 * 1024, 0), seen);
    }

    @Test
    void aWriterThatAwaitsEachWriteToASlowReaderHoldsAtMostABufferAndOneWrite() {
        int[] maxBuffered = {0};
        byte[] kilo = new byte[1024];
        var run = withServer(c -> {
            for (int i = 0; i < 20 * 1024; i++) {          // 20 MB in 1 KiB writes
                LwtFiber.await(c.out().write(kilo));
                maxBuffered[0] = Math.max(maxBuffered[0], c.out().buffered());
            }
        }, a -> {
            SocketChannel c = open(a);
            long total = 0;
            try {
                Thread.sleep(200);                         // let the socket and the buffer fill
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                int n;
                while ((n = c.read(buf.clear())) >= 0) {
                    total += n;
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            close(c);
            return total;
        });
        assertEquals(20L << 20, run.client());
        assertTrue(maxBuffered[0] <= 64 * 1024 + 1024, "buffered up to " + maxBuffered[0]);
        assertTrue(maxBuffered[0] > 32 * 1024, "the reader was slow: the buffer should have filled, max " + maxBuffered[0]);
    }

    @Test
    void smallWritesAreBufferedUntilFlushAndGoOutInOrder() {
        var run = withServer(c -> {
            LwtIo.Output out = c.out();
            for (int i = 0; i < 10_000; i++) {
                Lwt<Void> w = i % 3 == 0 ? out.writeUtf8(i + ",") : out.write((i + ",").getBytes(StandardCharsets.UTF_8));
                LwtFiber.await(w);
            }
            // returning flushes
        }, a -> {
            SocketChannel c = open(a);
            String s = readToEnd(c);
            close(c);
            return s;
        });
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            expected.append(i).append(',');
        }
        assertEquals(expected.toString(), run.client());
    }

    @Test
    void connectGivesAClientConnectionToAServerOnTheSameLoop() {
        String got = LwtMain.run(() -> LwtFiber.start(() -> {
            try (LwtIo.Server s = LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, c -> {
                String line = LwtFiber.await(c.in().readLine());
                LwtFiber.await(c.out().writeUtf8("hi " + line + "\n"));
            })) {
                try (LwtIo.Connection c = LwtFiber.await(LwtIo.connect(s.address()))) {
                    assertEquals(s.address().getPort(), c.remote().getPort());
                    LwtFiber.await(c.out().writeUtf8("you\n"));
                    LwtFiber.await(c.out().flush());
                    String answer = LwtFiber.await(c.in().readLine());
                    assertNull(LwtFiber.await(c.in().readLine()));   // the handler ended: closed
                    return answer;
                }
            }
        }));
        assertEquals("hi you", got);
    }

    @Test
    void connectToAClosedPortIsRejectedWithTheIOException() {
        Object r = LwtMain.run(() -> LwtFiber.start(() -> {
            InetSocketAddress a;
            try (LwtIo.Server s = LwtIo.serve(IoClients.LOOPBACK_ANY_PORT, c -> { })) {
                a = s.address();
            }
            try {
                return LwtFiber.await(LwtIo.connect(a));
            } catch (Exception e) {
                return e;
            }
        }));
        assertInstanceOf(IOException.class, r);
    }
}
