package loomcc.bench.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RespSession.parseLong (INCR's reader, no allocation) against the JDK's parser and redis-server's rule. */
class RespParseLongTest {
    private static final long BAD = Long.MIN_VALUE + 1;

    /** The rule as redis-server has it: canonical decimal (what Long.toString gives back), in range. */
    private static long reference(String s) {
        try {
            long n = Long.parseLong(s);
            return Long.toString(n).equals(s) ? n : BAD;
        } catch (NumberFormatException e) {
            return BAD;
        }
    }

    private static void check(String s) {
        assertEquals(reference(s), RespSession.parseLong(s.getBytes(StandardCharsets.ISO_8859_1)), s);
    }

    @Test
    void edgeCasesReadAsRedisServerReadsThem() {
        for (String s : List.of("0", "1", "-1", "9", "10", "-0", "00", "01", "-01", "+1", " 1", "1 ", "-", "",
                "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                "99999999999999999999", "123456789012345678901", "1a", "a1", "\u00ff", "12.5", "1e3")) {
            check(s);
        }
    }

    @Test
    void randomNumbersAndTheirNeighboursReadAsTheJdkReadsThem() {
        Random r = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            long n = switch (i % 3) {
                case 0 -> r.nextLong();
                case 1 -> r.nextInt();
                default -> r.nextInt(1000) - 500;
            };
            String s = Long.toString(n);
            check(s);
            check(s + r.nextInt(10));                 // one digit more: may overflow
            check("0" + s);
        }
    }
}
