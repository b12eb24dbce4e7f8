package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.conntrack.NetlinkConntrackSource;
import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.netlink.NetlinkException;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.TestFlags;
import dev.nodescope.collectors.testing.TestNetns;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without CAP_NET_ADMIN the kernel refuses ctnetlink with EPERM; the collector then reads
 * /proc/net/nf_conntrack and says so. The capability is dropped for one thread only (Linux
 * capabilities are per thread, and a netlink socket is judged by the credentials it was opened
 * with), so the rest of the test process keeps root's.
 */
class FlowsProcfsFallbackKernelTest {
  private static final int CAP_NET_ADMIN = 12;
  private static final int PORTS = 20;
  @RegisterExtension static final TestNetns NETNS = TestNetns.perClass("nsflows-procfs");

  public interface LibC {
    int capget(@In byte[] header, @Out byte[] data);

    int capset(@In byte[] header, @In byte[] data);
  }

  @BeforeAll
  static void createNamespace() throws Exception {
    Capabilities.requireCommand("conntrack");
    Capabilities.require(
        Files.isReadable(Path.of("/proc/thread-self/net/nf_conntrack")),
        "/proc/net/nf_conntrack (CONFIG_NF_CONNTRACK_PROCFS)");
    NETNS.trackLoopback("192.0.2.10", "192.0.2.20");
  }

  @Test
  void readsTheTextTableWhenNetlinkIsRefused(@TempDir Path proc) throws Exception {
    // A procfs root whose net/ is the reading thread's namespace (/proc/net is the whole
    // process's).
    Files.createSymbolicLink(proc.resolve("net"), Path.of("/proc/thread-self/net"));
    Files.createSymbolicLink(proc.resolve("sys"), Path.of("/proc/sys"));
    PodInfo client =
        new PodInfo(
            "ns",
            "client",
            "uid-c",
            List.of("192.0.2.10"),
            "Pod",
            "client",
            false,
            "node-a",
            List.of());
    PodDirectory pods = () -> List.of(client);
    CollectorContext context =
        new CollectorContext(
            new RootPaths(proc, proc, proc),
            "node-a",
            TestFlags.DEFAULTS,
            pods,
            ClusterDirectory.EMPTY,
            PodResources.NONE,
            Clock.systemUTC());
    ExecutorService thread = NETNS.threads();
    try {
      Collector collector =
          thread
              .submit(
                  () -> {
                    dropNetAdmin();
                    assertThatThrownBy(() -> NetlinkConntrackSource.open())
                        .isInstanceOfSatisfying(
                            NetlinkException.class,
                            e -> assertThat(e.errno()).isEqualTo(NetlinkException.EPERM));
                    return new FlowsCollectorFactory().create(context);
                  })
              .get(30, TimeUnit.SECONDS);
      DatagramSocket udp =
          thread
              .submit(() -> new DatagramSocket(new InetSocketAddress("192.0.2.10", 0)))
              .get(30, TimeUnit.SECONDS);
      try (collector;
          udp) {
        for (int i = 0; i < PORTS; i++) {
          udp.send(
              new DatagramPacket(
                  new byte[50 + i], 50 + i, new InetSocketAddress("192.0.2.20", 40000 + i)));
        }
        Snapshot first = thread.submit(() -> collect(collector)).get(30, TimeUnit.SECONDS);
        assertThat(first.family(FlowsMetrics.SOURCE).samples())
            .singleElement()
            .satisfies(s -> assertThat(s.labelValues()).containsExactly("procfs"));
        assertThat(tx(first)).isEqualTo(conntrackBytesFrom("192.0.2.10")).isPositive();
        // Counters carry forward across reads: more traffic on the same connections adds only what
        // is new.
        udp.send(
            new DatagramPacket(new byte[100], 100, new InetSocketAddress("192.0.2.20", 40000)));
        Snapshot second = thread.submit(() -> collect(collector)).get(30, TimeUnit.SECONDS);
        assertThat(tx(second)).isEqualTo(conntrackBytesFrom("192.0.2.10")).isGreaterThan(tx(first));
      }
    } finally {
      thread.shutdownNow();
    }
  }

  /**
   * Clears CAP_NET_ADMIN from this thread's effective set (capget/capset,
   * _LINUX_CAPABILITY_VERSION_3).
   */
  private static void dropNetAdmin() {
    LibC libc = LibraryLoader.create(LibC.class).load("c");
    byte[] header =
        ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(0x20080522).putInt(0).array();
    byte[] data = new byte[24];
    assertThat(libc.capget(header, data)).isZero();
    ByteBuffer caps = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
    caps.putInt(0, caps.getInt(0) & ~(1 << CAP_NET_ADMIN));
    assertThat(libc.capset(header, data)).isZero();
  }

  private static Snapshot collect(Collector collector) throws Exception {
    SnapshotBuilder out = new SnapshotBuilder("flows", new FlowsCollectorFactory().descriptors());
    collector.collect(out);
    assertThat(out.partialFailures()).isEmpty();
    return out.build(Clock.systemUTC());
  }

  private static long tx(Snapshot snapshot) {
    return snapshot.family(FlowsMetrics.BYTES).samples().stream()
        .filter(s -> s.labelValues().get(1).equals("client") && s.labelValues().get(2).equals("tx"))
        .mapToLong(s -> (long) s.value())
        .sum();
  }

  private static long conntrackBytesFrom(String source) throws Exception {
    Matcher m =
        Pattern.compile("dport=\\d+ packets=\\d+ bytes=(\\d+)")
            .matcher(NETNS.output("conntrack", "-L", "-o", "extended", "-s", source));
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    return total;
  }
}
