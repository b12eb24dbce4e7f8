package dev.nodescope.agent;

import dev.nodescope.agent.cloudwatch.BridgeMetrics;
import dev.nodescope.agent.exposition.BuildInfo;
import dev.nodescope.agent.exposition.HttpServerMetrics;
import dev.nodescope.agent.exposition.RunnerMetrics;
import dev.nodescope.agent.health.HealthMetrics;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.ena.EnaCollectorFactory;
import dev.nodescope.collectors.flows.FlowsCollectorFactory;
import dev.nodescope.collectors.kubernetes.KubernetesCollectorFactory;
import dev.nodescope.collectors.neuron.NeuronCollectorFactory;
import dev.nodescope.collectors.node.NodeCollectorFactory;
import dev.nodescope.collectors.nvidia.NvidiaCollectorFactory;
import dev.nodescope.collectors.pods.PodsCollectorFactory;
import dev.nodescope.collectors.tcp.TcpCollectorFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every collector the agent knows, the flags the agent derives for each ({@code
 * --[no-]collector.<name>}, {@code --collector.<name>.interval} and {@code
 * --collector.<name>.timeout}) and every metric the agent declares: exposition, the docs generator
 * and the deploy tests all read {@link #metrics()}.
 */
public final class CollectorCatalog {
  /** Who serves the agent's own series in {@link #metrics()}. */
  public static final String AGENT = "agent";

  /** The agent's own series: collector runs, the build, the HTTP server. */
  public static final List<MetricDescriptor> AGENT_METRICS =
      Stream.of(RunnerMetrics.ALL, List.of(BuildInfo.METRIC), HttpServerMetrics.ALL)
          .flatMap(List::stream)
          .toList();

  private final List<CollectorFactory> factories;

  public CollectorCatalog(List<CollectorFactory> factories) {
    this.factories = List.copyOf(factories);
  }

  /** The collectors this build ships. */
  public static CollectorCatalog standard() {
    return new CollectorCatalog(
        List.of(
            new NodeCollectorFactory(),
            new PodsCollectorFactory(),
            new KubernetesCollectorFactory(),
            new FlowsCollectorFactory(),
            new TcpCollectorFactory(),
            new EnaCollectorFactory(),
            new NvidiaCollectorFactory(),
            new NeuronCollectorFactory()));
  }

  public List<CollectorFactory> factories() {
    return factories;
  }

  /**
   * Every metric the agent declares, by who serves it: each collector (by name), then {@link
   * #AGENT}, the CloudWatch bridge ({@link BridgeMetrics#COLLECTOR}) and accelerator health ({@link
   * HealthMetrics#COLLECTOR}).
   */
  public Map<String, List<MetricDescriptor>> metrics() {
    Map<String, List<MetricDescriptor>> metrics = new LinkedHashMap<>();
    factories.forEach(factory -> metrics.put(factory.name(), factory.descriptors()));
    metrics.put(AGENT, AGENT_METRICS);
    metrics.put(BridgeMetrics.COLLECTOR, BridgeMetrics.ALL);
    metrics.put(HealthMetrics.COLLECTOR, HealthMetrics.ALL);
    return Collections.unmodifiableMap(metrics);
  }

  public static Flag<Boolean> enabledFlag(CollectorFactory factory) {
    return Flag.bool(
        "collector." + factory.name(),
        factory.enabledByDefault(),
        "Enable the " + factory.name() + " collector: " + factory.description());
  }

  public static Flag<Duration> intervalFlag(CollectorFactory factory) {
    return Flag.duration(
        "collector." + factory.name() + ".interval",
        factory.defaultInterval(),
        "How often the " + factory.name() + " collector runs in the background.");
  }

  public static Flag<Duration> timeoutFlag(CollectorFactory factory) {
    return Flag.duration(
        "collector." + factory.name() + ".timeout",
        factory.defaultInterval(),
        "Deadline of one " + factory.name() + " run; a run past it is counted as failed.");
  }

  public List<Flag<?>> flags() {
    List<Flag<?>> flags = new ArrayList<>();
    for (CollectorFactory factory : factories) {
      flags.add(enabledFlag(factory));
      flags.add(intervalFlag(factory));
      flags.add(timeoutFlag(factory));
      flags.addAll(factory.flags());
    }
    return flags;
  }
}
