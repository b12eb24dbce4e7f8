package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.netlink.NetlinkException;
import dev.nodescope.collectors.netlink.NetlinkSocket;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Dumps the conntrack table and per-CPU statistics over ctnetlink. Every dump is bounded by a
 * deadline and by the number of datagrams, so a kernel that never sends NLMSG_DONE cannot hold a
 * collection forever.
 */
public final class ConntrackClient implements AutoCloseable {
  /**
   * Large enough for the kernel's dump batches (it fills up to 32 KiB, or a page, per datagram).
   */
  public static final int DATAGRAM_BYTES = 64 * 1024;

  private static final int MAX_DATAGRAMS_PER_DUMP = 1_000_000;

  private final NetlinkSocket socket;
  private final byte[] buf = new byte[DATAGRAM_BYTES];
  private final ConntrackCursor cursor = new ConntrackCursor();
  private int sequence = 1;
  private long malformed;

  public ConntrackClient(NetlinkSocket socket) {
    this.socket = socket;
  }

  public static ConntrackClient open() throws IOException {
    return new ConntrackClient(NetlinkSocket.open(4 * 1024 * 1024, 1000));
  }

  /**
   * Streams every entry of one family's table (of every family's with {@code AF_UNSPEC}) to the
   * sink, each read in place from the receive buffer: the sink must not keep what it is given past
   * its call ({@link ConntrackView#toEntry} makes a copy). A netlink error (EPERM, say) is a
   * NetlinkException.
   */
  public void dump(int family, long timeoutMillis, Consumer<ConntrackView> sink)
      throws IOException {
    run(
        CtnetlinkCodec.dumpRequest(family, sequence++),
        timeoutMillis,
        (received, length) -> CtnetlinkCodec.decode(received, length, cursor, sink));
  }

  public List<ConntrackCpuStats> cpuStats(long timeoutMillis) throws IOException {
    List<ConntrackCpuStats> out = new ArrayList<>();
    run(
        CtnetlinkCodec.cpuStatsRequest(sequence++),
        timeoutMillis,
        (received, length) -> {
          CtnetlinkCodec.Decoded d = CtnetlinkCodec.decode(received, length);
          out.addAll(d.cpuStats());
          return d;
        });
    return out;
  }

  /** Messages the codec had to skip so far. */
  public long malformed() {
    return malformed;
  }

  /** Decodes one datagram, handing what it holds on. */
  private interface Handler {
    CtnetlinkCodec.Decoded decode(byte[] received, int length);
  }

  private void run(byte[] request, long timeoutMillis, Handler handler) throws IOException {
    socket.send(request);
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    for (int i = 0; i < MAX_DATAGRAMS_PER_DUMP; i++) {
      if (System.nanoTime() > deadline) {
        throw new IOException("conntrack dump timed out after " + timeoutMillis + " ms");
      }
      int n = socket.receive(buf);
      if (n < 0) {
        throw new IOException("conntrack dump overran the socket buffer (ENOBUFS)");
      }
      if (n == 0) {
        continue;
      }
      CtnetlinkCodec.Decoded d = handler.decode(buf, n);
      malformed += d.malformed();
      if (d.errno() != 0) {
        throw new NetlinkException("conntrack netlink error", d.errno());
      }
      if (d.done()) {
        return;
      }
    }
    throw new IOException("conntrack dump exceeded " + MAX_DATAGRAMS_PER_DUMP + " datagrams");
  }

  @Override
  public void close() {
    socket.close();
  }
}
