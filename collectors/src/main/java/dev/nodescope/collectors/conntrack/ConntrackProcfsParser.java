package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.netlink.Addresses;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure parser of the kernel's text tables: /proc/net/nf_conntrack (one connection per line, as
 * ct_seq_show writes it) and /proc/net/stat/nf_conntrack (a header, then one line of hex counters
 * per CPU). A line it cannot read is skipped (null), never thrown about. The text has no conntrack
 * id, so entries are identified by their original tuple and zone, which is what makes a connection
 * unique in the table.
 */
final class ConntrackProcfsParser {
  /** TCP states in the order of enum tcp_conntrack, as the kernel names them in the table. */
  private static final List<String> TCP_STATES =
      List.of(
          "NONE",
          "SYN_SENT",
          "SYN_RECV",
          "ESTABLISHED",
          "FIN_WAIT",
          "CLOSE_WAIT",
          "LAST_ACK",
          "TIME_WAIT",
          "CLOSE",
          "SYN_SENT2");

  private static final long IPS_SEEN_REPLY = 1 << 1;
  private static final long IPS_ASSURED = 1 << 2;

  private ConntrackProcfsParser() {}

  /** One line of /proc/net/nf_conntrack, or null when it is not one. */
  static ConntrackEntry parseLine(String line) {
    String[] t = line.trim().split("\\s+", -1);
    if (t.length < 6) {
      return null;
    }
    int family;
    int protocol;
    try {
      family = Integer.parseInt(t[1]);
      protocol = Integer.parseInt(t[3]);
    } catch (NumberFormatException e) {
      return null;
    }
    int addressBytes = family == Addresses.AF_INET ? 4 : family == Addresses.AF_INET6 ? 16 : 0;
    if (addressBytes == 0) {
      return null;
    }
    // Two tuples, each "src= dst= [sport= dport=] [packets= bytes=]"; the second src= starts the
    // reply tuple.
    byte[][] src = new byte[2][];
    byte[][] dst = new byte[2][];
    int[][] ports = new int[2][2];
    long[][] counters = {{-1, -1}, {-1, -1}};
    long status = IPS_SEEN_REPLY;
    int tcpState = -1;
    int zone = 0;
    long mark = 0;
    int tuple = -1;
    for (int i = 5; i < t.length; i++) {
      String token = t[i];
      int equals = token.indexOf('=');
      if (equals < 0) {
        if (token.equals("[UNREPLIED]")) {
          status &= ~IPS_SEEN_REPLY;
        } else if (token.equals("[ASSURED]")) {
          status |= IPS_ASSURED;
        } else if (protocol == 6 && tuple < 0) {
          tcpState = TCP_STATES.indexOf(token);
        }
        continue;
      }
      String key = token.substring(0, equals);
      String value = token.substring(equals + 1);
      if (key.equals("src")) {
        if (++tuple > 1) {
          return null;
        }
        src[tuple] = address(value, addressBytes);
        continue;
      }
      if (tuple < 0) {
        return null;
      }
      Long number = key.equals("dst") ? null : unsigned(value);
      switch (key) {
        case "dst" -> dst[tuple] = address(value, addressBytes);
        case "sport" -> ports[tuple][0] = port(number);
        case "dport" -> ports[tuple][1] = port(number);
        case "packets" -> counters[tuple][0] = number == null ? -1 : number;
        case "bytes" -> counters[tuple][1] = number == null ? -1 : number;
        case "mark" -> mark = number == null ? 0 : number;
        case "zone" -> zone = number == null ? 0 : (int) (number & 0xffff);
        default -> {} // type/code/id of ICMP, keys of GRE, use=, delta-time=, secctx=: not needed
      }
    }
    if (tuple != 1 || src[0] == null || dst[0] == null || src[1] == null || dst[1] == null) {
      return null;
    }
    ConntrackTuple original =
        new ConntrackTuple(src[0], dst[0], protocol, ports[0][0], ports[0][1]);
    ConntrackTuple reply = new ConntrackTuple(src[1], dst[1], protocol, ports[1][0], ports[1][1]);
    return new ConntrackEntry(
        ConntrackEntry.Event.DUMP,
        family,
        original,
        reply,
        counters[0][0],
        counters[0][1],
        counters[1][0],
        counters[1][1],
        status,
        tcpState,
        zone,
        mark,
        identity(original, zone));
  }

  /**
   * The per-CPU lines of /proc/net/stat/nf_conntrack, by the names in its header; malformed lines
   * are skipped.
   */
  static List<ConntrackCpuStats> parseStats(String text) {
    String[] lines = text.split("\n", -1);
    List<ConntrackCpuStats> out = new ArrayList<>();
    if (lines.length < 2) {
      return out;
    }
    String[] header = lines[0].trim().split("\\s+", -1);
    for (int cpu = 0; cpu + 1 < lines.length; cpu++) {
      String[] values = lines[cpu + 1].trim().split("\\s+", -1);
      if (values.length != header.length) {
        continue;
      }
      Map<String, Long> byName = new HashMap<>();
      try {
        for (int i = 0; i < header.length; i++) {
          byName.put(header[i], Long.parseUnsignedLong(values[i], 16));
        }
      } catch (NumberFormatException e) {
        continue;
      }
      out.add(
          new ConntrackCpuStats(
              cpu,
              byName.getOrDefault("found", 0L),
              byName.getOrDefault("invalid", 0L),
              byName.getOrDefault("insert", 0L),
              byName.getOrDefault("insert_failed", 0L),
              byName.getOrDefault("drop", 0L),
              byName.getOrDefault("early_drop", 0L),
              byName.getOrDefault("search_restart", 0L)));
    }
    return out;
  }

  /**
   * 64-bit FNV-1a of the original tuple and zone: stable across reads, so counters carry forward
   * per connection.
   */
  private static long identity(ConntrackTuple t, int zone) {
    long h = 0xcbf29ce484222325L;
    for (byte[] part : new byte[][] {t.source(), t.destination()}) {
      for (byte b : part) {
        h = (h ^ (b & 0xff)) * 0x100000001b3L;
      }
    }
    for (int v : new int[] {t.protocol(), t.sourcePort(), t.destinationPort(), zone}) {
      h = (h ^ v) * 0x100000001b3L;
    }
    return h;
  }

  /**
   * A dotted quad, or the kernel's %pI6 form (eight groups of four hex digits); null otherwise. No
   * DNS, ever.
   */
  private static byte[] address(String text, int size) {
    String[] parts = text.split(size == 4 ? "\\." : ":", -1);
    if (parts.length != (size == 4 ? 4 : 8)) {
      return null;
    }
    byte[] out = new byte[size];
    try {
      for (int i = 0; i < parts.length; i++) {
        if (size == 4) {
          int v = Integer.parseInt(parts[i]);
          if (v < 0 || v > 255 || parts[i].length() > 3) {
            return null;
          }
          out[i] = (byte) v;
        } else {
          if (parts[i].isEmpty() || parts[i].length() > 4) {
            return null;
          }
          int v = Integer.parseInt(parts[i], 16);
          if (v < 0) {
            return null;
          }
          out[2 * i] = (byte) (v >> 8);
          out[2 * i + 1] = (byte) v;
        }
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return out;
  }

  private static Long unsigned(String text) {
    try {
      long v = Long.parseLong(text);
      return v < 0 ? null : v;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int port(Long number) {
    return number == null || number > 65535 ? 0 : number.intValue();
  }
}
