package dev.nodescope.collectors.core;

/**
 * The collector's source does not exist on this node (no GPU driver, no neuron-monitor, no
 * conntrack module). That is a fact about the node, not a failure: it is logged once and reported
 * as {@code nodescope_collector_source_available 0}, so that a DaemonSet with the GPU collector on
 * CPU nodes does not page anybody.
 */
public class SourceUnavailableException extends Exception {
  public SourceUnavailableException(String message) {
    super(message);
  }

  public SourceUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
