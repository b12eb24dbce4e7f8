package dev.nodescope.agent.health;

import dev.nodescope.agent.health.HealthPolicy.Action;
import dev.nodescope.agent.health.HealthTracker.DeviceStatus;
import dev.nodescope.collectors.core.DaemonThreads;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotRegistry;
import dev.nodescope.collectors.kubernetes.NodeUpdates;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accelerator health: every interval, on its own thread, it reads the registry's latest nvidia and
 * neuron snapshots (never NVML or neuron-monitor, so it neither blocks a collector nor a scrape),
 * applies the policy, publishes the health metrics into the registry and, when asked, brings this
 * node's condition, taint and Events in line.
 */
public final class AcceleratorHealth implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AcceleratorHealth.class);

  private final SnapshotRegistry registry;
  private final Map<String, Function<Snapshot, HealthSignals>> sources;
  private final HealthTracker tracker;
  private final HealthMetrics metrics = new HealthMetrics();
  private final Optional<NodeConditionReporter> reporter;
  private final Clock clock;
  private final Map<String, Instant> lastCollected = new HashMap<>();
  private final Map<DeviceKey, Action> lastStates = new HashMap<>();
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("accelerator-health"));

  /**
   * {@code nvidia} and {@code neuron} name the collectors whose snapshots are read; {@code node} is
   * present when the node is to be written.
   */
  AcceleratorHealth(
      HealthSettings settings,
      SnapshotRegistry registry,
      String nvidia,
      String neuron,
      Optional<NodeUpdates> node,
      Clock clock) {
    this.registry = registry;
    this.sources = Map.of(nvidia, HealthSignals::ofNvidia, neuron, HealthSignals::ofNeuron);
    this.tracker = new HealthTracker(settings.policy());
    this.reporter =
        node.map(updates -> new NodeConditionReporter(updates, settings.taint(), metrics, clock));
    this.clock = clock;
  }

  /** Starts evaluating every interval on its own thread. */
  public static AcceleratorHealth start(
      HealthSettings settings,
      SnapshotRegistry registry,
      String nvidia,
      String neuron,
      Optional<NodeUpdates> node) {
    AcceleratorHealth health =
        new AcceleratorHealth(settings, registry, nvidia, neuron, node, Clock.systemUTC());
    long millis = settings.interval().toMillis();
    // evaluateLogged catches what an evaluation throws, so the future has nothing to report.
    ScheduledFuture<?> unused =
        health.thread.scheduleWithFixedDelay(
            health::evaluateLogged, millis, millis, TimeUnit.MILLISECONDS);
    LOG.info(
        "accelerator health: every {}, node conditions {}{}",
        settings.interval(),
        node.isPresent() ? "on" : "off",
        settings.taint().map(taint -> ", taint " + taint).orElse(""));
    return health;
  }

  private void evaluateLogged() {
    try {
      evaluate();
    } catch (RuntimeException e) {
      LOG.error("accelerator health evaluation failed: {}", e.toString(), e);
    }
  }

  /** One evaluation: new snapshots in, metrics out, node written when its verdict changed. */
  void evaluate() {
    sources.forEach(
        (collector, reading) -> {
          Snapshot snapshot = registry.latest(collector);
          Instant last = lastCollected.get(collector);
          if (!snapshot.collectedAt().equals(Instant.EPOCH)
              && (last == null || snapshot.collectedAt().isAfter(last))) {
            lastCollected.put(collector, snapshot.collectedAt());
            tracker.observe(reading.apply(snapshot));
          }
        });
    List<DeviceStatus> statuses = tracker.evaluate(clock.instant());
    for (DeviceStatus status : statuses) {
      Action before = lastStates.put(status.device(), status.state());
      if (before != null && before != status.state()) {
        LOG.info(
            "accelerator {} ({}): {} -> {} {}",
            status.device().device(),
            status.device().kind(),
            name(before),
            name(status.state()),
            status.tripped().keySet());
      }
    }
    if (!statuses.isEmpty()) {
      reporter.ifPresent(node -> node.reconcile(NodeVerdict.of(statuses)));
    }
    metrics.publish(registry, statuses, clock);
  }

  private static String name(Action state) {
    return switch (state) {
      case IGNORE -> "healthy";
      case DEGRADED -> "degraded";
      case FATAL -> "failed";
    };
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
