package loomcc.bench.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the RESP2 server in one of its styles; {@link #main} is the {@code serve} command:
 *
 * <pre>
 * "$JAVA_HOME/bin/java" -jar bench/target/loomcc-bench.jar serve --style fiber|promise|vthread --port N [--host H]
 * </pre>
 * It prints {@code ready HOST:PORT} once it listens (port 0: a free port, the real one printed) and
 * stops cleanly on SIGTERM or Ctrl-C (a shutdown hook closes the connections and the loop).
 */
public final class RespServers {
    private RespServers() {
    }

    /** The three ways to serve a connection. */
    public enum Style {
        /** A fiber per connection, direct style, on the loomcc loop. */
        FIBER,
        /** The same on Lwt binds, no fibers. */
        PROMISE,
        /** A JDK virtual thread per connection, blocking sockets. */
        VTHREAD;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Style of(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown style '" + s + "': one of fiber, promise, vthread", e);
            }
        }
    }

    /** A running server. {@link #close} from any thread: stops accepting, closes the connections, waits. */
    public interface Running extends AutoCloseable {
        InetSocketAddress address();

        @Override
        void close();
    }

    /** Starts {@code style} listening on {@code address}; returns once it listens. */
    public static Running start(Style style, InetSocketAddress address) throws IOException {
        return switch (style) {
            case FIBER -> new FiberServer(address);
            case PROMISE -> new PromiseServer(address);
            case VTHREAD -> new VThreadServer(address);
        };
    }

    /** What {@code serve} was asked for. */
    public record Options(Style style, InetSocketAddress address) {
    }

    /** {@code serve --style S --port N [--host H]}: see the class comment. */
    public static void main(String[] argv) throws IOException, InterruptedException {
        serve(parse(argv));
    }

    /**
     * The {@code serve} command line, checked.
     *
     * @throws IllegalArgumentException naming what is wrong, with the usage
     */
    public static Options parse(String[] argv) {
        Style style = null;
        int port = -1;
        String host = "127.0.0.1";
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "serve" -> { }
                case "--style" -> style = Style.of(value(argv, ++i));
                case "--port" -> port = port(value(argv, ++i));
                case "--host" -> host = value(argv, ++i);
                default -> throw usage("unknown argument " + argv[i]);
            }
        }
        if (style == null || port < 0 || port > 65535) {
            throw usage(style == null ? "--style is missing" : "--port is missing or out of range");
        }
        return new Options(style, new InetSocketAddress(host, port));
    }

    private static int port(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw usage("--port " + v + ": not a number");
        }
    }

    /** Serves until SIGTERM or Ctrl-C: prints {@code ready HOST:PORT} once it listens. */
    public static void serve(Options o) throws IOException, InterruptedException {
        Running server = start(o.style(), o.address());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "resp-stop"));
        InetSocketAddress a = server.address();
        System.out.println("ready " + a.getAddress().getHostAddress() + ":" + a.getPort());
        System.out.flush();
        stopped.await();
    }

    private static String value(String[] argv, int i) {
        if (i >= argv.length) {
            throw usage(argv[i - 1] + " needs a value");
        }
        return argv[i];
    }

    private static IllegalArgumentException usage(String why) {
        return new IllegalArgumentException(why + "; usage: serve --style fiber|promise|vthread --port N [--host H]");
    }
}
