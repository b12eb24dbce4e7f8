package dev.nodescope.collectors.neuron;

import static dev.nodescope.collectors.testing.FakeKubelet.devices;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.podresources.KubeletPodResources;
import dev.nodescope.collectors.podresources.v1.PodResourcesApi;
import dev.nodescope.collectors.testing.FakeKubelet;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole road of pod attribution: a real kubelet PodResources gRPC server on a unix socket, the
 * real client, the collector reading the shared neuron-monitor sample from a reports file, and the
 * labels on its series.
 */
class NeuronPodAttributionTest {
  @TempDir Path dir;

  @Test
  void seriesOfAssignedCoresAndDevicesNameTheirPods() throws Exception {
    PodResourcesApi.ListPodResourcesResponse response =
        PodResourcesApi.ListPodResourcesResponse.newBuilder()
            .addPodResources(
                PodResourcesApi.PodResources.newBuilder()
                    .setName("t5-0")
                    .setNamespace("ml")
                    .addContainers(
                        PodResourcesApi.ContainerResources.newBuilder()
                            .setName("main")
                            .addDevices(devices("aws.amazon.com/neuroncore", "31"))))
            .addPodResources(
                PodResourcesApi.PodResources.newBuilder()
                    .setName("llama-0")
                    .setNamespace("serving")
                    .addContainers(
                        PodResourcesApi.ContainerResources.newBuilder()
                            .setName("server")
                            .addDevices(devices("aws.amazon.com/neurondevice", "3"))))
            .build();
    Path reports = dir.resolve("reports.jsonl");
    Files.writeString(reports, sampleOnOneLine() + "\n");
    Path socket = dir.resolve("kubelet.sock");

    try (FakeKubelet kubelet = new FakeKubelet(socket, response);
        PodResources podResources = KubeletPodResources.open(socket);
        NeuronCollector collector =
            new NeuronCollector(ReportSource.file(reports), podResources, Duration.ofMinutes(1))) {
      for (int i = 0; i < 100 && collector.reports() < 1; i++) {
        Thread.sleep(50);
      }
      SnapshotBuilder out = new SnapshotBuilder("neuron", NeuronMetrics.ALL);
      collector.collect(out);
      Snapshot snapshot = out.build(Clock.systemUTC());

      assertThat(kubelet.listCalls()).isPositive();
      // The sample reports 31 % on core 31: the ratio, on the pod the kubelet gave that core.
      assertThat(labelsAndValue(snapshot, NeuronMetrics.CORE_UTILIZATION, "588", "31"))
          .containsEntry("pod", "t5-0")
          .containsEntry("namespace", "ml")
          .containsEntry("container", "main")
          .containsEntry("value", "0.31");
      // Device 3 holds cores 6 and 7 (two cores per device on trn1): both belong to the device's
      // pod.
      assertThat(labelsAndValue(snapshot, NeuronMetrics.CORE_UTILIZATION, "535", "7"))
          .containsEntry("pod", "llama-0")
          .containsEntry("namespace", "serving")
          .containsEntry("container", "server");
      assertThat(labelsAndValue(snapshot, NeuronMetrics.CORE_UTILIZATION, "535", "0"))
          .containsEntry("pod", "")
          .containsEntry("namespace", "");
    }
  }

  private static String sampleOnOneLine() throws Exception {
    try (InputStream in =
        NeuronPodAttributionTest.class.getResourceAsStream("/neuron/sample.json")) {
      // The sample is pretty-printed; no string in it holds a newline, so joining its lines keeps
      // it valid JSON.
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\n", "");
    }
  }

  /** The labels of the one series of that runtime and core, plus its value under "value". */
  private static Map<String, String> labelsAndValue(
      Snapshot snapshot, MetricDescriptor descriptor, String runtimeTag, String core) {
    List<String> names = descriptor.labelNames();
    int runtimeIndex = names.indexOf("runtime_tag");
    int coreIndex = names.indexOf("neuroncore");
    List<Sample> matches =
        snapshot.family(descriptor).samples().stream()
            .filter(
                sample ->
                    sample.labelValues().get(runtimeIndex).equals(runtimeTag)
                        && sample.labelValues().get(coreIndex).equals(core))
            .toList();
    assertThat(matches)
        .as("%s{runtime_tag=%s,neuroncore=%s}", descriptor.name(), runtimeTag, core)
        .hasSize(1);
    Sample sample = matches.get(0);
    Map<String, String> labels =
        IntStream.range(0, names.size())
            .boxed()
            .collect(Collectors.toMap(names::get, i -> sample.labelValues().get(i)));
    labels.put("value", Double.toString(sample.value()));
    return labels;
  }
}
