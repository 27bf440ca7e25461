package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's section "Streams, locks and scopes", compiled and run. The code between each pair of
 * {@code README:} markers is shown verbatim in README.md, which {@link #theReadmeShowsThisVeryCode}
 * checks.
 */
class ToolkitReadmeTest {

    // README:begin stream
    /** A producer and a consumer fiber; the producer waits whenever 4 lines are queued. */
    static Lwt<Integer> producerConsumer() {
        LwtStream<String> lines = LwtStream.bounded(4);
        LwtFiber.start(() -> {                                  // the producer
            try {
                for (int i = 1; i <= 100; i++) {
                    LwtFiber.await(lines.push("line " + i));    // waits while the stream is full
                }
                lines.close();                                  // the consumer drains, then sees the end
            } catch (RuntimeException e) {
                lines.fail(e);                                  // ... or gets e after the lines already in
            }
            return null;
        });
        return LwtFiber.start(() -> {                           // the consumer
            int count = 0;
            for (Optional<String> line; (line = LwtFiber.await(lines.next())).isPresent(); ) {
                count++;
            }
            return count;                                       // 100
        });
    }
    // README:end stream

    // README:begin scope
    static String fetch(String what, double seconds) {
        LwtFiber.sleep(seconds);                                // stands for a request
        return what;
    }

    /** Three requests at once; the page waits for all of them, and never for a slow ad. */
    static Lwt<String> page() {
        return LwtFiber.start(() -> {
            try (LwtScope scope = LwtScope.open()) {
                Lwt<String> user = scope.fork(() -> fetch("user", 0.01));
                Lwt<String> cart = scope.fork(() -> fetch("cart", 0.02));
                Lwt<String> ads = scope.fork(() -> {
                    try {
                        return LwtFiber.withTimeout(0.05, () -> fetch("ads", 10));
                    } catch (TimeoutException e) {
                        return "no ads";
                    }
                });
                scope.join();   // all ended; or the first failure, thrown here, the others cancelled
                return user.getNow() + ", " + cart.getNow() + ", " + ads.getNow();
            }                   // close: cancels what still runs, waits for it, closes resources
        });
    }
    // README:end scope

    // README:begin mutex
    /** Two fibers append to one log; each entry's two lines stay together across the await. */
    static Lwt<List<String>> twoWriters() {
        LwtMutex mutex = new LwtMutex();
        List<String> log = new ArrayList<>();
        List<Lwt<Object>> writers = new ArrayList<>();
        for (String who : List.of("a", "b")) {
            writers.add(LwtFiber.start(() -> {
                LwtFiber.await(mutex.lock());    // not synchronized: see above
                try {
                    log.add(who + " begins");
                    LwtFiber.sleep(0.001);         // other fibers run meanwhile, but not in here
                    log.add(who + " ends");
                } finally {
                    mutex.unlock();
                }
                return null;
            }));
        }
        return Lwt.join(writers).map(v -> log);
    }
    // README:end mutex

    @Test
    void theProducerConsumerExampleDeliversEveryLine() {
        assertEquals(100, LwtMain.run(ToolkitReadmeTest::producerConsumer));
    }

    @Test
    void theScopeExampleWaitsForAllAndTimesOutTheAd() {
        assertEquals("user, cart, no ads", LwtMain.run(ToolkitReadmeTest::page));
    }

    @Test
    void theMutexExampleKeepsEachEntryTogether() {
        assertEquals(List.of("a begins", "a ends", "b begins", "b ends"), LwtMain.run(ToolkitReadmeTest::twoWriters));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "scope", "mutex"})
    void theReadmeShowsThisVeryCode(String region) throws IOException {
        ReadmeRegions.assertShown(ToolkitReadmeTest.class, region);
    }
}
