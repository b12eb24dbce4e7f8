package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.core.SnapshotBuilder;

/**
 * One independently loaded part of the tcp collector (its own eBPF object and hooks), such as the
 * sock_ops health part. A part that cannot load on this node leaves the others running.
 */
interface TcpPart extends AutoCloseable {
  /** The part's name in {@code nodescope_tcp_part_available} and the logs. */
  String name();

  /** Reads the part's maps into the run's series; called on the collector's thread. */
  void collect(SnapshotBuilder out) throws Exception;

  @Override
  void close();

  /** Loads a part; throws {@link dev.nodescope.collectors.core.SourceUnavailableException}. */
  @FunctionalInterface
  interface Loader {
    TcpPart load() throws Exception;
  }
}
