package dev.nodescope.agent.health;

/**
 * An accelerator: its device label as the collectors write it ({@code nvidia0}, {@code neuron3})
 * and its kind ({@code gpu} or {@code neuron}).
 */
record DeviceKey(String device, String kind) implements Comparable<DeviceKey> {
  static final String GPU = "gpu";
  static final String NEURON = "neuron";

  @Override
  public int compareTo(DeviceKey other) {
    int byKind = kind.compareTo(other.kind);
    return byKind != 0 ? byKind : naturalOrder(device, other.device);
  }

  /** nvidia2 before nvidia10. */
  private static int naturalOrder(String a, String b) {
    String prefixA = a.replaceAll("\\d+$", "");
    String prefixB = b.replaceAll("\\d+$", "");
    if (!prefixA.equals(prefixB)
        || prefixA.length() == a.length()
        || prefixB.length() == b.length()) {
      return a.compareTo(b);
    }
    return Long.compare(
        Long.parseLong(a.substring(prefixA.length())),
        Long.parseLong(b.substring(prefixB.length())));
  }
}
