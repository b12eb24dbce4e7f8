package dev.nodescope.bench;

import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.hostnet.HostNetworkSockets;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The cost of hostNetwork attribution for every connection of a pod, cold (sockets listed, /proc
 * scanned) and warm (owners cached: sockets listed only), beside its peer `ss -tuanp`, which does
 * the same work (sock_diag dump, then every process's fd links) for every socket. Run by
 * bench/hostnet-owners-vs-ss.sh inside its namespace.
 *
 * <p>Arguments: node IP, server port, pod UID, file of client ports (one per line), rounds.
 */
public final class HostNetworkOwnersBench {
  private HostNetworkOwnersBench() {}

  public static void main(String[] args) throws Exception {
    InetAddress node = InetAddress.getByName(args[0]);
    int serverPort = Integer.parseInt(args[1]);
    PodInfo pod =
        new PodInfo(
            "bench",
            "hostnet",
            args[2],
            List.of(args[0]),
            "DaemonSet",
            "hostnet",
            true,
            "node",
            List.of());
    PodDirectory pods =
        new PodDirectory() {
          @Override
          public Collection<PodInfo> pods() {
            return List.of(pod);
          }
        };
    int[] ports =
        Files.readAllLines(Path.of(args[3])).stream().mapToInt(Integer::parseInt).toArray();
    int rounds = Integer.parseInt(args[4]);

    HostNetworkSockets warm = HostNetworkSockets.create(RootPaths.host());
    attributeAll(warm, pods, node, serverPort, ports); // fills the cache
    long[] cold = new long[rounds];
    long[] cached = new long[rounds];
    long[] peer = new long[rounds];
    for (int r = 0; r < rounds; r++) {
      long start = System.nanoTime();
      attributeAll(HostNetworkSockets.create(RootPaths.host()), pods, node, serverPort, ports);
      cold[r] = System.nanoTime() - start;
      start = System.nanoTime();
      attributeAll(warm, pods, node, serverPort, ports);
      cached[r] = System.nanoTime() - start;
      start = System.nanoTime();
      Process ss =
          new ProcessBuilder("ss", "-tuanp")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (ss.waitFor() != 0) {
        throw new IllegalStateException("ss failed");
      }
      peer[r] = System.nanoTime() - start;
    }
    System.out.printf(
        "connections %d (sockets %d), rounds %d, median ms:%n",
        ports.length, 2 * ports.length + 1, rounds);
    System.out.printf("cold (list + /proc scan) %.2f%n", median(cold));
    System.out.printf("warm (list, owners cached) %.2f%n", median(cached));
    System.out.printf("peer ss -tuanp %.2f%n", median(peer));
    System.out.printf(
        "ratio cold / peer %.2f, warm / peer %.2f%n",
        median(cold) / median(peer), median(cached) / median(peer));
  }

  /**
   * Both ends of every connection, as the flows collector asks for them; each must resolve to the
   * pod.
   */
  private static void attributeAll(
      HostNetworkSockets sockets,
      PodDirectory pods,
      InetAddress node,
      int serverPort,
      int[] ports) {
    sockets.startCollection();
    List<String> missing = new ArrayList<>();
    for (int port : ports) {
      if (sockets.owner(pods, 6, node, port, node, serverPort).isEmpty()
          || sockets.owner(pods, 6, node, serverPort, node, port).isEmpty()) {
        missing.add(Integer.toString(port));
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "not attributed: " + missing.size() + " connections, e.g. " + missing.get(0));
    }
    if (!sockets.drainProblems().isEmpty()) {
      throw new IllegalStateException("problems while attributing");
    }
  }

  private static double median(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2] / 1e6;
  }
}
