package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfObject;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SourceUnavailableException;

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

  /** Adds {@code nodescope_tcp_program_info} for each program the part attached from its object. */
  static void exportPrograms(SnapshotBuilder out, String part, BpfObject object) {
    for (BpfObject.Attachment attachment : object.attachments()) {
      out.add(
          TcpMetrics.PROGRAM,
          1,
          part,
          attachment.program(),
          attachment.hook(),
          attachment.target());
    }
  }

  /** A part the kernel refused to load or attach, saying so when privilege is what is missing. */
  static SourceUnavailableException unavailable(BpfException e) {
    return new SourceUnavailableException(
        e.errno() == BpfException.EPERM || e.errno() == BpfException.EACCES
            ? "no CAP_BPF/CAP_PERFMON (" + e.getMessage() + ")"
            : e.getMessage(),
        e);
  }

  /** Loads a part; throws {@link dev.nodescope.collectors.core.SourceUnavailableException}. */
  @FunctionalInterface
  interface Loader {
    TcpPart load() throws Exception;
  }
}
