package dev.nodescope.collectors.conntrack;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two layouts of Cilium's 56-byte {@code struct ct_entry} value. Before Cilium 1.16 it counts
 * each direction apart ({@code rx_packets, rx_bytes, tx_packets, tx_bytes} at offsets 0, 8, 16,
 * 24); from 1.16 one pair ({@code packets, bytes} at 16, 24) counts both directions together and
 * offset 0 is reserved. The rest (lifetime, flags, reverse-NAT index) sits at the same offsets in
 * both.
 */
public enum CiliumCtLayout {
  BEFORE_1_16("1.15"),
  FROM_1_16("1.16");

  /** The oldest Cilium whose conntrack entry is known to be this 56-byte struct. */
  private static final int OLDEST_MINOR = 10;

  private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)(?:[.\\-+].*)?$");

  private final String version;

  CiliumCtLayout(String version) {
    this.version = version;
  }

  /** A version this layout belongs to, as the flag takes it. */
  public String version() {
    return version;
  }

  /**
   * The layout of a Cilium version ({@code v1.16.3}, {@code 1.15}, {@code 1.17.0-rc.1}); empty for
   * anything else, a major version other than 1 or a minor older than 1.10, since those layouts
   * were never read.
   */
  public static Optional<CiliumCtLayout> forVersion(String text) {
    Matcher m = VERSION.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    int major;
    int minor;
    try {
      major = Integer.parseInt(m.group(1));
      minor = Integer.parseInt(m.group(2));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (major != 1 || minor < OLDEST_MINOR) {
      return Optional.empty();
    }
    return Optional.of(minor >= 16 ? FROM_1_16 : BEFORE_1_16);
  }

  /**
   * The version in a container image reference ({@code quay.io/cilium/cilium:v1.16.3@sha256:...});
   * empty when the tag names no version (a digest alone, {@code latest}).
   */
  public static Optional<String> versionOfImage(String image) {
    String name = image;
    int digest = name.indexOf('@');
    if (digest >= 0) {
      name = name.substring(0, digest);
    }
    int colon = name.lastIndexOf(':');
    if (colon < 0 || colon < name.lastIndexOf('/')) {
      return Optional.empty();
    }
    String tag = name.substring(colon + 1);
    return VERSION.matcher(tag).matches() ? Optional.of(tag) : Optional.empty();
  }
}
