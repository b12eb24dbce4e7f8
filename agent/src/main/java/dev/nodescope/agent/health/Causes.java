package dev.nodescope.agent.health;

/**
 * The cause label of {@code nodescope_accelerator_health_events_total} and the keys of the policy:
 * {@code xid_<code>} for XIDs, and one name for each other kind of trouble.
 */
final class Causes {
  static final String GPU_LOST = "gpu_lost";
  static final String ECC_UNCORRECTABLE = "ecc_uncorrectable";
  static final String ROW_REMAP_FAILURE = "row_remap_failure";
  static final String ROW_REMAP_PENDING = "row_remap_pending";
  static final String NEURON_MEM_ECC_UNCORRECTED = "neuron_mem_ecc_uncorrected";
  static final String NEURON_SRAM_ECC_UNCORRECTED = "neuron_sram_ecc_uncorrected";
  static final String NEURON_MEM_ECC_CORRECTED = "neuron_mem_ecc_corrected";
  static final String NEURON_SRAM_ECC_CORRECTED = "neuron_sram_ecc_corrected";

  private Causes() {}

  static String xid(long code) {
    return "xid_" + code;
  }
}
