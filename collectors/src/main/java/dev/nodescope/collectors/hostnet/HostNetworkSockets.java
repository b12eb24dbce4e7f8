package dev.nodescope.collectors.hostnet;

import dev.nodescope.collectors.conntrack.ConntrackClient;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.host.CgroupNames;
import dev.nodescope.collectors.netlink.Addresses;
import dev.nodescope.collectors.netlink.LocalSocket;
import dev.nodescope.collectors.netlink.NetlinkSocket;
import dev.nodescope.collectors.netlink.SockDiagCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attributes connections on the node's IPs to hostNetwork pods through the owning socket: the
 * connection's ends name a socket (sock_diag dump, or /proc/net/tcp* where sock_diag is refused),
 * the socket's inode names a process (its /proc/PID/fd links {@code socket:[inode]}), the process's
 * cgroup names the pod's UID.
 *
 * <p>Cheap by construction: nothing runs unless this node has a hostNetwork pod and a connection
 * has an end on a node IP; sockets are listed at most once per collection, and /proc is scanned at
 * most once per collection, only when a connection needs a socket whose owner is not known yet.
 * Only processes that may belong to a hostNetwork pod (a pod cgroup that is not one of the
 * directory's other pods) have their descriptors read. Owners are cached per inode, and forgotten
 * when the socket is gone, so the cache never outgrows the node's socket table.
 */
public final class HostNetworkSockets implements SocketOwners {
  private static final Logger LOG = LoggerFactory.getLogger(HostNetworkSockets.class);
  private static final long DUMP_TIMEOUT_MILLIS = 5000;
  private static final int MAX_DATAGRAMS_PER_DUMP = 100_000;

  /**
   * An inode looked up whose process is not a hostNetwork pod's (a host daemon, or already closed).
   */
  private static final String NO_POD = "";

  private enum Table {
    TCP(Addresses.AF_INET, LocalSocket.TCP, "net/tcp"),
    TCP6(Addresses.AF_INET6, LocalSocket.TCP, "net/tcp6"),
    UDP(Addresses.AF_INET, LocalSocket.UDP, "net/udp"),
    UDP6(Addresses.AF_INET6, LocalSocket.UDP, "net/udp6");

    final int family;
    final int protocol;
    final String procFile;

    Table(int family, int protocol, String procFile) {
      this.family = family;
      this.protocol = protocol;
      this.procFile = procFile;
    }
  }

  /** A socket's ends as conntrack sees them; null addresses and port 0 stand for "any". */
  private record Ends(
      int protocol, InetAddress local, int localPort, InetAddress remote, int remotePort) {}

  private final RootPaths paths;

  /** Tables read from /proc/net: sock_diag refused them, or this instance reads a fixture tree. */
  private final Set<Table> fromProcfs;

  private final Map<Long, String> podUidByInode = new HashMap<>();

  /**
   * Owners found per connection end, this collection and the last: a connection whose socket closed
   * since (its DESTROY event with the final counters, a TIME_WAIT entry still in the table) keeps
   * the pod it had.
   */
  private Map<Ends, String> owners = new HashMap<>();

  private Map<Ends, String> lastOwners = new HashMap<>();
  private final List<String> problems = new ArrayList<>();
  private int sequence = 1;
  private Set<String> nodeIps;
  private Map<Ends, Long> sockets;
  private boolean scanned;

  private HostNetworkSockets(RootPaths paths, Set<Table> fromProcfs) {
    this.paths = paths;
    this.fromProcfs = fromProcfs;
  }

  /**
   * Lists sockets with sock_diag on the calling thread's network namespace, falling back to
   * /proc/net.
   */
  public static HostNetworkSockets create(RootPaths paths) {
    return new HostNetworkSockets(paths, EnumSet.noneOf(Table.class));
  }

  /** Reads every socket table from {@code <procfs>/net}: for fixture trees. */
  static HostNetworkSockets fromProcfs(RootPaths paths) {
    return new HostNetworkSockets(paths, EnumSet.allOf(Table.class));
  }

  @Override
  public void startCollection() {
    if (sockets == null) {
      // Sockets were not listed last time, so closed ones were not pruned: a cached inode might
      // have been reused.
      podUidByInode.clear();
    }
    nodeIps = null;
    sockets = null;
    scanned = false;
    lastOwners = owners;
    owners = new HashMap<>();
  }

  @Override
  public Optional<PodInfo> owner(
      PodDirectory pods,
      int protocol,
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort) {
    if (protocol != LocalSocket.TCP && protocol != LocalSocket.UDP) {
      return Optional.empty();
    }
    if (nodeIps == null) {
      // A hostNetwork pod's IPs are the node's: no such pod, nothing to attribute.
      nodeIps =
          pods.pods().stream()
              .filter(PodInfo::hostNetwork)
              .flatMap(p -> p.ips().stream())
              .collect(Collectors.toSet());
    }
    if (!nodeIps.contains(Addresses.text(local))) {
      return Optional.empty();
    }
    if (sockets == null) {
      sockets = listSockets();
    }
    Ends ends = new Ends(protocol, local, localPort, remote, remotePort);
    Long inode = find(ends);
    String uid;
    if (inode == null) {
      // Closed: known from the last collection, or gone before any lookup, and then the node's.
      uid = lastOwners.getOrDefault(ends, NO_POD);
    } else {
      if (!podUidByInode.containsKey(inode) && !scanned) {
        scanProcesses(pods);
      }
      uid = podUidByInode.getOrDefault(inode, NO_POD);
    }
    if (uid.equals(NO_POD)) {
      return Optional.empty();
    }
    owners.put(ends, uid);
    return pods.byUid(uid).filter(PodInfo::hostNetwork);
  }

  @Override
  public List<String> drainProblems() {
    List<String> drained = List.copyOf(problems);
    problems.clear();
    return drained;
  }

  /**
   * The connected socket, else the listener or unconnected socket bound to the address, else to any
   * address.
   */
  private Long find(Ends ends) {
    Long inode = sockets.get(ends);
    if (inode == null) {
      inode = sockets.get(new Ends(ends.protocol(), ends.local(), ends.localPort(), null, 0));
    }
    if (inode == null) {
      inode = sockets.get(new Ends(ends.protocol(), null, ends.localPort(), null, 0));
    }
    return inode;
  }

  private Map<Ends, Long> listSockets() {
    Map<Ends, Long> table = new HashMap<>();
    for (Table t : Table.values()) {
      for (LocalSocket s : read(t)) {
        boolean onNodeIp =
            s.localAddress() == null || nodeIps.contains(Addresses.text(s.localAddress()));
        if (s.inode() != 0 && onNodeIp) {
          table.putIfAbsent(
              new Ends(
                  s.protocol(), s.localAddress(), s.localPort(), s.remoteAddress(), s.remotePort()),
              s.inode());
        }
      }
    }
    podUidByInode.keySet().retainAll(new HashSet<>(table.values()));
    return table;
  }

  private List<LocalSocket> read(Table t) {
    if (!fromProcfs.contains(t)) {
      try {
        return dump(t);
      } catch (IOException e) {
        fromProcfs.add(t);
        LOG.info(
            "hostNetwork attribution: sock_diag refused for {} ({}); reading {} from now on",
            t,
            e.getMessage(),
            paths.proc(t.procFile));
      }
    }
    try {
      ProcNetSockets.Parsed parsed =
          ProcNetSockets.parse(Files.readString(paths.proc(t.procFile)), t.protocol);
      if (parsed.malformed() > 0) {
        problems.add(
            "hostNetwork attribution: malformed lines in " + paths.proc(t.procFile) + " skipped");
      }
      return parsed.sockets();
    } catch (NoSuchFileException e) {
      return List.of(); // no IPv6 on this node
    } catch (IOException e) {
      problems.add(
          "hostNetwork attribution: cannot read " + paths.proc(t.procFile) + ": " + e.getMessage());
      return List.of();
    }
  }

  private List<LocalSocket> dump(Table t) throws IOException {
    List<LocalSocket> out = new ArrayList<>();
    byte[] buf = new byte[ConntrackClient.DATAGRAM_BYTES];
    try (NetlinkSocket socket = NetlinkSocket.openSockDiag(1024 * 1024, 1000)) {
      socket.send(SockDiagCodec.dumpRequest(t.family, t.protocol, sequence++));
      long deadline = System.nanoTime() + DUMP_TIMEOUT_MILLIS * 1_000_000;
      for (int i = 0; i < MAX_DATAGRAMS_PER_DUMP && System.nanoTime() < deadline; i++) {
        int n = socket.receive(buf);
        if (n < 0) {
          throw new IOException("sock_diag dump overran the socket buffer (ENOBUFS)");
        }
        SockDiagCodec.Decoded d = SockDiagCodec.decode(buf, n, t.protocol, out::add);
        if (d.errno() != 0) {
          throw new IOException("errno " + d.errno());
        }
        if (d.malformed() > 0) {
          problems.add("hostNetwork attribution: malformed sock_diag messages skipped");
        }
        if (d.done()) {
          return out;
        }
      }
    }
    throw new IOException("sock_diag dump did not finish within " + DUMP_TIMEOUT_MILLIS + " ms");
  }

  /**
   * One pass over the processes, for every listed socket whose owner is not known yet. Processes
   * outside any pod cgroup, and those of pods known to have their own network namespace, are
   * skipped without reading their descriptors.
   */
  private void scanProcesses(PodDirectory pods) {
    scanned = true;
    Set<Long> wanted = new HashSet<>(sockets.values());
    wanted.removeAll(podUidByInode.keySet());
    Set<String> ownNetworkPods =
        pods.pods().stream()
            .filter(p -> !p.hostNetwork())
            .map(PodInfo::uid)
            .collect(Collectors.toSet());
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(paths.procfs(), "[0-9]*")) {
      for (Path process : processes) {
        Optional<String> uid = podUid(process);
        if (uid.isPresent() && !ownNetworkPods.contains(uid.get())) {
          socketsOf(process, wanted).forEach(inode -> podUidByInode.put(inode, uid.get()));
        }
      }
    } catch (IOException e) {
      problems.add(
          "hostNetwork attribution: cannot list " + paths.procfs() + ": " + e.getMessage());
    }
    wanted.forEach(inode -> podUidByInode.putIfAbsent(inode, NO_POD));
  }

  private static Optional<String> podUid(Path process) {
    try {
      return CgroupNames.podCgroupOfProcess(Files.readAllLines(process.resolve("cgroup")))
          .map(CgroupNames.PodCgroup::podUid);
    } catch (IOException exitedMeanwhile) {
      return Optional.empty();
    }
  }

  private static List<Long> socketsOf(Path process, Set<Long> wanted) {
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
      for (Path fd : fds) {
        String target = readLink(fd);
        if (target.startsWith("socket:[") && target.endsWith("]")) {
          long inode = Long.parseLong(target.substring(8, target.length() - 1));
          if (wanted.contains(inode)) {
            found.add(inode);
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the process exited meanwhile, or its descriptors changed under us: what was found still
      // holds
    }
    return found;
  }

  private static String readLink(Path fd) {
    try {
      return Files.readSymbolicLink(fd).toString();
    } catch (IOException e) {
      return ""; // closed meanwhile
    }
  }
}
