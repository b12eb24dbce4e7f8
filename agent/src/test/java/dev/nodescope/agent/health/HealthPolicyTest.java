package dev.nodescope.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.agent.health.HealthPolicy.Action;
import dev.nodescope.agent.health.HealthPolicy.Rule;
import java.io.InputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The shipped policy reads as documented; a policy's rules and its mistakes. */
class HealthPolicyTest {
  @Test
  void theDefaultPolicyFollowsTheXidCatalogue() {
    HealthPolicy policy = HealthPolicy.defaults();
    assertThat(policy.recovery()).isEqualTo(Duration.ofMinutes(10));
    for (long fatal : new long[] {48, 64, 74, 79, 95, 119, 120}) {
      assertThat(policy.rule("xid_" + fatal).action()).as("XID %d", fatal).isEqualTo(Action.FATAL);
      assertThat(policy.rule("xid_" + fatal).recovery()).isEqualTo(Duration.ofMinutes(30));
    }
    for (long degraded : new long[] {63, 92, 94}) {
      assertThat(policy.rule("xid_" + degraded).action()).isEqualTo(Action.DEGRADED);
    }
    assertThat(policy.rule("xid_13"))
        .isEqualTo(new Rule(Action.DEGRADED, 3, Duration.ofMinutes(10), Duration.ofMinutes(10)));
    assertThat(policy.rule("xid_31").count()).isEqualTo(3);
    assertThat(policy.rule("xid_43").count()).isEqualTo(3);
    assertThat(policy.rule("xid_45").action()).as("other").isEqualTo(Action.IGNORE);
    assertThat(policy.rule("gpu_lost").action()).isEqualTo(Action.FATAL);
    assertThat(policy.rule("row_remap_pending").action()).isEqualTo(Action.DEGRADED);
    assertThat(policy.rule("neuron_mem_ecc_corrected").action()).isEqualTo(Action.IGNORE);
  }

  @Test
  void theDefaultPolicyIsWhatTheShippedYamlSays() throws Exception {
    try (InputStream in = HealthPolicy.class.getResourceAsStream("default-policy.yaml")) {
      assertThat(in).as("default-policy.yaml beside HealthPolicy").isNotNull();
      assertThat(HealthPolicy.defaults()).isEqualTo(HealthPolicy.parse(new Yaml().load(in)));
    }
  }

  @Test
  void rulesTakeTheirOwnRecoveryOrThePolicys() {
    HealthPolicy policy =
        parse(
            """
            recovery: 15m
            xid:
              13: {action: fatal, count: 2, window: 1m, recovery: 1h}
              other: degraded
            causes: {gpu_lost: fatal, ecc_uncorrectable: fatal, row_remap_failure: fatal,
              row_remap_pending: ignore, neuron_mem_ecc_uncorrected: fatal, neuron_sram_ecc_uncorrected: fatal,
              neuron_mem_ecc_corrected: ignore, neuron_sram_ecc_corrected: ignore}
            """);
    assertThat(policy.rule("xid_13"))
        .isEqualTo(new Rule(Action.FATAL, 2, Duration.ofMinutes(1), Duration.ofHours(1)));
    assertThat(policy.rule("xid_31"))
        .isEqualTo(new Rule(Action.DEGRADED, 1, Duration.ZERO, Duration.ofMinutes(15)));
    assertThat(policy.rule("row_remap_pending").action()).isEqualTo(Action.IGNORE);
  }

  @Test
  void mistakesAreNamed() {
    assertThatThrownBy(() -> parse("recovery: 10m\nxid: {}\ncauses: {gpu_lost: fatal}\n"))
        .hasMessage("causes has no rule for ecc_uncorrectable");
    assertThatThrownBy(() -> parse("recovery: 10m\nxid: {}\ncauses: {gpu_gone: fatal}\n"))
        .hasMessageStartingWith("unknown cause 'gpu_gone'");
    assertThatThrownBy(() -> parse("recovery: soon\nxid: {}\ncauses: {}\n"))
        .hasMessage("recovery 'soon' must be a duration such as 500ms, 10s, 1m or 1h");
    assertThatThrownBy(() -> parse("recovery: 10m\nxid: {13: {action: fatal, times: 3}}\n"))
        .hasMessage(
            "unknown key 'times' in the rule of xid 13 (allowed: [action, count, window, recovery])");
    assertThatThrownBy(() -> parse("recovery: 10m\nxid: {13: {action: degraded, count: 0}}\n"))
        .hasMessage("count of xid 13 must be a positive integer: 0");
  }

  private static HealthPolicy parse(String yaml) {
    return HealthPolicy.parse(new Yaml().load(yaml));
  }
}
