/**
 * Not API: the JMH benchmarks that reproduce the 2011 "Delimited Continuations vs Lwt for
 * Threads" experiments, their peers, and {@link loomcc.bench.Report}, which runs them and draws
 * the charts. {@link loomcc.bench.Grid} is the one description of the workloads.
 */
package loomcc.bench;
