package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.attribution.Attribution;
import dev.nodescope.collectors.attribution.PodName;
import dev.nodescope.collectors.attribution.PodPeer;
import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfObject;
import dev.nodescope.collectors.bpf.BpfRingBuffer;
import dev.nodescope.collectors.bpf.Libbpf;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * TCP health from tcp_health.bpf.o: the sock_ops program on the host's cgroup v2 root (RTT, connect
 * time, retransmits, timeouts, failed connects) and the two reset tracepoints.
 */
final class SockOpsPart implements TcpPart {
  static final String NAME = "health";
  static final String OBJECT = "tcp_health.bpf.o";
  static final String ROWS = "tcp_rows";
  static final String RESETS = "tcp_resets";
  static final String CLOSED = "tcp_closed";
  static final String ERRORS = "tcp_errors";
  private static final int PROTOCOL_TCP = 6;

  /** Slots of tcp_errors (tcp_health.h TCP_ERR_*) and the map each one is about. */
  private static final Map<Integer, String> INSERT_FAILURE_SLOTS =
      Map.of(0, ROWS, 1, RESETS, 3, CLOSED);

  /** A closed row in tcp_closed: the ring's 8-byte record header, the cookie and the row. */
  static final int CLOSED_RECORD_BYTES = 8 + Long.BYTES + TcpMapLayout.ROW_SIZE;

  private final BpfObject object;
  private final SocketTable sockets;
  private final ResetTable resets;
  private final BpfMap errors;
  private final BpfRingBuffer closed;
  private final List<BpfMap> maps;
  private final Attribution attribution;
  private final PodDirectory pods;
  private final ClusterDirectory cluster;
  private final TcpSeries series;

  SockOpsPart(
      byte[] elf,
      Path kernelBtf,
      Path cgroup,
      int rows,
      Attribution attribution,
      PodDirectory pods,
      ClusterDirectory cluster,
      SeriesAdmission admission)
      throws BpfException {
    int small = Math.max(1024, rows / 4);
    this.object =
        BpfObject.load(
            "nodescope_tcp",
            elf,
            kernelBtf,
            Map.of(
                ROWS,
                rows,
                RESETS,
                small,
                CLOSED,
                closedRingBytes(rows, Libbpf.libc().getpagesize())));
    List<BpfMap> opened = new ArrayList<>();
    BpfRingBuffer ring = null;
    try {
      for (String map : List.of(ROWS, RESETS, ERRORS)) {
        opened.add(object.map(map));
      }
      try (BpfMap closedMap = object.map(CLOSED)) {
        ring = BpfRingBuffer.map(closedMap);
      }
      object.attachCgroup("nodescope_tcp_sockops", "sock_ops", cgroup);
      object.attach("nodescope_tcp_send_reset", "raw_tracepoint", "tcp:tcp_send_reset");
      object.attach("nodescope_tcp_receive_reset", "raw_tracepoint", "tcp:tcp_receive_reset");
    } catch (BpfException e) {
      if (ring != null) {
        ring.close();
      }
      opened.forEach(BpfMap::close);
      object.close();
      throw e;
    }
    this.maps = List.copyOf(opened);
    this.closed = ring;
    this.sockets = new SocketTable(maps.get(0), ring::drain);
    this.resets = new ResetTable(maps.get(1));
    this.errors = maps.get(2);
    this.attribution = attribution;
    this.pods = pods;
    this.cluster = cluster;
    this.series = new TcpSeries(admission);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void collect(SnapshotBuilder out) throws BpfException {
    attribution.startRound(pods, cluster);
    sockets.read(
        change -> peer(change.ends(), change.role()).ifPresent(peer -> series.add(peer, change)));
    for (ResetTable.Change change : resets.read()) {
      // A reset sent without a socket answers a packet to a local port: this end was the server.
      int role =
          sockets.role(
              change.ends(), change.sent() ? TcpMapLayout.ROLE_SERVER : TcpMapLayout.ROLE_UNKNOWN);
      peer(change.ends(), role)
          .ifPresent(peer -> series.addResets(peer, change.sent(), change.resets()));
    }
    series.retainPods(pods.pods().stream().map(PodName::of).collect(Collectors.toSet()));
    series.export(out);
    exportSelf(out);
  }

  /**
   * The pod peer of a socket of a pod of this node. A connection whose role no row recorded (a
   * reset on a socket that got no row) is taken as the client end when its local port is the higher
   * one.
   */
  private Optional<PodPeer> peer(TcpMapLayout.Ends ends, int role) {
    boolean client =
        role == TcpMapLayout.ROLE_UNKNOWN
            ? ends.localPort() > ends.remotePort()
            : role == TcpMapLayout.ROLE_CLIENT;
    return attribution.socket(
        PROTOCOL_TCP,
        ends.local().getAddress(),
        ends.localPort(),
        ends.remote().getAddress(),
        ends.remotePort(),
        client);
  }

  private void exportSelf(SnapshotBuilder out) throws BpfException {
    out.add(TcpMetrics.MAP_ENTRIES, sockets.lastEntries(), ROWS);
    out.add(TcpMetrics.MAP_ENTRIES, resets.lastEntries(), RESETS);
    for (BpfMap map : maps.subList(0, 2)) {
      out.add(TcpMetrics.MAP_CAPACITY, map.info().maxEntries(), map.info().name());
    }
    byte[] value = new byte[8];
    for (Map.Entry<Integer, String> slot : INSERT_FAILURE_SLOTS.entrySet()) {
      byte[] key =
          ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(slot.getKey()).array();
      long failures =
          errors.lookup(key, value)
              ? ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong()
              : 0;
      out.add(TcpMetrics.INSERT_FAILURES, failures, slot.getValue());
    }
    TcpPart.exportPrograms(out, NAME, object);
  }

  /**
   * Bytes of tcp_closed: room for as many closed rows as tcp_rows has rows, as a power of two (a
   * ring buffer's size is a power of two of pages).
   */
  static int closedRingBytes(int rows, int pageSize) {
    return Integer.highestOneBit(Math.max(pageSize, rows * CLOSED_RECORD_BYTES) - 1) << 1;
  }

  @Override
  public void close() {
    closed.close();
    maps.forEach(BpfMap::close);
    object.close();
  }
}
