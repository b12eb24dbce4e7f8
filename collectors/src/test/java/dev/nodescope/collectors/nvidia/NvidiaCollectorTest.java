package dev.nodescope.collectors.nvidia;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricType;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.podresources.PodResources;
import dev.nodescope.collectors.podresources.PodResources.ContainerDevices;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NvidiaCollectorTest {
  private final FakeNvml nvml = new FakeNvml();
  private PodResources podResources = PodResources.NONE;

  private SnapshotBuilder collect() throws Exception {
    SnapshotBuilder out = new SnapshotBuilder("nvidia", NvidiaCollector.descriptors());
    new NvidiaCollector(nvml, "node-a", podResources).collect(out);
    return out;
  }

  private static List<Sample> samples(Snapshot snapshot, String name) {
    return snapshot.families().get(name) == null ? List.of() : snapshot.families().get(name).samples();
  }

  @Test
  void exposesDcgmNamesLabelsAndUnits() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "NVIDIA H100 80GB HBM3", 1000);
    nvml.values.get(0).put(GpuReading.POWER_USAGE_MILLIWATTS, 312_500L);
    nvml.values.get(0).put(GpuReading.FB_USED_BYTES, 3L << 30);
    Snapshot snapshot = collect().build(Clock.systemUTC());

    List<String> labels =
        List.of("0", "GPU-aaaa", "00000000:18:00.0", "nvidia0", "NVIDIA H100 80GB HBM3", "node-a", "580.95.05",
            "", "", "");
    assertThat(samples(snapshot, "DCGM_FI_DEV_POWER_USAGE")).containsExactly(new Sample(labels, 312.5));
    assertThat(samples(snapshot, "DCGM_FI_DEV_FB_USED")).containsExactly(new Sample(labels, 3072));
    assertThat(samples(snapshot, "DCGM_FI_DEV_SM_CLOCK"))
        .containsExactly(new Sample(labels, 1000 + GpuReading.SM_CLOCK.ordinal()));
    assertThat(NvidiaCollector.descriptors()).extracting(MetricDescriptor::type).containsOnly(MetricType.GAUGE);
    assertThat(NvidiaCollector.GPU_DESCRIPTORS.get(GpuReading.SM_CLOCK).labelNames())
        .containsExactly("gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname", "DCGM_FI_DRIVER_VERSION",
            "pod", "namespace", "container");
  }

  @Test
  void lostGpuIsAPartialFailureAndOtherGpusAreKept() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "H100", 20);
    nvml.lost.put(0, 1);
    SnapshotBuilder out = collect();

    assertThat(out.partialFailures()).singleElement().asString().contains("GPU 0 is lost");
    assertThat(samples(out.build(Clock.systemUTC()), "DCGM_FI_DEV_GPU_TEMP"))
        .extracting(sample -> sample.labelValues().get(1)).containsExactly("GPU-bbbb");
  }

  @Test
  void notSupportedIsSilentOtherErrorsAreCounted() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "T4", 10);
    nvml.failures.put(0, Map.of(GpuReading.ENC_UTIL, NvmlException.NOT_SUPPORTED, GpuReading.DEC_UTIL, 999));
    SnapshotBuilder out = collect();

    assertThat(out.partialFailures()).singleElement().asString().contains("DEC_UTIL");
    Snapshot snapshot = out.build(Clock.systemUTC());
    assertThat(samples(snapshot, "DCGM_FI_DEV_ENC_UTIL")).isEmpty();
    assertThat(samples(snapshot, "DCGM_FI_DEV_DEC_UTIL")).isEmpty();
    assertThat(samples(snapshot, "DCGM_FI_DEV_GPU_UTIL")).hasSize(1);
  }

  @Test
  void migInstancesFollowEachCycle() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.mig.put(0, List.of(new Nvml.MigInstance(1, "1g.10gb", 1L << 20, 9L << 30),
        new Nvml.MigInstance(2, "3g.40gb", 2L << 20, 30L << 30)));
    assertThat(samples(collect().build(Clock.systemUTC()), "DCGM_FI_DEV_FB_USED_MIG"))
        .extracting(sample -> sample.labelValues().subList(10, 12) + "=" + sample.value())
        .containsExactly("[1g.10gb, 1]=1.0", "[3g.40gb, 2]=2.0");

    nvml.mig.put(0, List.of(new Nvml.MigInstance(2, "3g.40gb", 2L << 20, 30L << 30)));
    assertThat(samples(collect().build(Clock.systemUTC()), "DCGM_FI_DEV_FB_USED_MIG"))
        .extracting(sample -> sample.labelValues().get(11)).containsExactly("2");
  }

  @Test
  void gpusAndMigInstancesAreAttributedToTheirContainers() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "H100", 20);
    nvml.addGpu("GPU-cccc", "00000000:3b:00.0", "H100", 30);
    nvml.mig.put(2, List.of(new Nvml.MigInstance(5, "1g.10gb", 1L << 20, 9L << 30)));
    podResources = () -> List.of(
        new ContainerDevices("ml", "llm-0", "server", "nvidia.com/gpu", List.of("GPU-aaaa::3")),
        new ContainerDevices("ml", "llm-1", "server", "nvidia.com/gpu", List.of("nvidia1")),
        new ContainerDevices("ml", "small", "worker", "nvidia.com/mig-1g.10gb", List.of("MIG-GPU-cccc/5/0")),
        new ContainerDevices("ml", "other", "x", "aws.amazon.com/neuroncore", List.of("GPU-cccc")));
    Snapshot snapshot = collect().build(Clock.systemUTC());

    assertThat(samples(snapshot, "DCGM_FI_DEV_GPU_TEMP"))
        .extracting(sample -> sample.labelValues().get(1) + ":" + sample.labelValues().subList(7, 10))
        .containsExactly("GPU-aaaa:[llm-0, ml, server]", "GPU-bbbb:[llm-1, ml, server]", "GPU-cccc:[, , ]");
    assertThat(samples(snapshot, "DCGM_FI_DEV_FB_USED_MIG"))
        .extracting(sample -> sample.labelValues().subList(7, 12))
        .containsExactly(List.of("small", "ml", "worker", "1g.10gb", "5"));
  }

  @Test
  void unreachableKubeletKeepsMetricsWithoutPods() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    podResources = () -> {
      throw new java.io.IOException("connection refused");
    };
    SnapshotBuilder out = collect();
    assertThat(out.partialFailures()).singleElement().asString().contains("connection refused");
    assertThat(samples(out.build(Clock.systemUTC()), "DCGM_FI_DEV_GPU_TEMP")).hasSize(1);
  }
}
