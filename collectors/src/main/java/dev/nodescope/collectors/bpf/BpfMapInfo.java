package dev.nodescope.collectors.bpf;

/**
 * What the kernel says about a map ({@code struct bpf_map_info}): type ({@code enum bpf_map_type}),
 * sizes, flags and its name (at most 15 characters).
 */
public record BpfMapInfo(
    int type, int id, int keySize, int valueSize, int maxEntries, int flags, String name) {
  public static final int TYPE_HASH = 1;
  public static final int TYPE_ARRAY = 2;
  public static final int TYPE_PERCPU_HASH = 5;
  public static final int TYPE_PERCPU_ARRAY = 6;
  public static final int TYPE_LRU_HASH = 9;
  public static final int TYPE_LRU_PERCPU_HASH = 10;

  /** Whether the kernel keeps one value per possible CPU (and returns them all on a read). */
  public boolean perCpu() {
    return type == TYPE_PERCPU_HASH || type == TYPE_PERCPU_ARRAY || type == TYPE_LRU_PERCPU_HASH;
  }
}
