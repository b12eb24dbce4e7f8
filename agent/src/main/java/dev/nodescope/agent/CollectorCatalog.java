package dev.nodescope.agent;

import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Flag;
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
import java.util.List;

/**
 * Every collector the agent knows, and the flags the agent derives for each: {@code
 * --[no-]collector.<name>}, {@code --collector.<name>.interval} and {@code
 * --collector.<name>.timeout}.
 */
public final class CollectorCatalog {
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
