package dev.nodescope.collectors.tcp;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.util.List;
import java.util.Map;

/**
 * The tcp collector: the parts that loaded on this node, each read at the interval, and the
 * availability of every part (a part that could not load was logged once by the factory).
 */
final class TcpCollector implements Collector {
  private final List<TcpPart> parts;
  private final Map<String, Boolean> available;

  TcpCollector(List<TcpPart> parts, Map<String, Boolean> available) {
    this.parts = List.copyOf(parts);
    this.available = Map.copyOf(available);
  }

  @Override
  public void collect(SnapshotBuilder out) throws Exception {
    available.forEach((part, loaded) -> out.add(TcpMetrics.PART_AVAILABLE, loaded ? 1 : 0, part));
    for (TcpPart part : parts) {
      part.collect(out);
    }
  }

  @Override
  public void close() {
    parts.forEach(TcpPart::close);
  }
}
