package dev.nodescope.collectors.attribution;

/**
 * Where the far end of a connection is relative to this node, as the {@code locality} label says.
 */
public enum Locality {
  SAME_NODE("same-node"),
  SAME_ZONE("same-zone"),
  CROSS_ZONE("cross-zone"),
  EXTERNAL("external"),
  UNKNOWN("unknown");

  private final String label;

  Locality(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
