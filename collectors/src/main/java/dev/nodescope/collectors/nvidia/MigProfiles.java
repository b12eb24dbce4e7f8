package dev.nodescope.collectors.nvidia;

/**
 * MIG device names read "NVIDIA H100 80GB HBM3 MIG 1g.10gb"; dcgm's GPU_I_PROFILE is the part after
 * "MIG ".
 */
final class MigProfiles {
  private MigProfiles() {}

  static String fromDeviceName(String deviceName) {
    int at = deviceName.lastIndexOf("MIG ");
    return at < 0 ? deviceName : deviceName.substring(at + 4).trim();
  }
}
