package dev.nodescope.collectors.host;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One interface's line of {@code /proc/net/dev}. Shared by the node collector (the host's
 * interfaces) and the pods collector (the interfaces of each pod's network namespace, read through
 * {@code /proc/<pid>/net/dev}).
 */
public record NetDevStats(
    String device,
    long receiveBytes,
    long receivePackets,
    long receiveErrors,
    long receiveDrops,
    long transmitBytes,
    long transmitPackets,
    long transmitErrors,
    long transmitDrops) {

  /**
   * Receive has 8 columns (bytes packets errs drop fifo frame compressed multicast), then transmit.
   */
  private static final int TRANSMIT_OFFSET = 8;

  private static final int COLUMNS = 16;

  /**
   * Decodes the whole file. A line that is not {@code name: 16 counters} is reported to {@code
   * malformed} and skipped, so one bad line never hides the other interfaces.
   */
  public static List<NetDevStats> parse(String text, Consumer<String> malformed) {
    List<NetDevStats> result = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (line.isBlank() || line.contains("|")) {
        continue; // the two header lines
      }
      int colon = line.indexOf(':');
      String[] fields =
          colon < 0 ? new String[0] : line.substring(colon + 1).trim().split("\\s+", -1);
      String device = colon < 0 ? "" : line.substring(0, colon).trim();
      if (device.isEmpty() || fields.length < COLUMNS) {
        malformed.accept("malformed /proc/net/dev line: " + line.trim());
        continue;
      }
      try {
        result.add(
            new NetDevStats(
                device,
                counter(fields[0]),
                counter(fields[1]),
                counter(fields[2]),
                counter(fields[3]),
                counter(fields[TRANSMIT_OFFSET]),
                counter(fields[TRANSMIT_OFFSET + 1]),
                counter(fields[TRANSMIT_OFFSET + 2]),
                counter(fields[TRANSMIT_OFFSET + 3])));
      } catch (NumberFormatException e) {
        malformed.accept("malformed /proc/net/dev counters for " + device + ": " + line.trim());
      }
    }
    return result;
  }

  /**
   * The kernel prints these as unsigned 64-bit; a negative result would be an overflowed u64 beyond
   * 2^63.
   */
  private static long counter(String field) {
    long value = Long.parseUnsignedLong(field);
    if (value < 0) {
      throw new NumberFormatException("counter beyond 2^63: " + field);
    }
    return value;
  }
}
