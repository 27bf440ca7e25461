package loomcc.internal.fiber;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code loomcc.FiberSuspend}: a fiber's suspension, from the capture to the resume.
 * Created only when JFR records it ({@link #recording()}), so it costs one check when JFR is off.
 * Not API.
 */
@Name("loomcc.FiberSuspend")
@Label("Fiber Suspend")
@Category({"loomcc", "Fibers"})
@Description("A fiber suspended in an await, from the capture of its stack to its resume")
@StackTrace(false)
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
