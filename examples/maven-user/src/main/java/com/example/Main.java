package com.example;

import java.net.InetSocketAddress;
import loomcc.lwt.LwtFiber;
import loomcc.lwt.LwtIo;
import loomcc.lwt.LwtMain;

public class Main {
    /** True when the JDK continuation engine is open to loomcc (the flag is on). */
    static boolean fullSpeed() {
        return Object.class.getModule().isExported("jdk.internal.vm", LwtFiber.class.getModule());
    }

    static String echoOnce(String text) {
        return LwtMain.run(() -> LwtFiber.start(() -> {
            try (LwtIo.Server s = LwtIo.serve(new InetSocketAddress("127.0.0.1", 0), c -> {
                     String line;
                     while ((line = LwtFiber.await(c.in().readLine())) != null) {
                         LwtFiber.await(c.out().writeUtf8(line + "\n"));
                         LwtFiber.await(c.out().flush());
                     }
                 });
                 LwtIo.Connection c = LwtFiber.await(LwtIo.connect(s.address()))) {
                LwtFiber.await(c.out().writeUtf8(text + "\n"));
                LwtFiber.await(c.out().flush());
                return LwtFiber.await(c.in().readLine());
            }
        }));
    }

    public static void main(String[] args) {
        System.out.println("echo: " + echoOnce("hello from a fiber") + "; jdk.internal.vm exported to loomcc: " + fullSpeed());
        if (!fullSpeed()) {
            System.exit(2);
        }
    }
}
