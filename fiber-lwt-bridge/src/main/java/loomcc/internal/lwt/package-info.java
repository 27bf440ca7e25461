/**
 * Not API: the machinery under {@code loomcc.lwt} (the per-thread resolution engine, the event loop,
 * its timer heap). Public only so that {@code loomcc.lwt} can reach it; it may change in any release.
 */
package loomcc.internal.lwt;
