package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.Btf;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Names of the running kernel's drop reasons, from its BTF ({@code enum skb_drop_reason}), since
 * the numbers change between kernels. A name is the enumerator without its {@code SKB_DROP_REASON_}
 * prefix and in the kernel's own upper case ({@code NETFILTER_DROP}), as the kernel's trace output
 * ({@code reason: NETFILTER_DROP}) and its documentation print it. The normal frees, {@code
 * SKB_NOT_DROPPED_YET} and {@code SKB_CONSUMED}, are not drop reasons: the eBPF program skips them
 * by name, and they are not named here.
 */
final class DropReasons {
  static final String ENUM = "skb_drop_reason";
  static final String PREFIX = "SKB_DROP_REASON_";
  static final Set<String> NORMAL_FREES = Set.of("SKB_NOT_DROPPED_YET", "SKB_CONSUMED");

  private final Map<Long, String> names;

  private DropReasons(Map<Long, String> names) {
    this.names = Map.copyOf(names);
  }

  /**
   * The reasons this BTF file names; empty when it has no drop-reason enum (kernels before 5.17).
   */
  static Optional<DropReasons> of(Path btf) throws IOException {
    Optional<Map<Long, String>> values = Btf.enumValues(btf, ENUM);
    if (values.isEmpty()) {
      return Optional.empty();
    }
    Map<Long, String> names = new HashMap<>();
    values
        .get()
        .forEach(
            (value, enumerator) -> {
              if (!NORMAL_FREES.contains(enumerator)) {
                names.put(
                    value,
                    enumerator.startsWith(PREFIX)
                        ? enumerator.substring(PREFIX.length())
                        : enumerator);
              }
            });
    return Optional.of(new DropReasons(names));
  }

  /**
   * The name of a reason number. A number the enum does not list (a subsystem's own reason, such as
   * mac80211's, whose high 16 bits name the subsystem) keeps its number: {@code UNKNOWN_0x10001}.
   */
  String name(long value) {
    String name = names.get(value);
    return name != null ? name : "UNKNOWN_0x" + Long.toHexString(value);
  }

  int size() {
    return names.size();
  }
}
