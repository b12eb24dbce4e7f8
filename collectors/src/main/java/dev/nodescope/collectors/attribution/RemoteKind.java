package dev.nodescope.collectors.attribution;

/** What the far end of a connection is, as the {@code remote_kind} label says. */
public enum RemoteKind {
  POD("pod"),
  SERVICE("service"),
  NODE("node"),
  EXTERNAL("external"),
  /** Not known: node mode (no cluster lookups), or a pod's aggregate over peers past the cap. */
  UNKNOWN("unknown");

  private final String label;

  RemoteKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
