package loomcc.internal.lwt;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event {@code loomcc.LoopStall}: an event loop's thread kept by one callback or fiber for
 * longer than {@code loomcc.stallMillis}. Recorded by the watchdog thread from when it found the
 * stall to when the loop moved again; {@link #stalledBefore} adds the time before it was found.
 * Not API.
 */
@Name("loomcc.LoopStall")
@Label("Loop Stall")
@Category({"loomcc", "Event Loop"})
@Description("An event loop's thread kept by one callback or fiber for longer than loomcc.stallMillis")
@StackTrace(false)
final class LoopStallEvent extends Event {
    @Label("Loop Thread")
    String loopThread;

    @Label("Fiber")
    @Description("The fiber running when the stall was found, or null for a callback outside fibers")
    String fiber;

    @Label("Stalled Before")
    @Description("How long the loop had been stalled when the watchdog found it")
    @Timespan(Timespan.MILLISECONDS)
    long stalledBefore;
}
