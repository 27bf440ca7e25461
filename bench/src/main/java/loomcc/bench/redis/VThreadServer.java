package loomcc.bench.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The vthread style: a JDK virtual thread per connection, blocking {@code java.net} sockets, the
 * keyspace under one lock per command. What a user writes without loomcc.
 *
 * <p>Threading: {@link #close} from any thread; it stops accepting, closes every connection and
 * waits for their threads.
 */
final class VThreadServer implements RespServers.Running {
    private final Keyspace keyspace = new Keyspace();
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    VThreadServer(InetSocketAddress address) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 1024);
        acceptor = Thread.ofVirtual().name("resp-vthread-accept").start(this::acceptLoop);
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("[resp vthread] accept failed: " + e);
                }
                return;
            }
            open.add(s);
            Thread t = Thread.ofVirtual().unstarted(() -> serve(s));
            threads.add(t);
            t.start();
            if (closed) {                      // NOTE: close() may have run between accept and add: close it here
                closeQuietly(s);
            }
        }
    }

    /** One connection: read, answer every complete command, write, loop. */
    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            RespSession session = new RespSession(keyspace, true);
            while (true) {
                int st = session.process();
                if (session.hasOutput()) {
                    session.writeTo(out);
                }
                if (st == RespSession.CLOSE) {
                    return;
                }
                if (st == RespSession.READ && session.readFrom(in) < 0) {
                    return;
                }
            }
        } catch (SocketException e) {
            // the peer reset the connection, or close() closed it: the connection is over
        } catch (IOException e) {
            if (!closed) {
                System.err.println("[resp vthread] connection failed: " + e);
            }
        } finally {
            open.remove(s);
            threads.remove(Thread.currentThread());
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Socket s : open) {
            closeQuietly(s);
        }
        try {
            acceptor.join();
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing to stop: nothing more to do with it
        }
    }
}
