package loomcc.bench.redis;

import java.io.IOException;
import java.net.InetSocketAddress;

import loomcc.lwt.Lwt;
import loomcc.lwt.LwtFiber;
import loomcc.lwt.LwtIo;
import loomcc.lwt.LwtUnix;

/**
 * The fiber style: {@link LwtIo#serve}, a fiber per connection, direct style: read, answer every
 * complete command, write, loop. Each wait is an {@link LwtFiber#await} on the connection's
 * buffered {@link LwtIo.Input} and {@link LwtIo.Output}; a read the buffer answers, and a write the
 * socket takes at once, cost no suspension.
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

    private void serve(LwtIo.Connection c) {
        RespSession s = new RespSession(keyspace, false);
        LwtIo.Input in = c.in();
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
                int n = LwtFiber.await(in.read(s.readBuffer()));
                if (n < 0) {
                    return;
                }
                s.received(n);
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
