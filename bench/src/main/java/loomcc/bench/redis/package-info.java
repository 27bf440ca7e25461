/**
 * Not API: a small RESP2 (Redis protocol) server in three styles, driven by {@code redis-benchmark}
 * and checked with a Java Redis client (issue 11). {@link loomcc.bench.redis.RespSession} is the
 * protocol and the commands, with no I/O; {@link loomcc.bench.redis.Keyspace} the data; each style
 * only moves bytes between a socket and a session: {@link loomcc.bench.redis.VThreadServer} (a
 * virtual thread per connection, blocking sockets), {@link loomcc.bench.redis.FiberServer} (a fiber
 * per connection, direct style) and {@link loomcc.bench.redis.PromiseServer} (the same on
 * {@code Lwt} binds, no fibers). {@link loomcc.bench.redis.RespServers#main} runs one.
 */
package loomcc.bench.redis;
