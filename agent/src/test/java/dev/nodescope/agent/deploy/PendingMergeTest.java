package dev.nodescope.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.Flag;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The temporary allow-list of deploy/pending-merge.txt only holds names the agent does not have yet. */
class PendingMergeTest {
  @Test
  void pendingMetricsAreNotDeclaredYet() {
    Set<String> landed = new TreeSet<>(ExportedNames.pending("metric"));
    landed.retainAll(ExportedNames.declaredMetrics());
    assertThat(landed).as("metrics now exported by the agent: remove them from "
        + "agent/src/test/resources/deploy/pending-merge.txt").isEmpty();
  }

  @Test
  void pendingFlagsAreNotDeclaredYet() {
    Set<String> landed = new TreeSet<>(ExportedNames.pending("flag"));
    landed.retainAll(ExportedNames.declaredFlags().stream().map(Flag::name).toList());
    assertThat(landed).as("flags now accepted by the agent: remove them from "
        + "agent/src/test/resources/deploy/pending-merge.txt").isEmpty();
  }
}
