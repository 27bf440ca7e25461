package loomcc.bench.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import loomcc.lwt.Lwt;
import loomcc.lwt.LwtFiber;
import loomcc.lwt.LwtUnix;

/**
 * The fiber style: a fiber per connection, direct style (read, answer every complete command,
 * write, loop), each wait an {@link LwtFiber#await} on the loop's non-blocking I/O.
 */
final class FiberServer extends LoopServer {

    FiberServer(InetSocketAddress address) throws IOException {
        super("fiber", address);
    }

    @Override
    Lwt<Void> connection(SocketChannel ch) {
        return LwtFiber.start(() -> {
            serve(ch);
            return null;
        });
    }

    private void serve(SocketChannel ch) {
        RespSession s = new RespSession(keyspace, false);
        while (true) {
            int st = s.process();
            if (s.hasOutput()) {
                ByteBuffer out = s.writeBuffer();
                while (out.hasRemaining()) {
                    LwtFiber.await(LwtUnix.write(ch, out));
                }
                s.written();
            }
            if (st == RespSession.CLOSE) {
                return;
            }
            if (st == RespSession.READ) {
                int n = LwtFiber.await(LwtUnix.read(ch, s.readBuffer()));
                if (n < 0) {
                    return;
                }
                s.received(n);
            }
        }
    }
}
