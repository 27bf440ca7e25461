package loomcc.internal.fiber;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * JFR event {@code loomcc.FiberSuspend}: a fiber's suspension, from the capture to the resume.
 * Created only when JFR records it ({@link #recording()}), so it costs one check when JFR is off.
 *
 * <p>Off unless a recording asks for it ({@code @Enabled(false)}), with a 20 ms threshold once on:
 * a busy loop suspends fibers hundreds of thousands of times a second, and each event describes
 * what its fiber awaits when it begins; a server profiled with the event on by default spent about
 * a tenth of its samples on those descriptions. Turn it on in a {@code .jfc} file, or with
 * {@code RecordingStream.enable("loomcc.FiberSuspend")} (add {@code .withoutThreshold()} for
 * every suspension). The JDK's own busy events are off or thresholded the same way.
 * Not API.
 */
@Name("loomcc.FiberSuspend")
@Label("Fiber Suspend")
@Category({"loomcc", "Fibers"})
@Description("A fiber suspended in an await, from the capture of its stack to its resume")
@StackTrace(false)
@Enabled(false)
@Threshold("20 ms")
public final class FiberSuspendEvent extends Event {
    /** Asked for {@link Event#isEnabled()}, which answers for the event type. */
    private static final FiberSuspendEvent TYPE = new FiberSuspendEvent();

    /**
     * True when JFR records this event. Until something starts JFR (a recording, a
     * RecordingStream, -XX:StartFlightRecording) this reads one static flag and leaves this
     * class alone: initializing an event class registers it with JFR, which initializes JFR
     * itself, a matter of hundreds of milliseconds (seconds on a loaded machine) that a program
     * not using JFR must never pay in its first await.
     */
    public static boolean recording() {
        return jdk.jfr.FlightRecorder.isInitialized() && TYPE.isEnabled();
    }

    @Label("Fiber")
    @Description("The fiber's name")
    public String fiber;

    @Label("Waits For")
    @Description("What the fiber awaited")
    public String waitsFor;
}
