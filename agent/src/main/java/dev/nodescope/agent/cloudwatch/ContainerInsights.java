package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.NodeEvents.NodeFacts;
import dev.nodescope.collectors.core.PodInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the agent's snapshots to Container Insights performance events, one per entity per interval,
 * under the field names the Container Insights queries and dashboards read, one family at a time:
 * the node's ({@link NodeEvents}), pods' and containers' ({@link PodEvents}), GPUs' and Neuron's
 * ({@link DeviceEvents}) and flows' ({@link FlowEvents}). Each family reads the series through
 * their collectors' descriptors, so a renamed metric fails to compile here rather than drop a
 * field.
 *
 * <p>Utilizations are percent; network values are bytes per second between the collectors' last two
 * readings (so the first interval has none, as in Container Insights); counts per interval (flows,
 * ECC events, execution errors) are deltas whose first interval carries everything since the agent
 * started.
 */
final class ContainerInsights {
  private final InsightsContext context;
  private final NodeEvents node;
  private final PodEvents pods;
  private final DeviceEvents devices;
  private final FlowEvents flows;

  /** {@code instance}: InstanceId and InstanceType when known (empty off EC2). */
  ContainerInsights(String clusterName, String nodeName, Map<String, String> instance) {
    this.context = new InsightsContext(clusterName, nodeName, instance);
    this.node = new NodeEvents(context);
    this.pods = new PodEvents(context);
    this.devices = new DeviceEvents(context);
    this.flows = new FlowEvents(context);
  }

  List<PerformanceEvent> map(SnapshotIndex index, Map<String, PodInfo> podsByUid) {
    List<PerformanceEvent> events = new ArrayList<>();
    NodeFacts facts = node.map(index, events);
    Map<String, PodInfo> podsByName = new HashMap<>();
    podsByUid.values().forEach(pod -> podsByName.put(pod.namespace() + "/" + pod.name(), pod));
    pods.map(index, podsByUid, facts, events);
    devices.map(index, podsByName, events);
    flows.map(index, podsByName, events);
    context.endInterval();
    return events;
  }
}
