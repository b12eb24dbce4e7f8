package dev.nodescope.collectors.core;

/**
 * One source of metrics. {@link #collect} runs on the collector's own thread at its own interval
 * and does all the I/O; it writes the series of this run into the builder. Anything it throws marks
 * the run failed without touching the previous snapshot of any other collector.
 */
public interface Collector extends AutoCloseable {
  void collect(SnapshotBuilder out) throws Exception;

  @Override
  default void close() throws Exception {}
}
