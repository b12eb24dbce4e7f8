package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.netlink.Addresses;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The conntrack table over ctnetlink: one dump of every family, plus NEW and DESTROY events between
 * dumps. One dump with {@code AF_UNSPEC}, not one per family, because the kernel walks every hash
 * bucket of the table for each dump request whatever the family asked for, and on a quiet node that
 * walk is most of a collection's cost.
 */
public final class NetlinkConntrackSource implements ConntrackSource {
  private static final long DUMP_TIMEOUT_MILLIS = 8000;
  private static final int EVENT_BUFFER_BYTES = 8 * 1024 * 1024;
  private static final int EVENT_QUEUE = 200_000;

  private final ConntrackClient client;
  private final ConntrackEventListener events;

  private NetlinkConntrackSource(ConntrackClient client, ConntrackEventListener events) {
    this.client = client;
    this.events = events;
  }

  /**
   * Opens both sockets in the calling thread's network namespace. The kernel checks CAP_NET_ADMIN
   * per request, not at socket(), so a statistics request probes it before the source is trusted.
   */
  public static NetlinkConntrackSource open() throws IOException {
    ConntrackClient client = ConntrackClient.open();
    try {
      client.cpuStats(DUMP_TIMEOUT_MILLIS);
      return new NetlinkConntrackSource(
          client, ConntrackEventListener.start(EVENT_BUFFER_BYTES, EVENT_QUEUE));
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return "netlink";
  }

  @Override
  public void dump(Consumer<ConntrackView> sink) throws IOException {
    client.dump(Addresses.AF_UNSPEC, DUMP_TIMEOUT_MILLIS, sink);
  }

  @Override
  public List<ConntrackEntry> drainEvents() {
    return events.drain();
  }

  @Override
  public long lostEvents() {
    return events.lostEvents();
  }

  @Override
  public List<ConntrackCpuStats> cpuStats() throws IOException {
    return client.cpuStats(DUMP_TIMEOUT_MILLIS);
  }

  @Override
  public void close() {
    try {
      events.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      client.close();
    }
  }
}
