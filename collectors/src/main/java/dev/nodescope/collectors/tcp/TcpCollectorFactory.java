package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.attribution.Attribution;
import dev.nodescope.collectors.attribution.SeriesAdmission;
import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.CgroupV2;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.pods.PodNetworkNamespaces;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP health per pod pair from the collector's own eBPF programs, loaded through libbpf, attributed
 * and capped as the flows collector's series are ({@code --collector.flows.max-series} counts
 * both). Each part loads on its own; the collector is unavailable only when none can, with the
 * reasons.
 */
public final class TcpCollectorFactory extends CollectorFactory {
  private static final Logger LOG = LoggerFactory.getLogger(TcpCollectorFactory.class);
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "tcp",
          Duration.ofSeconds(10),
          "TCP health per pod pair (RTT, connect time, retransmits, timeouts, failed connects, resets) and kernel packet drops by reason, from eBPF.");
  private static final Pattern MEM_TOTAL = Pattern.compile("MemTotal:\\s+(\\d+) kB");

  static final Flag<String> CGROUP =
      Flag.string(
          "collector.tcp.cgroup",
          "",
          "cgroup v2 directory to attach the sock_ops program to; empty finds the host's "
              + "(/sys/fs/cgroup when it is cgroup2, else /sys/fs/cgroup/unified).");

  /**
   * The most rows: the agent keeps each row's bytes from the last read and reads into a second
   * table, each with room for an eighth more rows and a slot array at most 3/4 full, about 385
   * bytes of heap a row (25 MB at this size, within the 128 MB heap).
   */
  static final int MAX_ROWS = 65536;

  static final Flag<Integer> MAX_SOCKETS =
      Flag.integer(
              "collector.tcp.max-sockets",
              0,
              "Sockets the eBPF map holds a row for (one row per socket), at most "
                  + MAX_ROWS
                  + "; 0 sizes it from the node's memory (MemTotal / 4 MiB, between 16384 and "
                  + MAX_ROWS
                  + ").")
          .requiring(rows -> rows >= 0 && rows <= MAX_ROWS, "must be between 0 and " + MAX_ROWS);

  public TcpCollectorFactory() {
    super(INFO, TcpMetrics.all());
  }

  @Override
  public boolean needsClusterDirectory() {
    return true;
  }

  @Override
  public List<Flag<?>> flags() {
    return List.of(CGROUP, MAX_SOCKETS);
  }

  @Override
  public Collector create(CollectorContext context) throws Exception {
    Path btf = context.paths().sys("kernel/btf/vmlinux");
    if (!Files.isReadable(btf)) {
      throw new SourceUnavailableException(
          "no BTF: " + btf + " is missing (the kernel needs CONFIG_DEBUG_INFO_BTF)");
    }
    Map<String, TcpPart.Loader> loaders = new LinkedHashMap<>();
    loaders.put(SockOpsPart.NAME, () -> sockOps(context, btf));
    loaders.put(
        DropsPart.NAME,
        () -> DropsPart.load(resource(DropsPart.OBJECT), btf, podsByNetNamespace(context)));
    List<TcpPart> parts = new ArrayList<>();
    Map<String, Boolean> available = new LinkedHashMap<>();
    List<String> reasons = new ArrayList<>();
    for (Map.Entry<String, TcpPart.Loader> loader : loaders.entrySet()) {
      try {
        parts.add(loader.getValue().load());
        available.put(loader.getKey(), true);
      } catch (SourceUnavailableException | IOException e) {
        // IOException: a kernel BTF file the part cannot parse
        available.put(loader.getKey(), false);
        reasons.add(loader.getKey() + ": " + e.getMessage());
      }
    }
    if (parts.isEmpty()) {
      throw new SourceUnavailableException(String.join("; ", reasons));
    }
    reasons.forEach(reason -> LOG.warn("tcp collector part unavailable: {}", reason));
    return new TcpCollector(parts, available);
  }

  private static TcpPart sockOps(CollectorContext context, Path btf) throws Exception {
    String override = context.flags().get(CGROUP);
    Path cgroup = CgroupV2.root(context.paths(), override.isEmpty() ? null : Path.of(override));
    int rows = context.flags().get(MAX_SOCKETS);
    if (rows == 0) {
      rows = rowsForMemory(context);
    }
    try {
      return new SockOpsPart(
          resource(SockOpsPart.OBJECT),
          btf,
          cgroup,
          rows,
          new Attribution(context.nodeName()),
          context.pods(),
          context.cluster(),
          SeriesAdmission.of(context));
    } catch (BpfException e) {
      throw TcpPart.unavailable(e);
    }
  }

  /**
   * The pods of this node by network namespace, from the kubelet's cgroups joined with the pod
   * metadata; none where there is no cgroup hierarchy to find them in (drops then count for the
   * node only).
   */
  private static DropsPart.PodsByNetNamespace podsByNetNamespace(CollectorContext context) {
    PodNetworkNamespaces namespaces;
    try {
      namespaces = PodNetworkNamespaces.open(context.paths());
    } catch (SourceUnavailableException e) {
      LOG.warn("tcp collector: drops count for the node only: {}", e.getMessage());
      return Map::of;
    }
    return () -> {
      Map<Long, PodInfo> pods = new HashMap<>();
      namespaces
          .podUidsByInode()
          .forEach(
              (inode, uid) -> context.pods().byUid(uid).ifPresent(pod -> pods.put(inode, pod)));
      return pods;
    };
  }

  /** One row per 4 MiB of memory, between 16384 and {@link #MAX_ROWS}. */
  static int rowsForMemory(CollectorContext context) throws IOException {
    Matcher matcher = MEM_TOTAL.matcher(Files.readString(context.paths().proc("meminfo")));
    long kib = matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    return (int) Math.max(16384, Math.min(MAX_ROWS, kib / 4096));
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = TcpCollectorFactory.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return in.readAllBytes();
    }
  }
}
