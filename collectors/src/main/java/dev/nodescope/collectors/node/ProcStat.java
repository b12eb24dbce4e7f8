package dev.nodescope.collectors.node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The per-CPU lines of {@code /proc/stat}, in clock ticks. Read here rather than through OSHI's
 * CpuStat, which numbers CPUs by position (wrong labels once a CPU is offline) and turns a
 * malformed field into 0 (a counter reset to every rate() downstream).
 */
record ProcStat(List<CpuTimes> cpus) {
  /**
   * The columns node_exporter exposes, in /proc/stat order; guest and guest_nice are already inside
   * user and nice.
   */
  static final List<String> MODES =
      List.of("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal");

  /**
   * USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture, whatever the kernel's
   * internal HZ.
   */
  static final double TICKS_PER_SECOND = 100;

  /**
   * One CPU's ticks by mode, in the order of {@link #MODES}, as many modes as this kernel prints.
   */
  record CpuTimes(String cpu, Map<String, Long> ticksByMode) {
    CpuTimes {
      ticksByMode = Collections.unmodifiableMap(new LinkedHashMap<>(ticksByMode));
    }
  }

  static ProcStat parse(String text, Consumer<String> malformed) {
    List<CpuTimes> cpus = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (!line.startsWith("cpu") || line.length() < 4 || !Character.isDigit(line.charAt(3))) {
        continue; // the aggregate "cpu " line and everything that is not a CPU
      }
      String[] fields = line.trim().split("\\s+", -1);
      int modes = Math.min(fields.length - 1, MODES.size());
      if (modes < 4) {
        malformed.accept("malformed /proc/stat line: " + line);
        continue;
      }
      try {
        Map<String, Long> ticksByMode = new LinkedHashMap<>();
        for (int i = 0; i < modes; i++) {
          long ticks = Long.parseLong(fields[i + 1]);
          if (ticks < 0) {
            throw new NumberFormatException("negative");
          }
          ticksByMode.put(MODES.get(i), ticks);
        }
        cpus.add(new CpuTimes(fields[0].substring(3), ticksByMode));
      } catch (NumberFormatException e) {
        malformed.accept("malformed /proc/stat line: " + line);
      }
    }
    return new ProcStat(cpus);
  }
}
