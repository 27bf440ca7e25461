package loomcc.bench.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import org.junit.jupiter.api.Test;

/** The serve command's arguments, and each style's clean stop with a client still connected. */
class RespServersTest {

    @Test
    void theServeCommandNamesWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RespServers.main(new String[] {"serve", "--port", "0"}));
        assertTrue(e.getMessage().startsWith("--style is missing; usage: serve --style"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RespServers.main(new String[] {"serve", "--style", "greenthread", "--port", "0"}));
        assertEquals("unknown style 'greenthread': one of fiber, promise, vthread", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RespServers.main(new String[] {"serve", "--style", "fiber"}));
        assertTrue(e.getMessage().startsWith("--port is missing or out of range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RespServers.parse(new String[] {"serve", "--style", "fiber", "--port", "x"}));
        assertTrue(e.getMessage().startsWith("--port x: not a number; usage: serve --style"), e.getMessage());
        RespServers.Options o = RespServers.parse(new String[] {"serve", "--port", "6380", "--style", "promise"});
        assertEquals(RespServers.Style.PROMISE, o.style());
        assertEquals(new InetSocketAddress("127.0.0.1", 6380), o.address());
    }

    @Test
    void closeEndsTheConnectionsAndReleasesThePort() throws IOException {
        for (RespServers.Style style : RespServers.Style.values()) {
            RespServers.Running server = RespServers.start(style, new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress a = server.address();
            try (Socket client = new Socket(a.getAddress(), a.getPort())) {
                client.setSoTimeout(30_000);
                client.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                assertEquals('+', client.getInputStream().read(), style + ": answered");
                client.getInputStream().readNBytes(6);                     // "PONG\r\n"
                server.close();                                             // returns once all is closed
                assertEquals(-1, client.getInputStream().read(), style + ": the connection was closed");
            }
            try (java.net.ServerSocket again = new java.net.ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(a);                                              // the port is free again
            }
        }
    }
}
