package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.ClusterDirectory;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cluster-wide lookups for flow attribution, fed by informers with light stores: nodes (zone and
 * addresses; this watch can be left out in large clusters), Services (ClusterIPs) and
 * EndpointSlices (endpoint IP → pod, node and zone). Never every pod of the cluster: pods appear
 * here only as Service endpoints. See docs/design.md for the cost at 5,000 nodes.
 */
final class ClusterIndex implements ClusterDirectory {
  static final String ZONE_LABEL = "topology.kubernetes.io/zone";

  private final NodeStore nodes = new NodeStore();
  private final ServiceStore services = new ServiceStore();
  private final EndpointSliceStore endpointSlices = new EndpointSliceStore();

  /** Namespaces, node names and zones repeat across thousands of endpoints: one copy of each. */
  private final Map<String, String> names = new ConcurrentHashMap<>();

  NodeStore nodes() {
    return nodes;
  }

  ServiceStore services() {
    return services;
  }

  EndpointSliceStore endpointSlices() {
    return endpointSlices;
  }

  @Override
  public Optional<ServiceRef> serviceByClusterIp(String ip) {
    return services.byClusterIp.lookup(ip);
  }

  @Override
  public Optional<RemotePod> podByIp(String ip) {
    return endpointSlices.byIp.lookup(ip);
  }

  @Override
  public Optional<String> nodeByIp(String ip) {
    return nodes.byIp.lookup(ip);
  }

  /**
   * From the node's label; without the node watch, from the zone EndpointSlices give the node's
   * endpoints.
   */
  @Override
  public Optional<String> zoneOfNode(String nodeName) {
    Optional<String> labelled =
        nodes.value(nodeName).map(NodeRecord::zone).filter(zone -> !zone.isEmpty());
    return labelled.isPresent() ? labelled : endpointSlices.zoneByNode.lookup(nodeName);
  }

  private String shared(String name) {
    return name == null ? "" : names.computeIfAbsent(name, n -> n);
  }

  record NodeRecord(String name, String zone, List<String> addresses) {}

  final class NodeStore extends LightStore<Node, NodeRecord> {
    private final AddressIndex<String> byIp = new AddressIndex<>();

    NodeStore() {
      super(Node::new);
    }

    @Override
    NodeRecord extract(Node node) {
      Map<String, String> labels = node.getMetadata().getLabels();
      String zone = labels == null ? "" : Objects.requireNonNullElse(labels.get(ZONE_LABEL), "");
      LinkedHashSet<String> addresses = new LinkedHashSet<>();
      if (node.getStatus() != null) {
        for (NodeAddress address : node.getStatus().getAddresses()) {
          // Hostnames and DNS names are not what a packet carries.
          if (address.getType() != null
              && address.getType().endsWith("IP")
              && address.getAddress() != null) {
            addresses.add(address.getAddress());
          }
        }
      }
      return new NodeRecord(node.getMetadata().getName(), shared(zone), List.copyOf(addresses));
    }

    @Override
    void reindex(String key, NodeRecord before, NodeRecord after) {
      byIp.update(
          key,
          before == null ? List.of() : before.addresses(),
          after == null ? List.of() : after.addresses(),
          after == null ? null : after.name());
    }
  }

  record ServiceRecord(ServiceRef service, List<String> clusterIps) {}

  final class ServiceStore extends LightStore<Service, ServiceRecord> {
    private final AddressIndex<ServiceRef> byClusterIp = new AddressIndex<>();

    ServiceStore() {
      super(Service::new);
    }

    @Override
    ServiceRecord extract(Service service) {
      LinkedHashSet<String> ips = new LinkedHashSet<>();
      if (service.getSpec() != null) {
        if (service.getSpec().getClusterIP() != null) {
          ips.add(service.getSpec().getClusterIP());
        }
        ips.addAll(service.getSpec().getClusterIPs());
      }
      // Headless Services have "None"; ExternalName ones have none at all.
      ips.removeIf(ip -> ip.isEmpty() || "None".equals(ip));
      return new ServiceRecord(
          new ServiceRef(
              shared(service.getMetadata().getNamespace()), service.getMetadata().getName()),
          List.copyOf(ips));
    }

    @Override
    void reindex(String key, ServiceRecord before, ServiceRecord after) {
      byClusterIp.update(
          key,
          before == null ? List.of() : before.clusterIps(),
          after == null ? List.of() : after.clusterIps(),
          after == null ? null : after.service());
    }
  }

  /**
   * What one slice claims, as parallel arrays (no object per endpoint): address {@code i} is {@code
   * ipv4[i]} as {@link EndpointIndex#ipv4} reads it or, where that is 0, {@code others[i]} (null
   * when every address is IPv4). The pod, namespace and zone of each endpoint are read once, when
   * the slice is indexed; what the store keeps afterwards ({@link #addresses}) is only what letting
   * go of the slice's claims needs: addresses and node names.
   */
  static final class SliceEndpoints {
    private final int[] ipv4;
    private final String[] others;
    private final String[] nodes;
    private final String[] pods;
    private final String[] namespaces;
    private final String[] zones;

