package dev.nodescope.bench;

import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfMapInfo;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.FlagValues;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.flows.FlowsCollectorFactory;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The flows collector reading Cilium's TCP conntrack map ({@code cilium_ct4_global}, an LRU hash of
 * Cilium's default 524,288 entries holding {@code entries} connections, pre-1.16 layout, counters
 * on) and aggregating it, side by side with {@code bpftool map dump pinned MAP > /dev/null} on the
 * same map in the same run, rounds interleaved. Run by bench/cilium-ct-vs-bpftool.sh, which mounts
 * the BPF filesystem the map is pinned in.
 *
 * <p>Usage: {@code CiliumConntrackBenchmark BPFFS_DIRECTORY ENTRIES ROUNDS}
 */
public final class CiliumConntrackBenchmark {
  private static final int CILIUM_TCP_MAX = 524_288;
  private static final int CLIENTS = 16;

  private CiliumConntrackBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    int entries = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    Path pin = directory.resolve("cilium_ct4_global");
    try (BpfMap map =
        BpfMap.create(BpfMapInfo.TYPE_LRU_HASH, "cilium_ct4_global", 14, 56, CILIUM_TCP_MAX, 0)) {
      map.pin(pin);
      long filled = System.nanoTime();
      fill(map, entries);
      long count = map.forEach((k, ko, v, vo) -> {});
      System.out.printf(
          Locale.ROOT,
          "map: %d entries after %.1f s of filling%n",
          count,
          (System.nanoTime() - filled) / 1e9);
      if (count < entries) {
        throw new IllegalStateException("map holds " + count + " entries, wanted " + entries);
      }
      run(directory, pin, count, rounds);
    }
  }

  /**
   * TCP connections from {@value #CLIENTS} client pods (192.0.2.10 onwards), many source ports
   * each, to one server pod on port 8080: OUT entries as Cilium writes them at the clients' egress.
   * Bounded by entries.
   */
  private static void fill(BpfMap map, int entries) throws Exception {
    ByteBuffer key = ByteBuffer.allocate(14).order(ByteOrder.BIG_ENDIAN);
    ByteBuffer value = ByteBuffer.allocate(56).order(ByteOrder.nativeOrder());
    for (int i = 0; i < entries; i++) {
      key.clear();
      key.put(new byte[] {(byte) 192, 0, 2, (byte) (10 + i % CLIENTS)}); // daddr: the client
      key.put(new byte[] {(byte) 192, 0, 2, 20}); // saddr: the server
      key.putShort((short) 8080).putShort((short) (1024 + i / CLIENTS)).put((byte) 6).put((byte) 0);
      value.putLong(0, 3).putLong(8, 1500).putLong(16, 5).putLong(24, 700).putInt(32, 1_000_000);
      map.update(key.array(), value.array(), 0);
    }
  }

  private static void run(Path directory, Path pin, long count, int rounds) throws Exception {
    Collector collector = new FlowsCollectorFactory().create(context(directory));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    List<Double> agentMs = new ArrayList<>();
    List<Double> agentCpuMs = new ArrayList<>();
    List<Double> peerMs = new ArrayList<>();
    List<Double> peerCpuMs = new ArrayList<>();
    List<Double> allocatedPerEntry = new ArrayList<>();
    int warmup = 5;
    for (int round = 0; round < warmup + rounds; round++) {
      long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
      long cpuBefore = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      collector.collect(new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors()));
      long elapsed = System.nanoTime() - start;
      long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
      long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
      double[] peer = bpftool(pin);
      if (round >= warmup) {
        agentMs.add(elapsed / 1e6);
        agentCpuMs.add(cpu / 1e6);
        allocatedPerEntry.add((double) allocated / count);
        peerMs.add(peer[0]);
        peerCpuMs.add(peer[1]);
      }
    }
    collector.close();
    System.out.printf(
        Locale.ROOT,
        "%n| measure (%d entries, %d rounds after %d warm-up) | agent | bpftool map dump | "
            + "ratio |%n|---|---|---|---|%n",
        count,
        rounds,
        warmup);
    ConntrackDumpBenchmark.row(
        "wall per collection, median (ms)",
        ConntrackDumpBenchmark.median(agentMs),
        ConntrackDumpBenchmark.median(peerMs));
    ConntrackDumpBenchmark.row(
        "CPU per collection, median (ms; agent: collecting thread, bpftool: user+sys)",
        ConntrackDumpBenchmark.median(agentCpuMs),
        ConntrackDumpBenchmark.median(peerCpuMs));
    ConntrackDumpBenchmark.row(
        "wall per collection, min (ms)",
        agentMs.stream().mapToDouble(d -> d).min().orElseThrow(),
        peerMs.stream().mapToDouble(d -> d).min().orElseThrow());
    ConntrackDumpBenchmark.row(
        "wall per collection, max (ms)",
        agentMs.stream().mapToDouble(d -> d).max().orElseThrow(),
        peerMs.stream().mapToDouble(d -> d).max().orElseThrow());
    System.out.printf(
        Locale.ROOT,
        "| bytes allocated per entry per collection, median | %.0f | | |%n",
        ConntrackDumpBenchmark.median(allocatedPerEntry));
  }

  /** {wall ms, user+sys CPU ms} of one `bpftool map dump pinned PIN > /dev/null`. */
  private static double[] bpftool(Path pin) throws Exception {
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "TIMEFORMAT='%3U %3S'; time (bpftool map dump pinned " + pin + " > /dev/null 2>&1)")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long start = System.nanoTime();
    String times = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("bpftool map dump failed: " + times);
    }
    double wall = (System.nanoTime() - start) / 1e6;
    String[] userSys = times.split("\\s+", -1);
    return new double[] {
      wall, (Double.parseDouble(userSys[0]) + Double.parseDouble(userSys[1])) * 1000
    };
  }

  /** The client pods and the server pod known; Cilium's maps in the directory, 1.15. */
  private static CollectorContext context(Path directory) {
    List<PodInfo> pods = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      String ip = "192.0.2." + (10 + i);
      pods.add(
          new PodInfo(
              "bench",
              "client-" + i,
              "uid-" + i,
              List.of(ip),
              "Deployment",
              "client",
              false,
              "node",
              List.of()));
    }
    pods.add(
        new PodInfo(
            "bench",
            "server",
            "uid-s",
            List.of("192.0.2.20"),
            "Deployment",
            "server",
            false,
            "node",
            List.of()));
    PodDirectory directoryOfPods = () -> pods;
    FlagValues flags =
        new FlagValues() {
          @Override
          @SuppressWarnings("unchecked")
          public <T> T get(Flag<T> flag) {
            return switch (flag.name()) {
              case "collector.flows.cilium-bpf-path" -> (T) directory;
              case "collector.flows.cilium-version" -> (T) "1.15";
              default -> flag.defaultValue();
            };
          }
        };
    return new CollectorContext(
        RootPaths.host(),
        "node",
        flags,
        directoryOfPods,
        ClusterDirectory.EMPTY,
        PodResources.NONE,
        Clock.systemUTC());
  }
}
