package dev.nodescope.agent.health;

import dev.nodescope.agent.cli.SafeYaml;
import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.collectors.core.Flag;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each cause of trouble does to an accelerator: per XID and per named cause, an action (fatal,
 * degraded or ignore), how many events within which window trip it, and how long the device must
 * then stay free of that cause before it counts as healthy again. Loaded from {@code
 * --health.policy-file}, or else the shipped default (NVIDIA's XID catalogue).
 */
public record HealthPolicy(Duration recovery, Map<String, Rule> rules, Rule otherXids) {
  /** Named causes besides XIDs; their rules are all required, so none is left out by accident. */
  static final List<String> CAUSES =
      List.of(
          Causes.GPU_LOST,
          Causes.ECC_UNCORRECTABLE,
          Causes.ROW_REMAP_FAILURE,
          Causes.ROW_REMAP_PENDING,
          Causes.NEURON_MEM_ECC_UNCORRECTED,
          Causes.NEURON_SRAM_ECC_UNCORRECTED,
          Causes.NEURON_MEM_ECC_CORRECTED,
          Causes.NEURON_SRAM_ECC_CORRECTED);

  private static final List<String> TOP_KEYS = List.of("recovery", "xid", "causes");
  private static final List<String> RULE_KEYS = List.of("action", "count", "window", "recovery");

  public enum Action {
    IGNORE,
    DEGRADED,
    FATAL
  }

  /**
   * One cause's rule: {@code count} events within {@code window} trip it; it holds until none has
   * come for {@code recovery}.
   */
  public record Rule(Action action, int count, Duration window, Duration recovery) {}

  public HealthPolicy {
    rules = Map.copyOf(rules);
  }

  /** The rule of a cause ({@code xid_<code>} or one of {@link #CAUSES}). */
  public Rule rule(String cause) {
    Rule rule = rules.get(cause);
    return rule != null ? rule : otherXids;
  }

  /**
   * The shipped policy: what {@code default-policy.yaml} beside this class says, with each rule's
   * reason, as Java values, so that a start without {@code --health.policy-file} reads no YAML.
   * HealthPolicyTest fails while the two differ.
   */
  public static HealthPolicy defaults() {
    Duration recovery = Duration.ofMinutes(10);
    Rule fatal = new Rule(Action.FATAL, 1, Duration.ZERO, recovery);
    Rule fatalFor30m = new Rule(Action.FATAL, 1, Duration.ZERO, Duration.ofMinutes(30));
    Rule degraded = new Rule(Action.DEGRADED, 1, Duration.ZERO, recovery);
    Rule degradedAfter3In10m = new Rule(Action.DEGRADED, 3, Duration.ofMinutes(10), recovery);
    Rule ignore = new Rule(Action.IGNORE, 1, Duration.ZERO, recovery);
    Map<String, Rule> rules = new LinkedHashMap<>();
    for (long xid : new long[] {48, 62, 64, 74, 79, 95, 119, 120, 140, 143, 154}) {
      rules.put(Causes.xid(xid), fatalFor30m);
    }
    for (long xid : new long[] {63, 92, 94}) {
      rules.put(Causes.xid(xid), degraded);
    }
    for (long xid : new long[] {61, 109, 13, 31, 32, 43}) {
      rules.put(Causes.xid(xid), degradedAfter3In10m);
    }
    rules.put(Causes.GPU_LOST, fatal);
    rules.put(Causes.ECC_UNCORRECTABLE, fatal);
    rules.put(Causes.ROW_REMAP_FAILURE, fatal);
    rules.put(Causes.ROW_REMAP_PENDING, degraded);
    rules.put(Causes.NEURON_MEM_ECC_UNCORRECTED, fatal);
    rules.put(Causes.NEURON_SRAM_ECC_UNCORRECTED, fatal);
    rules.put(Causes.NEURON_MEM_ECC_CORRECTED, ignore);
    rules.put(Causes.NEURON_SRAM_ECC_CORRECTED, ignore);
    return new HealthPolicy(recovery, rules, ignore);
  }

  /** The policy of {@code --health.policy-file}; any problem is a usage error (exit 2). */
  public static HealthPolicy load(Path file) throws UsageException {
    Object document;
    try (InputStream in = Files.newInputStream(file)) {
      document = SafeYaml.load(in);
    } catch (IOException e) {
      throw new UsageException("cannot read --health.policy-file " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new UsageException(
          "--health.policy-file "
              + file
              + " is not valid YAML: "
              + e.getMessage().lines().findFirst().orElse(""));
    }
    try {
      return parse(document);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--health.policy-file " + file + ": " + e.getMessage());
    }
  }

  static HealthPolicy parse(Object document) {
    if (!(document instanceof Map<?, ?> root)) {
      throw new IllegalArgumentException("expected a mapping with recovery, xid and causes");
    }
    unknownKeys("the policy", root, TOP_KEYS);
    Duration recovery = duration("recovery", root.get("recovery"));
    if (recovery == null || recovery.isZero()) {
      throw new IllegalArgumentException("recovery must be a positive duration such as 10m");
    }
    Map<String, Rule> rules = new LinkedHashMap<>();
    Rule otherXids = new Rule(Action.IGNORE, 1, Duration.ZERO, recovery);
    if (!(root.get("xid") instanceof Map<?, ?> xids)) {
      throw new IllegalArgumentException("xid must be a mapping of XID codes (or other) to rules");
    }
    for (Map.Entry<?, ?> entry : xids.entrySet()) {
      String key = String.valueOf(entry.getKey());
      if ("other".equals(key)) {
        otherXids = rule("xid other", entry.getValue(), recovery);
      } else if (key.matches("\\d{1,4}")) {
        rules.put(Causes.xid(Long.parseLong(key)), rule("xid " + key, entry.getValue(), recovery));
      } else {
        throw new IllegalArgumentException("xid key '" + key + "' is neither a code nor other");
      }
    }
    if (!(root.get("causes") instanceof Map<?, ?> causes)) {
      throw new IllegalArgumentException("causes must be a mapping of " + CAUSES + " to rules");
    }
    for (Map.Entry<?, ?> entry : causes.entrySet()) {
      String key = String.valueOf(entry.getKey());
      if (!CAUSES.contains(key)) {
        throw new IllegalArgumentException("unknown cause '" + key + "' (known: " + CAUSES + ")");
      }
      rules.put(key, rule(key, entry.getValue(), recovery));
    }
    for (String cause : CAUSES) {
      if (!rules.containsKey(cause)) {
        throw new IllegalArgumentException("causes has no rule for " + cause);
      }
    }
    return new HealthPolicy(recovery, rules, otherXids);
  }

  /** A rule: an action alone ({@code fatal}) or a mapping with action, count, window, recovery. */
  private static Rule rule(String name, Object value, Duration defaultRecovery) {
    Map<?, ?> fields = value instanceof Map<?, ?> map ? map : Map.of("action", value);
    unknownKeys("the rule of " + name, fields, RULE_KEYS);
    Action action = action(name, fields.get("action"));
    int count = 1;
    if (fields.get("count") != null) {
      if (!(fields.get("count") instanceof Integer number) || number < 1) {
        throw new IllegalArgumentException(
            "count of " + name + " must be a positive integer: " + fields.get("count"));
      }
      count = number;
    }
    Duration window = duration("window of " + name, fields.get("window"));
    if (count > 1 && (window == null || window.isZero())) {
      throw new IllegalArgumentException(
          name + " counts " + count + " events and needs a positive window");
    }
    Duration recovery = duration("recovery of " + name, fields.get("recovery"));
    if (recovery != null && recovery.isZero()) {
      throw new IllegalArgumentException("recovery of " + name + " must be positive");
    }
    return new Rule(
        action,
        count,
        window == null ? Duration.ZERO : window,
        recovery == null ? defaultRecovery : recovery);
  }

  private static Action action(String name, Object value) {
    if (value instanceof String text) {
      for (Action action : Action.values()) {
        if (action.name().toLowerCase(Locale.ROOT).equals(text)) {
          return action;
        }
      }
    }
    throw new IllegalArgumentException(
        "action of " + name + " must be fatal, degraded or ignore: " + value);
  }

  private static Duration duration(String name, Object value) {
    if (value == null) {
      return null;
    }
    try {
      return Flag.parseDuration(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " '" + value + "' " + e.getMessage());
    }
  }

  private static void unknownKeys(String where, Map<?, ?> map, List<String> allowed) {
    for (Object key : map.keySet()) {
      if (!allowed.contains(String.valueOf(key))) {
        throw new IllegalArgumentException(
            "unknown key '" + key + "' in " + where + " (allowed: " + allowed + ")");
      }
    }
  }
}
