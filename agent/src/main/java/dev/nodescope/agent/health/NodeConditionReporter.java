package dev.nodescope.agent.health;

import dev.nodescope.collectors.kubernetes.NodeUpdates;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings this node's condition, taint and Events in line with the latest verdict. Writes only when
 * the verdict changes (or an earlier write failed), so a steady node costs the API server nothing;
 * an Event is recorded when the status or reason changes. A failed write is logged once per
 * operation until it succeeds again, counted, and retried at the next evaluation.
 */
final class NodeConditionReporter {
  private static final Logger LOG = LoggerFactory.getLogger(NodeConditionReporter.class);

  private final NodeUpdates node;
  private final Optional<TaintSpec> taint;
  private final HealthMetrics metrics;
  private final Clock clock;
  private final Set<String> failing = new HashSet<>();

  /** What the node reads as after the last successful write; null before the first. */
  private NodeVerdict applied;

  private boolean eventPending;

  /** Whether the taint is on the node as far as this reporter knows; null before it looked. */
  private Boolean taintApplied;

  NodeConditionReporter(
      NodeUpdates node, Optional<TaintSpec> taint, HealthMetrics metrics, Clock clock) {
    this.node = node;
    this.taint = taint;
    this.metrics = metrics;
    this.clock = clock;
  }

  void reconcile(NodeVerdict verdict) {
    if (!verdict.equals(applied)) {
      boolean transition =
          applied == null
              ? !verdict.healthy()
              : applied.healthy() != verdict.healthy()
                  || !applied.reason().equals(verdict.reason());
      if (attempt(
          "condition",
          () ->
              node.setCondition(
                  new NodeUpdates.Condition(
                      NodeVerdict.CONDITION_TYPE,
                      verdict.healthy(),
                      verdict.reason(),
                      verdict.message()),
                  clock.instant()))) {
        if (applied == null || !verdict.healthy() || !applied.healthy()) {
          LOG.info(
              "node {}: {} {} ({})",
              node.nodeName(),
              NodeVerdict.CONDITION_TYPE,
              verdict.healthy() ? "True" : "False",
              verdict.message());
        }
        eventPending |= transition;
        applied = verdict;
      }
    }
    if (eventPending && applied != null) {
      NodeVerdict event = applied;
      eventPending =
          !attempt(
              "event",
              () ->
                  node.recordEvent(
                      event.reason(), event.message(), !event.healthy(), clock.instant()));
    }
    if (taint.isPresent()
        && applied != null
        && !Boolean.valueOf(!applied.healthy()).equals(taintApplied)) {
      TaintSpec spec = taint.get();
      boolean wanted = !applied.healthy();
      if (attempt(
          "taint",
          () -> node.setTaint(spec.key(), spec.value(), spec.effect(), wanted, clock.instant()))) {
        if (taintApplied != null || wanted) {
          LOG.info("node {}: taint {} {}", node.nodeName(), spec, wanted ? "added" : "removed");
        }
        taintApplied = wanted;
      }
    }
  }

  private boolean attempt(String operation, Runnable write) {
    try {
      write.run();
      if (failing.remove(operation)) {
        LOG.info("node {}: {} written again", node.nodeName(), operation);
      }
      return true;
    } catch (RuntimeException e) {
      metrics.nodeUpdateFailed(operation);
      if (failing.add(operation)) {
        LOG.warn(
            "node {}: cannot write the accelerator health {} ({}); retrying at each evaluation",
            node.nodeName(),
            operation,
            e.getMessage());
      }
      return false;
    }
  }
}
