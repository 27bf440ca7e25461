package loomcc.lwt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Fibers that start and await fibers, several levels deep, and two fibers ping-ponging. */
class NestedFibersTest {

    @Test
    void aChildRunsAtOnceUntilItsFirstAwaitAndTheParentAwaitsIt() {
        Order order = new Order();
        int r = LwtMain.run(() -> LwtFiber.start(() -> {
            order.expect(1);
            Lwt<Integer> child = LwtFiber.start(() -> {
                order.expect(2);
                Lwt<Integer> grandchild = LwtFiber.start(() -> {
                    order.expect(3);
                    LwtFiber.pause();
                    order.expect(6);
                    return 1;
                });
                order.expect(4);
                int g = LwtFiber.await(grandchild);
                order.expect(7);
                return g + 10;
            });
            order.expect(5);
            int c = LwtFiber.await(child);
            order.expect(8);
            return c + 100;
        }));
        order.finish(9);
        assertEquals(111, r);
    }

    /** A binary tree of fibers: each node starts two children, awaits both, counts the nodes. */
    static int tree(int depth, int[] leavesPaused) {
        if (depth == 0) {
            LwtFiber.pause();
            leavesPaused[0]++;
            return 1;
        }
        Lwt<Integer> left = LwtFiber.start(() -> tree(depth - 1, leavesPaused));
        Lwt<Integer> right = LwtFiber.start(() -> tree(depth - 1, leavesPaused));
        assertTrue(left.isPending() && right.isPending(), "the children wait for their leaves");
        return 1 + LwtFiber.await(left) + LwtFiber.await(right);
    }

    @Test
    void aTreeOfFibersEightLevelsDeep() {
        int[] leaves = {0};
        int depth = 8;
        int nodes = LwtMain.run(() -> LwtFiber.start(() -> tree(depth, leaves)));
        assertEquals((1 << (depth + 1)) - 1, nodes);
        assertEquals(1 << depth, leaves[0]);
    }

    /** A chain: each fiber starts the next and awaits it; the last one sleeps. */
    static int chain(int n, List<Integer> ended) {
        int r;
        if (n == 0) {
            LwtFiber.sleep(0);
            r = 0;
        } else {
            Lwt<Integer> next = LwtFiber.start(() -> chain(n - 1, ended));
            assertTrue(next.isPending());
            r = 1 + LwtFiber.await(next);
        }
        ended.add(n);
        return r;
    }

    @Test
    void aChainOfAThousandFibersEachAwaitingTheNext() {
        List<Integer> ended = new ArrayList<>();
        int n = 1000;
        assertEquals(n, (int) LwtMain.run(() -> LwtFiber.start(() -> chain(n, ended))));
        assertEquals(n + 1, ended.size());
        for (int i = 0; i <= n; i++) {
            assertEquals(i, ended.get(i), "the innermost fiber ends first");
        }
    }

    @Test
    void anExceptionTravelsUpThroughAwaitingFibersAsTheSameInstance() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        List<String> seen = new ArrayList<>();
        Throwable t = assertThrows(IllegalArgumentException.class, () -> LwtMain.run(() -> LwtFiber.start(() -> {
            Lwt<Integer> mid = LwtFiber.start(() -> {
                Lwt<Integer> leaf = LwtFiber.start(() -> {
                    LwtFiber.pause();
                    throw boom;
                });
                try {
                    return LwtFiber.await(leaf);
                } finally {
                    seen.add("mid");
                }
            });
            try {
                return LwtFiber.await(mid);
            } finally {
                seen.add("top");
            }
        })));
        assertSame(boom, t);
        assertEquals(List.of("mid", "top"), seen);
    }

    @Test
    void cancellingTheOutermostFiberCancelsTheAwaitsAllTheWayDown() {
        List<String> finallies = new ArrayList<>();
        List<Throwable> caught = new ArrayList<>();
        Resolver<Void> never = Lwt.pending();
        Throwable t = LwtMain.run(() -> {
            Lwt<Void> top = LwtFiber.start(() -> level(3, never, finallies, caught));
            assertTrue(top.isPending());
            top.cancel();
            assertTrue(top.isRejected());
            return top.<Throwable>map(v -> null).recover(Lwt::resolved);
        });
        assertInstanceOf(Lwt.Canceled.class, t);
        assertEquals(List.of("level 0", "level 1", "level 2", "level 3"), finallies,
                "every fiber's finally ran, the innermost first");
        assertEquals(4, caught.size());
        caught.forEach(c -> assertInstanceOf(Lwt.Canceled.class, c));
        assertTrue(never.promise().isPending(), "a pending() promise is not cancelable and stays pending");
    }

    private static Void level(int n, Resolver<Void> never, List<String> finallies, List<Throwable> caught) {
        try {
            if (n == 0) {
                return LwtFiber.await(never.promise());
            }
            return LwtFiber.await(LwtFiber.start(() -> level(n - 1, never, finallies, caught)));
        } catch (Lwt.Canceled c) {
            caught.add(c);
            throw c;
        } finally {
            finallies.add("level " + n);
        }
    }

    // ============================================================================ ping-pong

    /** A one-slot mailbox on the loop: the receiver replaces the resolver after each message. */
    static final class Mailbox {
        private Resolver<Integer> slot = Lwt.pending();

        void send(int v) {
            slot.resolve(v);
        }

        int receive() {
            int v = LwtFiber.await(slot.promise());
            slot = Lwt.pending();
            return v;
        }
    }

    @Test
    void twoFibersPingPongTenThousandTimesInStrictAlternation() {
        int rounds = 10_000;
        Order order = new Order();
        int[] received = new int[2];
        Mailbox toPing = new Mailbox();
        Mailbox toPong = new Mailbox();
        List<Integer> r = LwtMain.run(() -> {
            Lwt<Integer> pong = LwtFiber.start(() -> {
                for (int i = 0; i < rounds; i++) {
                    int v = toPong.receive();
                    assertEquals(2 * i, v);
                    received[1]++;
                    order.expect(2 * i + 2);
                    toPing.send(v + 1);
                }
                return received[1];
            });
            Lwt<Integer> ping = LwtFiber.start(() -> {
                for (int i = 0; i < rounds; i++) {
                    order.expect(2 * i + 1);
                    toPong.send(2 * i);
                    int v = toPing.receive();
                    assertEquals(2 * i + 1, v);
                    received[0]++;
                }
                return received[0];
            });
            return Lwt.all(List.of(ping, pong));
        });
        order.finish(2 * rounds + 1);
        assertEquals(List.of(rounds, rounds), r);
        assertEquals(rounds, received[0]);
        assertEquals(rounds, received[1]);
    }
}
