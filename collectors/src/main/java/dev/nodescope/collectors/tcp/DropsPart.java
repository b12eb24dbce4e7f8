package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.bpf.BpfException;
import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfObject;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Packets the kernel dropped, by the kernel's own drop reason, for the node and for each pod whose
 * network namespace the drop happened in. drops.bpf.o, on the {@code skb:kfree_skb} tracepoint,
 * counts in per-CPU maps; each {@link #collect} reads them in batches and names the reasons from
 * the kernel's BTF. It needs the tracepoint's {@code reason} (kernel 5.17+); without it the part is
 * unavailable with that reason and the other parts carry on.
 */
final class DropsPart implements TcpPart {
  static final String NAME = "drops";
  static final String OBJECT = "drops.bpf.o";
  static final String PROGRAM = "nodescope_drops";
  static final String BY_REASON = "drops_by_reason";
  static final String BY_NETNS = "drops_by_netns";
  static final String UNCOUNTED = "drops_uncounted";

  /** struct drop_key: u32 reason, u32 network namespace inode. */
  private static final int DROP_KEY_BYTES = 8;

  /**
   * The pods on this node by the inode of their own network namespace (hostNetwork pods have none).
   */
  @FunctionalInterface
  interface PodsByNetNamespace {
    Map<Long, PodInfo> read() throws IOException;
  }

  private static final Comparator<List<String>> LABEL_ORDER =
      (a, b) -> String.join("\0", a).compareTo(String.join("\0", b));

  private final BpfObject object;
  private final DropReasons reasons;
  private final PodsByNetNamespace pods;
  private final BpfMap byReason;
  private final BpfMap byNetNamespace;
  private final BpfMap uncounted;

  private DropsPart(
      BpfObject object,
      DropReasons reasons,
      PodsByNetNamespace pods,
      BpfMap byReason,
      BpfMap byNetNamespace,
      BpfMap uncounted) {
    this.object = object;
    this.reasons = reasons;
    this.pods = pods;
    this.byReason = byReason;
    this.byNetNamespace = byNetNamespace;
    this.uncounted = uncounted;
  }

  /**
   * Loads drops.bpf.o and attaches its program to skb:kfree_skb.
   *
   * @throws SourceUnavailableException when the kernel's BTF has no drop reasons (before 5.17) or
   *     the kernel refuses the program (no CAP_BPF and CAP_PERFMON)
   */
  static DropsPart load(byte[] elf, Path kernelBtf, PodsByNetNamespace pods)
      throws SourceUnavailableException, IOException {
    Optional<DropReasons> reasons = DropReasons.of(kernelBtf);
    if (reasons.isEmpty()) {
      throw new SourceUnavailableException(
          "the kernel has no drop reasons (no enum "
              + DropReasons.ENUM
              + " in "
              + kernelBtf
              + "; skb:kfree_skb carries a reason from kernel 5.17)");
    }
    BpfObject object;
    try {
      object = BpfObject.load(NAME, elf, kernelBtf, Map.of());
    } catch (BpfException e) {
      throw TcpPart.unavailable(e);
    }
    List<BpfMap> maps = new ArrayList<>();
    try {
      object.attach(PROGRAM, "tp_btf", "skb:kfree_skb");
      for (String map : List.of(BY_REASON, BY_NETNS, UNCOUNTED)) {
        maps.add(object.map(map));
      }
    } catch (BpfException e) {
      maps.forEach(BpfMap::close);
      object.close();
      throw TcpPart.unavailable(e);
    }
    return new DropsPart(object, reasons.get(), pods, maps.get(0), maps.get(1), maps.get(2));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void collect(SnapshotBuilder out) throws IOException {
    Map<String, Long> node = new TreeMap<>();
    long reasonEntries =
        byReason.forEachSummedOverCpus(
            (keys, at, sum) -> node.merge(reason(keys.getInt(at)), sum, Long::sum));
    node.forEach((reason, count) -> out.add(TcpMetrics.PACKET_DROPS, count, reason));

    Map<Long, PodInfo> podsByNetNamespace = pods.read();
    Map<List<String>, Long> perPod = new TreeMap<>(LABEL_ORDER);
    List<byte[]> notPods = new ArrayList<>();
    long netnsEntries =
        byNetNamespace.forEachSummedOverCpus(
            (keys, at, sum) -> {
              PodInfo pod = podsByNetNamespace.get(Integer.toUnsignedLong(keys.getInt(at + 4)));
              if (pod != null) {
                perPod.merge(
                    List.of(pod.namespace(), pod.name(), reason(keys.getInt(at))), sum, Long::sum);
              } else {
                byte[] key = new byte[DROP_KEY_BYTES];
                keys.get(at, key);
                notPods.add(key);
              }
            });
    perPod.forEach((labels, count) -> out.add(TcpMetrics.POD_PACKET_DROPS, count, labels));
    // The kernel reuses a freed namespace's inode number: counts of a namespace that is no pod's
    // (the host's, or a pod's that has gone) must not reach the next pod to get that number.
    byNetNamespace.deleteAll(notPods);

    out.add(TcpMetrics.MAP_ENTRIES, reasonEntries, BY_REASON);
    out.add(TcpMetrics.MAP_ENTRIES, netnsEntries, BY_NETNS);
    out.add(TcpMetrics.MAP_CAPACITY, byReason.info().maxEntries(), BY_REASON);
    out.add(TcpMetrics.MAP_CAPACITY, byNetNamespace.info().maxEntries(), BY_NETNS);
    byte[] count = new byte[Long.BYTES];
    long uncountedDrops =
        uncounted.lookup(new byte[Integer.BYTES], count)
            ? ByteBuffer.wrap(count).order(ByteOrder.nativeOrder()).getLong()
            : 0;
    out.add(TcpMetrics.INSERT_FAILURES, uncountedDrops, BY_REASON);
    TcpPart.exportPrograms(out, NAME, object);
  }

  private String reason(int value) {
    return reasons.name(Integer.toUnsignedLong(value));
  }

  @Override
  public void close() {
    byReason.close();
    byNetNamespace.close();
    uncounted.close();
    object.close();
  }
}
