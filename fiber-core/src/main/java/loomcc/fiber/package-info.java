/**
 * Fibers: direct-style code on a single-threaded loop. {@link loomcc.fiber.Fiber#start} runs a
 * body on its {@link loomcc.fiber.FiberHome home}; {@link loomcc.fiber.Fiber#await} on a pending
 * promise suspends only that fiber (its stack is captured as a one-shot continuation) and the
 * home resumes it when the promise completes. Any promise type can be awaited through the small
 * {@link loomcc.fiber.Awaiter} SPI; {@link java.util.concurrent.CompletionStage} is built in.
 * This package knows nothing of Lwt: {@code loomcc.lwt.LwtFiber} puts it on an Lwt loop.
 */
package loomcc.fiber;
