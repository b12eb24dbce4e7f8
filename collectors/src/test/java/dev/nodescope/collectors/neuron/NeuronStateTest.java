package dev.nodescope.collectors.neuron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NeuronStateTest {
  private static final List<String> INSTANCE =
      List.of(
          "DummyNodeName",
          "i-09db9b55e0095612f",
          "trn1n.32xlarge",
          "us-east-1c",
          "us-east-1",
          "subnet-06a7754948e8a000f",
          "u-cafb07773a569a23");

  private static byte[] sample() throws IOException {
    try (InputStream in = NeuronStateTest.class.getResourceAsStream("/neuron/sample.json")) {
      return in.readAllBytes();
    }
  }

  private static Snapshot snapshot(NeuronState state) {
    SnapshotBuilder out = new SnapshotBuilder("neuron", NeuronMetrics.ALL);
    state.writeTo(out);
    return out.build(Clock.systemUTC());
  }

  private static Double value(
      Snapshot snapshot, MetricDescriptor descriptor, String... extraLabels) {
    List<String> labels = new ArrayList<>(INSTANCE);
    labels.addAll(List.of(extraLabels));
    var family = snapshot.families().get(descriptor.name());
    if (family == null) {
      return null;
    }
    return family.samples().stream()
        .filter(s -> s.labelValues().equals(labels))
        .map(Sample::value)
        .findFirst()
        .orElse(null);
  }

  @Test
  void sampleMapsToNeuronMonitorPrometheusValues() throws IOException {
    NeuronState state = new NeuronState();
    List<String> problems = state.apply(NeuronReportDecoder.decode(sample()), NeuronOwners.NONE);
    // Every one of the 32 runtimes reports its vCPU group with an error: skipped and reported, the
    // rest kept.
    assertThat(problems)
        .hasSize(32)
        .allMatch(p -> p.startsWith("neuron_runtime_vcpu_usage: open /proc/"));
    Snapshot s = snapshot(state);
    assertThat(value(s, NeuronMetrics.CORE_UTILIZATION, "538", "1", "", "", "")).isEqualTo(0.01);
    assertThat(value(s, NeuronMetrics.CORE_UTILIZATION, "588", "31", "", "", "")).isEqualTo(0.31);
    assertThat(value(s, NeuronMetrics.RUNTIME_VCPU, "535", "user")).isNull();
    assertThat(value(s, NeuronMetrics.RUNTIME_MEMORY, "535", "neuron_device"))
        .isEqualTo(9534166027.0);
    assertThat(value(s, NeuronMetrics.RUNTIME_MEMORY, "535", "host")).isEqualTo(7191684.0);
    assertThat(value(s, NeuronMetrics.CORE_MEMORY.get("constants"), "535", "0", "", "", ""))
        .isEqualTo(1007473416.0);
    assertThat(value(s, NeuronMetrics.CORE_MEMORY.get("tensors"), "538", "1", "", "", ""))
        .isEqualTo(6685773571.0);
    assertThat(value(s, NeuronMetrics.EXECUTION_STATUS, "535", "completed")).isEqualTo(0.0);
    assertThat(value(s, NeuronMetrics.EXECUTION_LATENCY, "535", "p50")).isNull();
    assertThat(value(s, NeuronMetrics.ECC_EVENTS, "mem_ecc_corrected", "3", "", "", ""))
        .isEqualTo(2.0);
    assertThat(value(s, NeuronMetrics.ECC_EVENTS, "sram_ecc_uncorrected", "14", "", "", ""))
        .isEqualTo(1.0);
    assertThat(value(s, NeuronMetrics.SYSTEM_VCPU_COUNT)).isEqualTo(2.0);
    assertThat(value(s, NeuronMetrics.SYSTEM_VCPU_USAGE, "user")).isEqualTo(0.1966);
    assertThat(value(s, NeuronMetrics.SYSTEM_VCPU_USAGE, "system")).isEqualTo(0.0167);
    assertThat(value(s, NeuronMetrics.SYSTEM_MEMORY_TOTAL)).isEqualTo(532523487232.0);
    assertThat(value(s, NeuronMetrics.INSTANCE_INFO)).isEqualTo(1.0);
    assertThat(value(s, NeuronMetrics.HARDWARE_INFO, "16", "2")).isEqualTo(1.0);
  }

  @Test
  void coresAndDevicesCarryTheirPods() throws IOException {
    NeuronOwners owners =
        NeuronOwners.from(
            List.of(
                new PodResources.ContainerDevices(
                    "ml", "bert-0", "server", "aws.amazon.com/neuroncore", List.of("1")),
                new PodResources.ContainerDevices(
                    "ml", "llama-0", "main", "aws.amazon.com/neurondevice", List.of("3")),
                new PodResources.ContainerDevices(
                    "ml", "t5-0", "main", "aws.amazon.com/neuron", List.of("15")),
                new PodResources.ContainerDevices(
                    "ml", "other", "gpu", "nvidia.com/gpu", List.of("0"))));
    NeuronState state = new NeuronState();
    state.apply(NeuronReportDecoder.decode(sample()), owners);
    Snapshot s = snapshot(state);
    assertThat(value(s, NeuronMetrics.CORE_UTILIZATION, "538", "1", "bert-0", "ml", "server"))
        .isEqualTo(0.01);
    assertThat(value(s, NeuronMetrics.CORE_UTILIZATION, "588", "31", "t5-0", "ml", "main"))
        .isEqualTo(0.31);
    // 2 cores per device: cores 6 and 7 are on device 3.
    assertThat(value(s, NeuronMetrics.CORE_UTILIZATION, "535", "7", "llama-0", "ml", "main"))
        .isEqualTo(0.0);
    assertThat(value(s, NeuronMetrics.CORE_UTILIZATION, "535", "0", "", "", "")).isEqualTo(0.0);
    assertThat(
            value(s, NeuronMetrics.ECC_EVENTS, "mem_ecc_corrected", "3", "llama-0", "ml", "main"))
        .isEqualTo(2.0);
    assertThat(
            value(s, NeuronMetrics.ECC_EVENTS, "mem_ecc_uncorrected", "15", "t5-0", "ml", "main"))
        .isEqualTo(1.0);
    // Device 0 holds core 1 (bert-0) and core 0 (nobody): not one owner, so no pod.
    assertThat(value(s, NeuronMetrics.ECC_EVENTS, "mem_ecc_corrected", "0", "", "", ""))
        .isEqualTo(1.0);
  }

  @Test
  void countersSumEveryReportAndSurviveRuntimesLeaving() throws IOException {
    NeuronState state = new NeuronState();
    String withRuntime =
        """
        {"neuron_runtime_data":[{"neuron_runtime_tag":"7","error":"","report":{"execution_stats":{"error":"",
         "error_summary":{"generic":2,"hardware":1},"execution_summary":{"completed":40,"timed_out":1},
         "latency_stats":{"total_latency":{"p0":0.001,"p50":0.004,"p100":0.02},"device_latency":null}}}}],
         "system_data":{"neuron_hw_counters":{"error":"","neuron_devices":[{"neuron_device_index":1,"mem_ecc_corrected":3}]}},
         "instance_info":%s}"""
            .formatted(instanceJson());
    state.apply(
        NeuronReportDecoder.decode(withRuntime.getBytes(StandardCharsets.UTF_8)),
        NeuronOwners.NONE);
    state.apply(
        NeuronReportDecoder.decode(withRuntime.getBytes(StandardCharsets.UTF_8)),
        NeuronOwners.NONE);
    String runtimeGone =
        """
        {"neuron_runtime_data":[],"system_data":{"neuron_hw_counters":{"error":"boom","neuron_devices":[]}},
         "instance_info":%s}"""
            .formatted(instanceJson());
    List<String> problems =
        state.apply(
            NeuronReportDecoder.decode(runtimeGone.getBytes(StandardCharsets.UTF_8)),
            NeuronOwners.NONE);
    assertThat(problems).containsExactly("neuron_hw_counters: boom");
    Snapshot s = snapshot(state);
    assertThat(value(s, NeuronMetrics.EXECUTION_ERRORS, "7", "generic")).isEqualTo(4.0);
    assertThat(value(s, NeuronMetrics.EXECUTION_ERRORS, "7", "hardware")).isEqualTo(2.0);
    assertThat(value(s, NeuronMetrics.EXECUTION_STATUS, "7", "completed")).isEqualTo(80.0);
    assertThat(value(s, NeuronMetrics.EXECUTION_STATUS, "7", "timed_out")).isEqualTo(2.0);
    assertThat(value(s, NeuronMetrics.ECC_EVENTS, "mem_ecc_corrected", "1", "", "", ""))
        .isEqualTo(6.0);
    // Gauges follow the latest report: the runtime is gone, so is its latency.
    assertThat(value(s, NeuronMetrics.EXECUTION_LATENCY, "7", "p50")).isNull();
  }

  @Test
  void latencyPercentilesAreSeconds() throws IOException {
    NeuronState state = new NeuronState();
    state.apply(
        NeuronReportDecoder.decode(
            """
        {"neuron_runtime_data":[{"neuron_runtime_tag":"7","error":"","report":{"execution_stats":{"error":"",
         "latency_stats":{"total_latency":{"p0":0.001,"p50":0.004,"p99":null,"p100":0.02}}}}}],"instance_info":%s}
        """
                .formatted(instanceJson())
                .getBytes(StandardCharsets.UTF_8)),
        NeuronOwners.NONE);
    Snapshot s = snapshot(state);
    assertThat(value(s, NeuronMetrics.EXECUTION_LATENCY, "7", "p0")).isEqualTo(0.001);
    assertThat(value(s, NeuronMetrics.EXECUTION_LATENCY, "7", "p50")).isEqualTo(0.004);
    assertThat(value(s, NeuronMetrics.EXECUTION_LATENCY, "7", "p99")).isNull();
    assertThat(value(s, NeuronMetrics.EXECUTION_LATENCY, "7", "p100")).isEqualTo(0.02);
  }

  @Test
  void malformedAndTruncatedLinesAreRejected() {
    assertThatThrownBy(() -> NeuronReportDecoder.decode("{\"a\":".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(
            () -> NeuronReportDecoder.decode("not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> NeuronReportDecoder.decode("[1]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> NeuronReportDecoder.decode("{} {}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void unknownFieldsAreIgnored() throws IOException {
    Map<String, Object> report =
        NeuronReportDecoder.decode(
            ("{\"new_thing\":{\"x\":[1,2]},\"instance_info\":" + instanceJson() + "}")
                .getBytes(StandardCharsets.UTF_8));
    NeuronState state = new NeuronState();
    assertThat(state.apply(report, NeuronOwners.NONE)).isEmpty();
    assertThat(value(snapshot(state), NeuronMetrics.INSTANCE_INFO)).isEqualTo(1.0);
  }

  private static String instanceJson() {
    return """
        {"instance_name":"DummyNodeName","instance_id":"i-09db9b55e0095612f","instance_type":"trn1n.32xlarge",
         "instance_availability_zone":"us-east-1c","instance_region":"us-east-1",
         "subnet_id":"subnet-06a7754948e8a000f","ultraserver_id":"u-cafb07773a569a23","error":""}""";
  }
}
