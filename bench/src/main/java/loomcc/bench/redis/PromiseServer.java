package loomcc.bench.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import loomcc.lwt.Lwt;
import loomcc.lwt.LwtUnix;
import loomcc.lwt.Resolver;

/**
 * The promise style: the fiber style's loop written on {@code Lwt} binds, no fibers. A step that
 * completes at once (a read with data already there, a write the socket takes whole) continues in
 * the same loop iteration; only a pending one binds, so a client that keeps the socket full never
 * grows the stack (a plain recursive bind would: Lwt runs a bind on a resolved promise at once).
 */
final class PromiseServer extends LoopServer {

    PromiseServer(InetSocketAddress address) throws IOException {
        super("promise", address);
    }

    @Override
    Lwt<Void> connection(SocketChannel ch) {
        Conn c = new Conn(ch, new RespSession(keyspace, false));
        c.step();
        return c.done.promise();
    }

    private static final class Conn {
        final SocketChannel ch;
        final RespSession s;
        final Resolver<Void> done = Lwt.task();
        int status;                           // the last process() result, while its output is written

        Conn(SocketChannel ch, RespSession s) {
            this.ch = ch;
            this.s = s;
        }

        /** Answers, writes, reads, as far as it goes without waiting. */
        void step() {
            try {
                while (true) {
                    status = s.process();
                    if (s.hasOutput() && !writeOut()) {
                        return;                      // a write is pending: afterWrite continues
                    }
                    if (!afterOutput()) {
                        return;
                    }
                }
            } catch (Throwable t) {
                done.tryReject(t);
            }
        }

        /** Writes the output; false if a write is pending (its bind continues the loop). */
        boolean writeOut() {
            ByteBuffer out = s.writeBuffer();
            while (out.hasRemaining()) {
                Lwt<Integer> w = LwtUnix.write(ch, out);
                if (w.isPending()) {
                    w.map(n -> {
                        if (writeOut() && afterOutput()) {
                            step();
                        }
                        return null;
                    }).recover(this::fail);
                    return false;
                }
                w.getNow();                          // a rejected write throws here
            }
            s.written();
            return true;
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
            Lwt<Integer> r = LwtUnix.read(ch, s.readBuffer());
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
