package dev.nodescope.collectors.hostnet;

import dev.nodescope.collectors.netlink.LocalSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The text tables /proc/net/tcp, tcp6, udp and udp6, for kernels that refuse sock_diag. Addresses
 * are printed as 32-bit words in the host's byte order ({@code 0100007F:1F90} is 127.0.0.1:8080 on
 * x86); a malformed line is counted and skipped.
 */
final class ProcNetSockets {
  record Parsed(List<LocalSocket> sockets, int malformed) {}

  private ProcNetSockets() {}

  static Parsed parse(String text, int protocol) {
    List<LocalSocket> sockets = new ArrayList<>();
    int malformed = 0;
    String[] lines = text.split("\n", -1);
    for (int i = 1; i < lines.length; i++) { // the first line is the header
      String line = lines[i].trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\\s+", -1);
      try {
        if (fields.length < 10) {
          throw new IllegalArgumentException("short line");
        }
        String[] local = fields[1].split(":", -1);
        String[] remote = fields[2].split(":", -1);
        sockets.add(
            new LocalSocket(
                protocol,
                LocalSocket.address(words(local[0])),
                Integer.parseInt(local[1], 16),
                LocalSocket.address(words(remote[0])),
                Integer.parseInt(remote[1], 16),
                Long.parseLong(fields[9])));
      } catch (RuntimeException e) {
        malformed++;
      }
    }
    return new Parsed(sockets, malformed);
  }

  private static byte[] words(String hex) {
    if (hex.length() != 8 && hex.length() != 32) {
      throw new IllegalArgumentException("address " + hex);
    }
    ByteBuffer b = ByteBuffer.allocate(hex.length() / 2).order(ByteOrder.nativeOrder());
    for (int i = 0; i < hex.length(); i += 8) {
      b.putInt(Integer.parseUnsignedInt(hex.substring(i, i + 8), 16));
    }
    return b.array();
  }
}
