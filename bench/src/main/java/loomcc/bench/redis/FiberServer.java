package loomcc.bench.redis;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;

import loomcc.lwt.Lwt;
import loomcc.lwt.LwtFiber;
import loomcc.lwt.LwtIo;
import loomcc.lwt.LwtUnix;

/**
 * The fiber style: {@link LwtIo#serve}, a fiber per connection, direct style: read, answer every
 * complete command, write, loop. It reads as the vthread style does, from an
 * {@link java.io.InputStream} ({@link LwtIo.Input#stream()}: the fiber waits in it, with no promise),
 * and writes with an {@link LwtFiber#await} on the buffered {@link LwtIo.Output}; a read the buffer
 * answers, and a write the socket takes at once, cost no suspension.
 */
final class FiberServer extends LoopServer {
    private LwtIo.Server server;

    FiberServer(InetSocketAddress address) throws IOException {
        super("fiber", address);
    }

    @Override
    InetSocketAddress listen(InetSocketAddress address) {
        server = LwtIo.serve(address, this::serve);
        return server.address();
    }

    private void serve(LwtIo.Connection c) throws IOException {
        RespSession s = new RespSession(keyspace, false);
        InputStream in = c.in().stream();     // reads with no promise (LwtIo.Input.readDirect)
        LwtIo.Output out = c.out();
        while (true) {
            int st = s.process();
            if (s.hasOutput()) {
                LwtFiber.await(out.write(s.writeBuffer()));   // copied: the session's buffer is free again
                s.written();
                LwtFiber.await(out.flush());
            }
            if (st == RespSession.CLOSE) {
                return;
            }
            if (st == RespSession.READ) {
                if (s.readFrom(in) < 0) {             // the fiber waits here, as a blocking read would
                    return;
                }
            }
        }
    }

    @Override
    Lwt<Void> shutdown() {
        server.close();                 // cancels the connections' fibers; they end on their next turn
        return idle();
    }

    private Lwt<Void> idle() {
        return server.active() == 0 ? Lwt.resolved(null) : LwtUnix.sleep(0.001).bind(v -> idle());
    }
}
