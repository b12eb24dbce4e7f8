package dev.nodescope.collectors.attribution;

/** Which end of the connection the local pod is, as the {@code role} label says. */
public enum Role {
  CLIENT("client"),
  SERVER("server"),
  /** A pod's aggregate over peers past the series cap, whatever its role with each. */
  ANY("");

  private final String label;

  Role(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
