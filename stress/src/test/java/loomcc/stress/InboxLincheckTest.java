package loomcc.stress;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of the loop's inbox as the loop uses it: a JCTools MPSC queue
 * ({@code MpscUnboundedAtomicArrayQueue}, as in {@code EventLoop}) that any thread offers to and
 * one thread at a time drains, in bounded batches, or polls. Every interleaving Lincheck explores
 * must be linearizable to a plain FIFO queue (run sequentially, the same class is the specification). The chunk is 2 here (256 in the loop) so that the
 * offers cross chunk boundaries, the subtle part of an unbounded array queue.
 */
@Param(name = "v", gen = IntGen.class, conf = "1:9")
public class InboxLincheckTest {
    private final MessagePassingQueue<Integer> inbox = new MpscUnboundedAtomicArrayQueue<>(2);

    @Operation
    public boolean offer(@Param(name = "v") int v) {
        return inbox.offer(v);
    }

    @Operation(nonParallelGroup = "consumer")
    public Integer poll() {
        return inbox.poll();
    }

    /**
     * The loop's consumer over successive turns: bounded drains (runInbox) until it has two items
     * or the inbox is empty, the check the loop makes before it parks. A single drain is not
     * linearizable, and Lincheck finds both ways: JCTools' relaxed poll stops at an offer still in
     * flight (its slot claimed, not yet written), so a drain can return nothing, or fewer items than
     * it could, while later offers have completed. The loop never parks while the inbox is not
     * empty, so it drains again on its next turn; this composed consumer is linearizable.
     */
    @Operation(nonParallelGroup = "consumer")
    public String takeTwo() {
        StringBuilder sb = new StringBuilder();
        int[] n = {0};
        while (n[0] < 2 && !inbox.isEmpty()) {
            inbox.drain(v -> {
                sb.append(v).append(',');
                n[0]++;
            }, 2 - n[0]);
        }
        return sb.toString();
    }

    @Operation(nonParallelGroup = "consumer")
    public boolean isEmpty() {
        return inbox.isEmpty();
    }

    @Test
    void modelCheckingFindsNoNonLinearizableInterleaving() {
        new ModelCheckingOptions().iterations(Integer.getInteger("lincheck.iterations", 30)).threads(3)
                .actorsPerThread(3).check(InboxLincheckTest.class);
    }
}
