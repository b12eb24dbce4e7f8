package dev.nodescope.agent.health;

import dev.nodescope.agent.health.HealthPolicy.Action;
import dev.nodescope.agent.health.HealthPolicy.Rule;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The health state of every accelerator seen, driven by the collectors' snapshots and a clock.
 * Counts become events by their increase between snapshots (XIDs and Neuron ECC events count from
 * zero at agent start, so the first snapshot's counts are events too; the volatile ECC total counts
 * since the driver loaded, so its first value is only a baseline). A holding cause (a lost GPU) is
 * an event at its onset and keeps its rule tripped for as long as the latest snapshot shows it.
 * Used by one thread.
 */
final class HealthTracker {
  private final HealthPolicy policy;
  private final Map<DeviceKey, DeviceState> devices = new TreeMap<>();

  HealthTracker(HealthPolicy policy) {
    this.policy = policy;
  }

  /**
   * A device's state now: the action of its worst tripped rule, and the causes tripped, in name
   * order (the node condition's message lists them so).
   */
  record DeviceStatus(
      DeviceKey device, Action state, Map<String, Action> tripped, Map<String, Long> events) {
    DeviceStatus {
      tripped = Collections.unmodifiableMap(new TreeMap<>(tripped));
      events = Collections.unmodifiableMap(new TreeMap<>(events));
    }
  }

  /** Takes one new snapshot's signals; call once per snapshot, in the order they were collected. */
  void observe(HealthSignals signals) {
    Instant at = signals.collectedAt();
    for (DeviceKey key : signals.devices()) {
      DeviceState device = devices.computeIfAbsent(key, k -> new DeviceState());
      signals
          .counts()
          .getOrDefault(key, Map.of())
          .forEach((cause, value) -> device.counted(cause, value, at));
      device.held(signals.holding().getOrDefault(key, Set.of()), at);
    }
  }

  /** Lets go of rules whose recovery has passed, and says where each device stands. */
  List<DeviceStatus> evaluate(Instant now) {
    List<DeviceStatus> statuses = new ArrayList<>();
    devices.forEach((key, device) -> statuses.add(device.status(key, now)));
    return statuses;
  }

  private final class DeviceState {
    private final Map<String, Double> lastCounts = new TreeMap<>();
    private final Map<String, RuleState> rules = new TreeMap<>();
    private final Map<String, Long> events = new TreeMap<>();
    private Set<String> holding = Set.of();

    void counted(String cause, double value, Instant at) {
      Double last = lastCounts.put(cause, value);
      double increase;
      if (last == null) {
        increase = Causes.ECC_UNCORRECTABLE.equals(cause) ? 0 : value;
      } else {
        increase = value >= last ? value - last : value; // a reset counter starts over
      }
      if (increase > 0) {
        event(cause, (long) increase, at);
      } else {
        events.putIfAbsent(cause, 0L);
      }
    }

    void held(Set<String> now, Instant at) {
      for (String cause : now) {
        if (!holding.contains(cause)) {
          event(cause, 1, at);
        }
      }
      holding = new TreeSet<>(now);
    }

    private void event(String cause, long count, Instant at) {
      events.merge(cause, count, Long::sum);
      Rule rule = policy.rule(cause);
      if (rule.action() != Action.IGNORE) {
        rules.computeIfAbsent(cause, c -> new RuleState()).event(rule, count, at);
      }
    }

    DeviceStatus status(DeviceKey key, Instant now) {
      Map<String, Action> tripped = new TreeMap<>();
      Action worst = Action.IGNORE;
      for (Map.Entry<String, RuleState> entry : rules.entrySet()) {
        Rule rule = policy.rule(entry.getKey());
        RuleState state = entry.getValue();
        if (holding.contains(entry.getKey())) {
          state.event(rule, 0, now);
        }
        if (state.active(rule, now)) {
          tripped.put(entry.getKey(), rule.action());
          worst = rule.action().compareTo(worst) > 0 ? rule.action() : worst;
        }
      }
      return new DeviceStatus(key, worst, tripped, events);
    }
  }

  /**
   * One rule on one device: the times of its recent events (at most {@code count}, within {@code
   * window}), whether it tripped, and its last event since.
   */
  private static final class RuleState {
    private final Deque<Instant> recent = new ArrayDeque<>();
    private boolean tripped;
    private Instant lastEvent = Instant.EPOCH;

    /** {@code count} events at {@code at}; 0 refreshes a tripped rule whose cause still holds. */
    void event(Rule rule, long count, Instant at) {
      for (long i = 0; i < Math.min(count, rule.count()); i++) {
        recent.addLast(at);
      }
      while (recent.size() > rule.count()
          || (!recent.isEmpty() && recent.peekFirst().isBefore(at.minus(rule.window())))) {
        recent.removeFirst();
      }
      if (count > 0 && recent.size() >= rule.count()) {
        tripped = true;
      }
      if (tripped && at.isAfter(lastEvent)) {
        lastEvent = at;
      }
    }

    boolean active(Rule rule, Instant now) {
      if (tripped && !now.isBefore(lastEvent.plus(rule.recovery()))) {
        tripped = false;
        recent.clear();
      }
      return tripped;
    }
  }
}
