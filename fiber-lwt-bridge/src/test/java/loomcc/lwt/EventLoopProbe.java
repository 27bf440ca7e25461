package loomcc.lwt;

import loomcc.internal.lwt.EventLoop;

/** Test helper: which thread runs the current loop. */
final class EventLoopProbe {
    private EventLoopProbe() {
    }

    static Thread loopThread() {
        return EventLoop.require("EventLoopProbe").thread();
    }
}
