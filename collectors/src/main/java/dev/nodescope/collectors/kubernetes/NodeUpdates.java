package dev.nodescope.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes to this agent's own Node: one condition on its status ({@code nodes/status} patch), one
 * taint on its spec ({@code nodes} patch) and Events about it ({@code events} create in namespace
 * default, where the kubelet writes the Node's events too). Every call is a request to the API
 * server and throws {@link KubernetesClientException} when it fails; callers retry later.
 */
public final class NodeUpdates {
  /**
   * Node events live in the default namespace, as those of the kubelet and node-problem-detector.
   */
  static final String EVENT_NAMESPACE = "default";

  private final KubernetesClient client;
  private final String nodeName;
  private final String component;

  public NodeUpdates(KubernetesClient client, String nodeName, String component) {
    this.client = client;
    this.nodeName = nodeName;
    this.component = component;
  }

  /** A condition as it should read: type, True or False, a CamelCase reason and a message. */
  public record Condition(String type, boolean status, String reason, String message) {}

  /**
   * Sets the condition of that type, leaving the others alone; lastTransitionTime moves only when
   * the status changes, lastHeartbeatTime on every call. A missing Node is an exception.
   */
  public void setCondition(Condition wanted, Instant now) {
    String status = wanted.status() ? "True" : "False";
    client
        .nodes()
        .withName(nodeName)
        .editStatus(
            node -> {
              List<NodeCondition> conditions =
                  new ArrayList<>(
                      node.getStatus() == null || node.getStatus().getConditions() == null
                          ? List.of()
                          : node.getStatus().getConditions());
              NodeCondition existing =
                  conditions.stream()
                      .filter(c -> wanted.type().equals(c.getType()))
                      .findFirst()
                      .orElse(null);
              String transition =
                  existing != null && status.equals(existing.getStatus())
                      ? existing.getLastTransitionTime()
                      : now.toString();
              NodeCondition condition =
                  new NodeConditionBuilder()
                      .withType(wanted.type())
                      .withStatus(status)
                      .withReason(wanted.reason())
                      .withMessage(wanted.message())
                      .withLastHeartbeatTime(now.toString())
                      .withLastTransitionTime(transition)
                      .build();
              if (existing == null) {
                conditions.add(condition);
              } else {
                conditions.set(conditions.indexOf(existing), condition);
              }
              Node edited = new NodeBuilder(node).build();
              if (edited.getStatus() == null) {
                edited.setStatus(new NodeStatus());
              }
              edited.getStatus().setConditions(conditions);
              return edited;
            });
  }

  /**
   * Adds the taint (key and effect identify it) when {@code present}, removes it otherwise; no
   * request when the Node already reads as wanted.
   */
  public void setTaint(String key, String value, String effect, boolean present, Instant now) {
    Node node = client.nodes().withName(nodeName).get();
    if (node == null) {
      throw new KubernetesClientException("node " + nodeName + " not found");
    }
    List<Taint> taints =
        node.getSpec() == null || node.getSpec().getTaints() == null
            ? List.of()
            : node.getSpec().getTaints();
    boolean has = taints.stream().anyMatch(t -> sameTaint(t, key, effect));
    if (has == present) {
      return;
    }
    client
        .nodes()
        .withName(nodeName)
        .edit(
            current -> {
              Node edited = new NodeBuilder(current).build();
              if (edited.getSpec() == null) {
                edited.setSpec(new NodeSpec());
              }
              List<Taint> kept = new ArrayList<>();
              if (edited.getSpec().getTaints() != null) {
                edited.getSpec().getTaints().stream()
                    .filter(t -> !sameTaint(t, key, effect))
                    .forEach(kept::add);
              }
              if (present) {
                kept.add(
                    new TaintBuilder()
                        .withKey(key)
                        .withValue(value)
                        .withEffect(effect)
                        .withTimeAdded("NoExecute".equals(effect) ? now.toString() : null)
                        .build());
              }
              edited.getSpec().setTaints(kept);
              return edited;
            });
  }

  private static boolean sameTaint(Taint taint, String key, String effect) {
    return key.equals(taint.getKey()) && effect.equals(taint.getEffect());
  }

  /** Records an Event about this Node: Normal or Warning, with a CamelCase reason. */
  public void recordEvent(String reason, String message, boolean warning, Instant now) {
    Node node = client.nodes().withName(nodeName).get();
    String uid = node == null ? null : node.getMetadata().getUid();
    client
        .v1()
        .events()
        .inNamespace(EVENT_NAMESPACE)
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName(
                    nodeName
                        + "."
                        + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano()))
                .withNamespace(EVENT_NAMESPACE)
                .endMetadata()
                .withInvolvedObject(
                    new ObjectReferenceBuilder()
                        .withKind("Node")
                        .withApiVersion("v1")
                        .withName(nodeName)
                        .withUid(uid)
                        .build())
                .withReason(reason)
                .withMessage(message)
                .withType(warning ? "Warning" : "Normal")
                .withCount(1)
                .withFirstTimestamp(now.toString())
                .withLastTimestamp(now.toString())
                .withNewSource()
                .withComponent(component)
                .withHost(nodeName)
                .endSource()
                .withReportingComponent(component)
                .withReportingInstance(nodeName)
                .build())
        .create();
  }

  public String nodeName() {
    return nodeName;
  }
}