    SliceEndpoints(int count) {
      this(
          new int[count],
          null,
          new String[count],
          new String[count],
          new String[count],
          new String[count]);
    }

    private SliceEndpoints(
        int[] ipv4,
        String[] others,
        String[] nodes,
        String[] pods,
        String[] namespaces,
        String[] zones) {
      this.ipv4 = ipv4;
      this.others = others;
      this.nodes = nodes;
      this.pods = pods;
      this.namespaces = namespaces;
      this.zones = zones;
    }

    SliceEndpoints withOthers(String[] others) {
      return new SliceEndpoints(ipv4, others, nodes, pods, namespaces, zones);
    }

    /** The addresses and nodes alone, as the store keeps them once they are indexed. */
    SliceEndpoints addresses() {
      return new SliceEndpoints(ipv4, others, nodes, null, null, null);
    }

    int size() {
      return ipv4.length;
    }

    String other(int i) {
      return others == null ? null : others[i];
    }

    /** Address {@code i} as a key for sets: an Integer or the text. */
    Object address(int i) {
      return ipv4[i] != 0 ? (Object) ipv4[i] : others[i];
    }

    RemotePod pod(int i) {
      return new RemotePod(namespaces[i], pods[i], nodes[i]);
    }
  }

  final class EndpointSliceStore extends LightStore<EndpointSlice, SliceEndpoints> {
    private final EndpointIndex byIp = new EndpointIndex();
    private final AddressIndex<String> zoneByNode = new AddressIndex<>();

    EndpointSliceStore() {
      super(
          () -> {
            EndpointSlice skeleton = new EndpointSlice();
            skeleton.setEndpoints(null);
            skeleton.setPorts(null);
            return skeleton;
          });
    }

    /**
     * Endpoints that are pods (the targetRef says so); other endpoints (manual IPs, nodes) name no
     * pod.
     */
    @Override
    SliceEndpoints extract(EndpointSlice slice) {
      int count = 0;
      for (Endpoint endpoint : slice.getEndpoints()) {
        if (isPod(endpoint)) {
          count += endpoint.getAddresses().size();
        }
      }
      SliceEndpoints kept = new SliceEndpoints(count);
      String[] others = null;
      int i = 0;
      for (Endpoint endpoint : slice.getEndpoints()) {
        if (!isPod(endpoint)) {
          continue;
        }
        ObjectReference target = endpoint.getTargetRef();
        String namespace =
            shared(
                target.getNamespace() != null
                    ? target.getNamespace()
                    : slice.getMetadata().getNamespace());
        String node = shared(endpoint.getNodeName());
        String zone = shared(endpoint.getZone());
        for (String ip : endpoint.getAddresses()) {
          kept.ipv4[i] = EndpointIndex.ipv4(ip);
          if (kept.ipv4[i] == 0) {
            if (others == null) {
              others = new String[count];
            }
            others[i] = ip;
          }
          kept.pods[i] = target.getName();
          kept.namespaces[i] = namespace;
          kept.nodes[i] = node;
          kept.zones[i] = zone;
          i++;
        }
      }
      return others == null ? kept : kept.withOthers(others);
    }

    @Override
    SliceEndpoints retained(SliceEndpoints indexed) {
      return indexed.addresses();
    }

    private static boolean isPod(Endpoint endpoint) {
      ObjectReference target = endpoint.getTargetRef();
      return target != null && "Pod".equals(target.getKind()) && target.getName() != null;
    }

    @Override
    void reindex(String key, SliceEndpoints before, SliceEndpoints after) {
      if (after != null) {
        for (int i = 0; i < after.size(); i++) {
          byIp.claim(after.ipv4[i], after.other(i), key, after.pod(i));
          if (!after.nodes[i].isEmpty() && !after.zones[i].isEmpty()) {
            zoneByNode.claim(after.nodes[i], key, after.zones[i]);
          }
        }
      }
      if (before != null) {
        Set<Object> keptAddresses = new HashSet<>();
        Set<String> keptNodes = new HashSet<>();
        if (after != null) {
          for (int i = 0; i < after.size(); i++) {
            keptAddresses.add(after.address(i));
            keptNodes.add(after.nodes[i]);
          }
        }
        for (int i = 0; i < before.size(); i++) {
          if (!keptAddresses.contains(before.address(i))) {
            byIp.release(before.ipv4[i], before.other(i), key);
          }
          if (!keptNodes.contains(before.nodes[i])) {
            zoneByNode.release(before.nodes[i], key);
          }
        }
      }
      if (after == null) {
        byIp.forget(key);
      }
    }
  }
}
