package dev.nodescope.collectors.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricDescriptorTest {
  @Test
  void acceptsWellFormedDescriptors() {
    MetricDescriptor counter =
        MetricDescriptor.counter("nodescope_x_total", "Help.", "device", "mode");

    assertThat(counter.type()).isEqualTo(MetricType.COUNTER);
    assertThat(counter.labelNames()).containsExactly("device", "mode");
    assertThat(MetricDescriptor.info("nodescope_x_info", "Help.", "version").type())
        .isEqualTo(MetricType.INFO);
  }

  @Test
  void rejectsNamesThatPrometheusWouldRejectOrRewrite() {
    assertThatThrownBy(() -> MetricDescriptor.gauge("1abc", "Help."))
        .hasMessage("invalid metric name: 1abc");
    assertThatThrownBy(() -> MetricDescriptor.gauge("a-b", "Help."))
        .hasMessage("invalid metric name: a-b");
    assertThatThrownBy(() -> MetricDescriptor.counter("nodescope_bytes", "Help."))
        .hasMessage("counter name must end in _total: nodescope_bytes");
    assertThatThrownBy(() -> MetricDescriptor.info("nodescope_build", "Help."))
        .hasMessage("info metric name must end in _info: nodescope_build");
    assertThatThrownBy(() -> MetricDescriptor.gauge("nodescope_bytes_total", "Help."))
        .hasMessage("gauge name must not end in _total or _info: nodescope_bytes_total");
    assertThatThrownBy(() -> MetricDescriptor.gauge("nodescope_pod_info", "Help."))
        .hasMessage("gauge name must not end in _total or _info: nodescope_pod_info");
    assertThatThrownBy(() -> MetricDescriptor.gauge("_hidden", "Help."))
        .as("OTel names start with a letter")
        .hasMessage("invalid metric name: _hidden");
    assertThatThrownBy(() -> MetricDescriptor.gauge("a" + "b".repeat(255), "Help."))
        .hasMessageStartingWith("invalid metric name");
  }

  @Test
  void rejectsBadLabelsAndMissingHelp() {
    assertThatThrownBy(() -> MetricDescriptor.gauge("x", "Help.", "__name__"))
        .hasMessageContaining("__name__");
    assertThatThrownBy(() -> MetricDescriptor.gauge("x", "Help.", "a.b"))
        .hasMessageContaining("a.b");
    assertThatThrownBy(() -> MetricDescriptor.gauge("x", " ")).hasMessage("missing help for x");
    assertThatThrownBy(() -> new MetricDescriptor("x", MetricType.GAUGE, null, List.of()))
        .hasMessage("missing help for x");
  }
}
