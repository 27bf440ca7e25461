package loomcc.bench.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import loomcc.lwt.Lwt;
import loomcc.lwt.LwtIo;
import loomcc.lwt.LwtUnix;
import loomcc.lwt.Resolver;

/**
 * The promise style: the fiber style's loop written on {@code Lwt} binds, no fibers, on the same
 * buffered {@link LwtIo.Input} and {@link LwtIo.Output} ({@link LwtIo#serve} starts fibers, so the
 * accept loop is this class's own, on {@link LwtUnix#accept}). A step that completes at once (a
 * read the buffer answers, a flush the socket takes whole) continues in the same loop iteration;
 * only a pending one binds, so a client that keeps the socket full never grows the stack (a plain
 * recursive bind would: Lwt runs a bind on a resolved promise at once).
 */
final class PromiseServer extends LoopServer {
    private ServerSocketChannel server;
    private boolean stopping;
    private final Map<SocketChannel, Lwt<Void>> connections = new HashMap<>();

    PromiseServer(InetSocketAddress address) throws IOException {
        super("promise", address);
    }

    @Override
    InetSocketAddress listen(InetSocketAddress address) throws IOException {
        server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(address, 1024);
        acceptLoop();
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** Accepts while connections are there at once; waits (one bind) when none is. */
    private void acceptLoop() {
        while (!stopping) {
            Lwt<SocketChannel> a = LwtUnix.accept(server);
            if (a.isPending()) {
                a.map(ch -> {
                    accepted(ch);
                    acceptLoop();
                    return null;
                }).recover(this::acceptFailed);
                return;
            }
            if (a.isRejected()) {
                a.recover(this::acceptFailed);
                return;
            }
            accepted(a.getNow());
        }
    }

    private <T> Lwt<T> acceptFailed(Throwable e) {
        if (!stopping) {
            System.err.println("[resp promise] accept failed: " + e);
        }
        return Lwt.resolved(null);
    }

    private void accepted(SocketChannel ch) {
        if (stopping) {
            LwtUnix.close(ch);
            return;
        }
        Conn c;
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c = new Conn(LwtIo.input(ch), LwtIo.output(ch), new RespSession(keyspace, false));
        } catch (IOException | RuntimeException e) {
            LwtUnix.close(ch);
            return;
        }
        c.step();
        Lwt<Void> done = c.done.promise().recover(e -> {
            if (!stopping && !(e instanceof IOException)) {
                System.err.println("[resp promise] connection failed: " + e);
            }
            return Lwt.resolved(null);
        }).whenDone(() -> {
            connections.remove(ch);
            LwtUnix.close(ch);
        });
        if (done.isPending()) {
            connections.put(ch, done);
        }
    }

    @Override
    Lwt<Void> shutdown() {
        stopping = true;
        LwtUnix.close(server);
        List<Lwt<Void>> waits = new ArrayList<>(connections.values());
        for (SocketChannel ch : new ArrayList<>(connections.keySet())) {
            LwtUnix.close(ch);              // the pending read fails: its connection ends
        }
        return Lwt.join(waits);
    }

    /** One connection: read, answer every complete command, write, loop; as far as it goes without waiting. */
    private static final class Conn {
        final LwtIo.Input in;
        final LwtIo.Output out;
        final RespSession s;
        final Resolver<Void> done = Lwt.task();
        int status;                           // the last process() result, while its output is flushed

        Conn(LwtIo.Input in, LwtIo.Output out, RespSession s) {
            this.in = in;
            this.out = out;
            this.s = s;
        }

        void step() {
            try {
                while (true) {
                    status = s.process();
                    if (s.hasOutput()) {
                        out.write(s.writeBuffer());     // takes every byte now; a failure shows in the flush
                        s.written();
                        Lwt<Void> f = out.flush();
                        if (f.isPending()) {
                            f.map(v -> {
                                if (afterOutput()) {
                                    step();
                                }
                                return null;
                            }).recover(this::fail);
                            return;
                        }
                        f.getNow();                     // a failed flush throws here
                    }
                    if (!afterOutput()) {
                        return;
                    }
                }
            } catch (Throwable t) {
                done.tryReject(t);
            }
        }

        /** After the output is out: true to process again now; false when done or a read is pending. */
        boolean afterOutput() {
            if (status == RespSession.CLOSE) {
                done.tryResolve(null);
                return false;
            }
            if (status == RespSession.CONTINUE) {
                return true;
            }
            Lwt<Integer> r = in.read(s.readBuffer());
            if (r.isPending()) {
                r.map(n -> {
                    if (received(n)) {
                        step();
                    }
                    return null;
                }).recover(this::fail);
                return false;
            }
            return received(r.getNow());
        }

        boolean received(int n) {
            if (n < 0) {
                done.tryResolve(null);
                return false;
            }
            s.received(n);
            return true;
        }

        <T> Lwt<T> fail(Throwable t) {
            done.tryReject(t);
            return Lwt.resolved(null);
        }
    }
}
