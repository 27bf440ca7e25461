/**
 * Lwt, in Java: {@link loomcc.lwt.Lwt} promises and their {@link loomcc.lwt.Resolver}s, the event loop
 * ({@link loomcc.lwt.LwtMain}), timers and non-blocking NIO ({@link loomcc.lwt.LwtUnix}), and a pool
 * for blocking calls ({@link loomcc.lwt.LwtPreemptive}); fibers that block on promises
 * ({@link loomcc.lwt.LwtFiber}); and the toolkit programs need first, whose waiting operations are
 * cancelable promises woken oldest first: {@link loomcc.lwt.LwtMutex}, {@link loomcc.lwt.LwtCondition},
 * {@link loomcc.lwt.LwtMvar}, {@link loomcc.lwt.LwtStream} and {@link loomcc.lwt.LwtScope}.
 * Each type's Javadoc states its threading contract; in short, promises belong to the thread of their loop, and other threads reach a loop only
 * through {@code LwtPreemptive}.
 */
package loomcc.lwt;
