package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfMapInfo;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * What one read of the per-socket rows costs the collecting thread: bytes allocated and CPU time of
 * {@link SocketTable#read} over a real BPF hash map laid out as tcp_rows, filled with one row per
 * socket as the program writes them. Two shapes: every row as at the read before, and one row in
 * ten with a new RTT sample since. Prints the medians of each shape's timed rounds, after warm-up
 * rounds. Run as root.
 *
 * <p>Arguments: rows (default 10,000), timed rounds (default 30).
 */
public final class SocketTableReadBench {
  private static final int WARMUP = 20;

  private SocketTableReadBench() {}

  public static void main(String[] args) throws Exception {
    int sockets = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    com.sun.management.ThreadMXBean thread =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (BpfMap map =
        BpfMap.create(
            BpfMapInfo.TYPE_HASH,
            "ns_sockbench",
            Long.BYTES,
            TcpMapLayout.ROW_SIZE,
            Math.max(16_384, 2 * sockets),
            0)) {
      byte[][] rows = new byte[sockets][];
      for (int i = 0; i < sockets; i++) {
        rows[i] = row(i);
        map.update(key(i), rows[i], 0);
      }
      SocketTable table = new SocketTable(map, visitor -> 0);
      for (int moveEvery : new int[] {0, 10}) {
        long[] allocated = new long[rounds];
        long[] cpuNanos = new long[rounds];
        for (int round = 0; round < WARMUP + rounds; round++) {
          if (moveEvery > 0) {
            for (int i = 0; i < sockets; i += moveEvery) {
              ByteBuffer row = ByteBuffer.wrap(rows[i]).order(ByteOrder.nativeOrder());
              row.putInt(72, row.getInt(72) + 1).putLong(48, row.getLong(48) + 40);
              map.update(key(i), rows[i], 0);
            }
          }
          long allocatedBefore = thread.getCurrentThreadAllocatedBytes();
          long cpuBefore = thread.getCurrentThreadCpuTime();
          int[] changes = {0};
          table.read(change -> changes[0]++);
          long cpu = thread.getCurrentThreadCpuTime() - cpuBefore;
          long bytes = thread.getCurrentThreadAllocatedBytes() - allocatedBefore;
          int expected = moveEvery == 0 ? 0 : (sockets + moveEvery - 1) / moveEvery;
          if (round > 0 && changes[0] != expected) {
            throw new IllegalStateException(changes[0] + " changes, expected " + expected);
          }
          if (round >= WARMUP) {
            allocated[round - WARMUP] = bytes;
            cpuNanos[round - WARMUP] = cpu;
          }
        }
        long bytesPerRead = median(allocated);
        System.out.printf(
            "rows=%d moved=%s bytes/read=%d bytes/row=%.1f cpu_us/read=%d%n",
            sockets,
            moveEvery == 0 ? "none" : "1/" + moveEvery,
            bytesPerRead,
            (double) bytesPerRead / sockets,
            median(cpuNanos) / 1_000);
      }
    }
  }

  private static byte[] key(int i) {
    return ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder()).putLong(1 + i).array();
  }

  /** An established IPv4 socket of a client pod: its ends, one RTT sample, its connect time. */
  private static byte[] row(int i) {
    ByteBuffer row = ByteBuffer.allocate(TcpMapLayout.ROW_SIZE).order(ByteOrder.nativeOrder());
    row.put(0, new byte[] {10, 0, (byte) (i >> 8), (byte) i});
    row.put(16, new byte[] {10, 1, 0, 1});
    row.putShort(32, (short) (20_000 + i % 40_000)).putShort(34, (short) 80);
    row.putShort(36, (short) TcpMapLayout.AF_INET).put(38, (byte) TcpMapLayout.ROLE_CLIENT);
    row.putLong(48, 120).putInt(56, 1).putInt(64, 900).putInt(72, 1);
    return row.array();
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
