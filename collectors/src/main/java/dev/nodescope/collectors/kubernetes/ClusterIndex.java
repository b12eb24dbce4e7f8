package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.ClusterDirectory;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

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

  record EndpointAddress(String ip, RemotePod pod, String zone) {}

  final class EndpointSliceStore extends LightStore<EndpointSlice, List<EndpointAddress>> {
    private final AddressIndex<RemotePod> byIp = new AddressIndex<>();
    private final AddressIndex<String> zoneByNode = new AddressIndex<>();

    EndpointSliceStore() {
      super(EndpointSlice::new);
    }

    /**
     * Endpoints that are pods (the targetRef says so); other endpoints (manual IPs, nodes) name no
     * pod.
     */
    @Override
    List<EndpointAddress> extract(EndpointSlice slice) {
      List<EndpointAddress> addresses = new ArrayList<>();
      for (Endpoint endpoint : slice.getEndpoints()) {
        ObjectReference target = endpoint.getTargetRef();
        if (target == null || !"Pod".equals(target.getKind()) || target.getName() == null) {
          continue;
        }
        String namespace =
            target.getNamespace() != null
                ? target.getNamespace()
                : slice.getMetadata().getNamespace();
        RemotePod pod =
            new RemotePod(shared(namespace), target.getName(), shared(endpoint.getNodeName()));
        String zone = shared(endpoint.getZone());
        for (String ip : endpoint.getAddresses()) {
          addresses.add(new EndpointAddress(ip, pod, zone));
        }
      }
      return List.copyOf(addresses);
    }

    @Override
    void reindex(String key, List<EndpointAddress> before, List<EndpointAddress> after) {
      List<EndpointAddress> kept = after == null ? List.of() : after;
      for (EndpointAddress address : kept) {
        byIp.claim(address.ip(), key, address.pod());
        if (!address.pod().nodeName().isEmpty() && !address.zone().isEmpty()) {
          zoneByNode.claim(address.pod().nodeName(), key, address.zone());
        }
      }
      if (before != null) {
        Set<String> keptIps = kept.stream().map(EndpointAddress::ip).collect(Collectors.toSet());
        Set<String> keptNodes =
            kept.stream().map(address -> address.pod().nodeName()).collect(Collectors.toSet());
        for (EndpointAddress address : before) {
          if (!keptIps.contains(address.ip())) {
            byIp.release(address.ip(), key);
          }
          if (!keptNodes.contains(address.pod().nodeName())) {
            zoneByNode.release(address.pod().nodeName(), key);
          }
        }
      }
    }
  }
}
