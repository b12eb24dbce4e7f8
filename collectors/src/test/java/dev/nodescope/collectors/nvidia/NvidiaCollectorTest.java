package dev.nodescope.collectors.nvidia;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.MetricType;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.PodResources.ContainerDevices;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvidiaCollectorTest {
  private final FakeNvml nvml = new FakeNvml();
  private PodResources podResources = PodResources.NONE;
  private PodDirectory pods = PodDirectory.EMPTY;
  @TempDir Path proc;
  private NvidiaCollector collector;

  @AfterEach
  void closeCollector() {
    if (collector != null) {
      collector.close();
    }
  }

  private SnapshotBuilder collect() throws Exception {
    if (collector == null) {
      collector =
          new NvidiaCollector(
              nvml,
              new CollectorContext(
                  new RootPaths(proc, proc, proc),
                  "node-a",
                  null,
                  pods,
                  ClusterDirectory.EMPTY,
                  podResources,
                  Clock.systemUTC()));
    }
    SnapshotBuilder out = new SnapshotBuilder("nvidia", NvidiaMetrics.ALL);
    collector.collect(out);
    return out;
  }

  private Snapshot snapshot() throws Exception {
    return collect().build(Clock.systemUTC());
  }

  private static List<Sample> samples(Snapshot snapshot, String name) {
    return snapshot.families().get(name) == null
        ? List.of()
        : snapshot.families().get(name).samples();
  }

  /** Each sample as "label=value,…=value" for the named labels, then "=" and the value. */
  private static List<String> rows(Snapshot snapshot, String name, String... labels) {
    List<String> labelNames =
        snapshot.families().get(name) == null
            ? List.of()
            : snapshot.families().get(name).descriptor().labelNames();
    return samples(snapshot, name).stream()
        .map(
            sample ->
                List.of(labels).stream()
                        .map(label -> sample.labelValues().get(labelNames.indexOf(label)))
                        .collect(Collectors.joining(","))
                    + "="
                    + sample.value())
        .collect(Collectors.toList());
  }

  @Test
  void exposesDcgmNamesLabelsAndUnits() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "NVIDIA H100 80GB HBM3", 1000);
    nvml.values.get(0).put(GpuReading.POWER_USAGE_MILLIWATTS, 312_500L);
    nvml.values.get(0).put(GpuReading.FB_USED_BYTES, 3L << 30);
    nvml.values.get(0).put(GpuReading.NVLINK_BANDWIDTH_TOTAL, 123_456_789L);
    nvml.values.get(0).put(GpuReading.UNCORRECTABLE_REMAPPED_ROWS, 2L);
    nvml.values.get(0).put(GpuReading.CORRECTABLE_REMAPPED_ROWS, 5L);
    nvml.values.get(0).put(GpuReading.ROW_REMAP_FAILURE, 0L);
    Snapshot snapshot = snapshot();

    List<String> labels =
        List.of(
            "0",
            "GPU-aaaa",
            "00000000:18:00.0",
            "nvidia0",
            "NVIDIA H100 80GB HBM3",
            "node-a",
            "580.95.05",
            "",
            "",
            "");
    assertThat(samples(snapshot, "DCGM_FI_DEV_POWER_USAGE"))
        .containsExactly(new Sample(labels, 312.5));
    assertThat(samples(snapshot, "DCGM_FI_DEV_FB_USED")).containsExactly(new Sample(labels, 3072));
    assertThat(samples(snapshot, "DCGM_FI_DEV_SM_CLOCK"))
        .containsExactly(
            new Sample(labels, 1000 + List.of(GpuReading.values()).indexOf(GpuReading.SM_CLOCK)));
    assertThat(samples(snapshot, "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL"))
        .containsExactly(new Sample(labels, 123_456_789));
    assertThat(samples(snapshot, "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS"))
        .containsExactly(new Sample(labels, 2));
    assertThat(samples(snapshot, "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS"))
        .containsExactly(new Sample(labels, 5));
    assertThat(samples(snapshot, "DCGM_FI_DEV_ROW_REMAP_FAILURE"))
        .containsExactly(new Sample(labels, 0));
    assertThat(samples(snapshot, "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL")).hasSize(1);
    assertThat(NvidiaMetrics.ALL)
        .filteredOn(d -> d.name().startsWith("DCGM_"))
        .extracting(MetricDescriptor::type)
        .containsOnly(MetricType.GAUGE);
    assertThat(NvidiaMetrics.gpu(GpuReading.SM_CLOCK).labelNames())
        .containsExactly(
            "gpu",
            "UUID",
            "pci_bus_id",
            "device",
            "modelName",
            "Hostname",
            "DCGM_FI_DRIVER_VERSION",
            "pod",
            "namespace",
            "container");
    assertThat(samples(snapshot, "nodescope_gpu_nvml_errors_total")).isEmpty();
  }

  @Test
  void remappedRowsWhileMigIsActiveAreAbsentNotErrors() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "A100", 10);
    nvml.failures.put(
        0,
        Map.of(
            GpuReading.UNCORRECTABLE_REMAPPED_ROWS,
            NvmlException.NOT_SUPPORTED,
            GpuReading.CORRECTABLE_REMAPPED_ROWS,
            NvmlException.NOT_SUPPORTED,
            GpuReading.ROW_REMAP_FAILURE,
            NvmlException.NOT_SUPPORTED));
    nvml.mig.put(0, List.of(new Nvml.MigInstance(1, "1g.10gb", "MIG-1111", 1L << 20, 9L << 30)));
    SnapshotBuilder out = collect();

    assertThat(out.partialFailures()).isEmpty();
    Snapshot snapshot = out.build(Clock.systemUTC());
    assertThat(samples(snapshot, "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS")).isEmpty();
    assertThat(samples(snapshot, "DCGM_FI_DEV_ROW_REMAP_FAILURE")).isEmpty();
    assertThat(samples(snapshot, "nodescope_gpu_nvml_errors_total")).isEmpty();
    assertThat(samples(snapshot, "DCGM_FI_DEV_FB_USED_MIG")).hasSize(1);
  }

  @Test
  void lostGpuIsCountedAndOtherGpusAreKept() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "H100", 20);
    nvml.lost.put(0, 1);
    collect();
    SnapshotBuilder out = collect();

    assertThat(out.partialFailures()).singleElement().asString().contains("GPU 0 is lost");
    Snapshot snapshot = out.build(Clock.systemUTC());
    assertThat(rows(snapshot, "DCGM_FI_DEV_GPU_TEMP", "UUID"))
        .containsExactly("GPU-bbbb=" + (20.0 + 2));
    assertThat(rows(snapshot, "nodescope_gpu_nvml_errors_total", "gpu", "function"))
        .containsExactly("0,nvmlDeviceGetUUID=2.0");
    assertThat(rows(snapshot, "nodescope_gpu_lost", "gpu", "device"))
        .containsExactly("0,nvidia0=1.0", "1,nvidia1=0.0");
  }

  @Test
  void notSupportedIsSilentOtherErrorsAreCountedPerGpuAndFunction() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "T4", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "T4", 20);
    nvml.failures.put(
        0, Map.of(GpuReading.ENC_UTIL, NvmlException.NOT_SUPPORTED, GpuReading.DEC_UTIL, 999));
    SnapshotBuilder out = collect();

    assertThat(out.partialFailures()).singleElement().asString().contains("DEC_UTIL");
    Snapshot snapshot = out.build(Clock.systemUTC());
    assertThat(rows(snapshot, "DCGM_FI_DEV_ENC_UTIL", "gpu")).containsExactly("1=" + (20.0 + 9));
    assertThat(rows(snapshot, "DCGM_FI_DEV_DEC_UTIL", "gpu")).containsExactly("1=" + (20.0 + 10));
    assertThat(samples(snapshot, "DCGM_FI_DEV_GPU_UTIL")).hasSize(2);
    assertThat(rows(snapshot, "nodescope_gpu_nvml_errors_total", "gpu", "function"))
        .containsExactly("0,nvmlRead(DEC_UTIL)=1.0");
  }

  @Test
  void migInstancesFollowEachCycle() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.mig.put(
        0,
        List.of(
            new Nvml.MigInstance(1, "1g.10gb", "MIG-1111", 1L << 20, 9L << 30),
            new Nvml.MigInstance(2, "3g.40gb", "MIG-2222", 2L << 20, 30L << 30)));
    assertThat(rows(snapshot(), "DCGM_FI_DEV_FB_USED_MIG", "GPU_I_PROFILE", "GPU_I_ID"))
        .containsExactly("1g.10gb,1=1.0", "3g.40gb,2=2.0");

    nvml.mig.put(0, List.of(new Nvml.MigInstance(2, "3g.40gb", "MIG-2222", 2L << 20, 30L << 30)));
    assertThat(rows(snapshot(), "DCGM_FI_DEV_FB_USED_MIG", "GPU_I_ID")).containsExactly("2=2.0");
  }

  @Test
  void gpusAndMigInstancesAreAttributedInEveryDeviceIdForm() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "H100", 20);
    nvml.addGpu("GPU-cccc", "00000000:3b:00.0", "H100", 30);
    nvml.addGpu("GPU-dddd", "00000000:4c:00.0", "H100", 40);
    nvml.mig.put(
        2,
        List.of(
            new Nvml.MigInstance(5, "1g.10gb", "MIG-5555", 1L << 20, 9L << 30),
            new Nvml.MigInstance(6, "1g.10gb", "MIG-6666-0a0b", 1L << 20, 9L << 30),
            new Nvml.MigInstance(7, "2g.20gb", "MIG-7777", 1L << 20, 9L << 30)));
    nvml.mig.put(3, List.of(new Nvml.MigInstance(3, "3g.40gb", "MIG-3333", 1L << 20, 9L << 30)));
    podResources =
        () ->
            List.of(
                new ContainerDevices(
                    "ml", "llm-0", "server", "nvidia.com/gpu", List.of("GPU-aaaa::3")),
                new ContainerDevices(
                    "ml", "llm-1", "server", "nvidia.com/gpu.shared", List.of("nvidia1::2")),
                new ContainerDevices(
                    "ml",
                    "legacy",
                    "worker",
                    "nvidia.com/mig-1g.10gb",
                    List.of("MIG-GPU-cccc/5/0")),
                new ContainerDevices(
                    "ml", "modern", "worker", "nvidia.com/mig-1g.10gb", List.of("MIG-6666-0a0b")),
                new ContainerDevices(
                    "ml", "eks", "worker", "nvidia.com/mig-2g.20gb", List.of("MIG-7777::1")),
                new ContainerDevices(
                    "ml", "gke", "worker", "nvidia.com/mig-3g.40gb", List.of("nvidia3/gi3")),
                new ContainerDevices(
                    "ml", "other", "x", "aws.amazon.com/neuroncore", List.of("GPU-dddd")));
    Snapshot snapshot = snapshot();

    assertThat(rows(snapshot, "DCGM_FI_DEV_GPU_TEMP", "UUID", "pod", "namespace", "container"))
        .containsExactly(
            "GPU-aaaa,llm-0,ml,server=12.0",
            "GPU-bbbb,llm-1,ml,server=22.0",
            "GPU-cccc,,,=32.0",
            "GPU-dddd,,,=42.0");
    assertThat(rows(snapshot, "DCGM_FI_DEV_FB_USED_MIG", "UUID", "GPU_I_ID", "pod"))
        .containsExactly(
            "GPU-cccc,5,legacy=1.0",
            "GPU-cccc,6,modern=1.0",
            "GPU-cccc,7,eks=1.0",
            "GPU-dddd,3,gke=1.0");
  }

  @Test
  void deviceIdForms() {
    assertThat(GpuAssignments.parseKey("GPU-8f0e-11aa")).contains("GPU-8f0e-11aa");
    assertThat(GpuAssignments.parseKey("GPU-8f0e-11aa::7")).contains("GPU-8f0e-11aa");
    assertThat(GpuAssignments.parseKey("MIG-4c1d-99ef")).contains("MIG-4c1d-99ef");
    assertThat(GpuAssignments.parseKey("MIG-4c1d-99ef::2")).contains("MIG-4c1d-99ef");
    assertThat(GpuAssignments.parseKey("MIG-GPU-8f0e-11aa/3/0")).contains("GPU-8f0e-11aa/3");
    assertThat(GpuAssignments.parseKey("nvidia2")).contains("#2");
    assertThat(GpuAssignments.parseKey("nvidia2/gi4")).contains("#2/4");
    assertThat(GpuAssignments.parseKey("nvidia2/gi4::1")).contains("#2/4");
    assertThat(GpuAssignments.parseKey("0000:18:00.0")).isEmpty();
  }

  @Test
  void unreachableKubeletKeepsMetricsWithoutPods() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    podResources =
        () -> {
          throw new java.io.IOException("connection refused");
        };
    SnapshotBuilder out = collect();
    assertThat(out.partialFailures()).singleElement().asString().contains("connection refused");
    assertThat(samples(out.build(Clock.systemUTC()), "DCGM_FI_DEV_GPU_TEMP")).hasSize(1);
  }

  @Test
  void xidEventsAreCountedOnTheirThreadWithTheLastXidPerGpuAndMigInstance() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "H100", 20);
    nvml.mig.put(1, List.of(new Nvml.MigInstance(3, "1g.10gb", "MIG-3333", 1L << 20, 9L << 30)));
    podResources =
        () ->
            List.of(
                new ContainerDevices(
                    "ml", "small", "worker", "nvidia.com/mig-1g.10gb", List.of("MIG-3333")));
    Eventually.await(
        "both GPUs watched for XIDs",
        () -> rows(snapshotUnchecked(), "DCGM_FI_DEV_XID_ERRORS", "gpu").size() == 2);
    Snapshot before = snapshot();
    assertThat(rows(before, "DCGM_FI_DEV_XID_ERRORS", "gpu", "GPU_I_ID", "err_code", "err_msg"))
        .containsExactly("0,,0,No Error=0.0", "1,,0,No Error=0.0");
    assertThat(samples(before, "nodescope_gpu_xid_errors_total")).isEmpty();

    nvml.xids.add(new Nvml.XidEvent(0, 79, Nvml.NO_GPU_INSTANCE));
    nvml.xids.add(new Nvml.XidEvent(0, 13, Nvml.NO_GPU_INSTANCE));
    nvml.xids.add(new Nvml.XidEvent(0, 13, Nvml.NO_GPU_INSTANCE));
    nvml.xids.add(new Nvml.XidEvent(1, 31, 3));
    nvml.xids.add(new Nvml.XidEvent(1, 31, 9));
    Eventually.await("the five XID events are taken", nvml.xids::isEmpty);
    Eventually.await(
        "the last XID event is counted",
        () ->
            rows(snapshotUnchecked(), "nodescope_gpu_xid_errors_total", "GPU_I_ID")
                .contains("9=1.0"));
    Snapshot after = snapshot();

    assertThat(
            rows(
                after,
                "nodescope_gpu_xid_errors_total",
                "gpu",
                "GPU_I_PROFILE",
                "GPU_I_ID",
                "pod",
                "xid"))
        .containsExactlyInAnyOrder(
            "0,,,,79=1.0", "0,,,,13=2.0", "1,1g.10gb,3,small,31=1.0", "1,,9,,31=1.0");
    assertThat(
            rows(after, "DCGM_FI_DEV_XID_ERRORS", "gpu", "GPU_I_ID", "pod", "err_code", "err_msg"))
        .containsExactlyInAnyOrder(
            "0,,,13,Graphics Engine Exception=13.0",
            "1,,,31,GPU memory page fault=31.0",
            "1,3,small,31,GPU memory page fault=31.0",
            "1,9,,31,GPU memory page fault=31.0");
    assertThat(nvml.xidRegistered).containsExactlyInAnyOrder(0, 1);

    collector.close();
    collector = null;
    Eventually.await(
        "the XID event set is freed when the collector closes", () -> nvml.xidSetFreed);
  }

  @Test
  void gpuWithoutXidEventsStillCollectsAndOthersReportThem() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "T4", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "T4", 20);
    nvml.xidNotSupported.add(0);
    collect();
    nvml.xids.add(new Nvml.XidEvent(1, 48, Nvml.NO_GPU_INSTANCE));
    Eventually.await(
        "the XID of GPU 1 is counted",
        () ->
            rows(snapshotUnchecked(), "nodescope_gpu_xid_errors_total", "gpu", "xid")
                .contains("1,48=1.0"));
    Snapshot snapshot = snapshot();
    assertThat(rows(snapshot, "DCGM_FI_DEV_XID_ERRORS", "gpu", "err_code"))
        .containsExactly("1,48=48.0");
    assertThat(rows(snapshot, "DCGM_FI_DEV_GPU_TEMP", "gpu")).hasSize(2);
    assertThat(rows(snapshot, "nodescope_gpu_nvml_errors_total", "gpu")).isEmpty();
    assertThat(nvml.xidRegistered).containsExactly(1);
  }

  @Test
  void failingXidRegistrationAndWaitsAreCountedWhileCollectionGoesOn() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "H100", 20);
    nvml.xidRegistrationFailures.put(0, 999);
    nvml.xidWaitFailure = NvmlException.GPU_IS_LOST;
    collect();
    Eventually.await(
        "the failed registration and wait are counted",
        () ->
            rows(snapshotUnchecked(), "nodescope_gpu_nvml_errors_total", "gpu", "function")
                .containsAll(
                    List.of("0,nvmlDeviceRegisterEvents=1.0", ",nvmlEventSetWait_v2=1.0")));

    Snapshot snapshot = snapshot();
    assertThat(rows(snapshot, "DCGM_FI_DEV_GPU_TEMP", "gpu")).containsExactly("0=12.0", "1=22.0");
    assertThat(rows(snapshot, "DCGM_FI_DEV_XID_ERRORS", "gpu")).containsExactly("1=0.0");
  }

  private Snapshot snapshotUnchecked() {
    try {
      return snapshot();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void gpmRatiosNeedTwoSamplesAndFollowMigInstances() throws Exception {
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "H100", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "A100", 20);
    nvml.mig.put(
        0,
        List.of(
            new Nvml.MigInstance(1, "1g.10gb", "MIG-1111", 1L << 20, 9L << 30),
            new Nvml.MigInstance(2, "3g.40gb", "MIG-2222", 2L << 20, 30L << 30)));
    nvml.gpm.put(
        List.of(0, Nvml.NO_GPU_INSTANCE),
        Map.of(
            GpmMetric.GR_ENGINE_ACTIVE,
            87.5,
            GpmMetric.PCIE_TX_BYTES,
            3.0,
            GpmMetric.DRAM_ACTIVE,
            40.0));
    nvml.gpm.put(
        List.of(0, 1), Map.of(GpmMetric.SM_ACTIVE, 25.0, GpmMetric.PIPE_TENSOR_ACTIVE, 10.0));
    nvml.gpm.put(List.of(0, 2), Map.of(GpmMetric.SM_OCCUPANCY, 50.0));
    assertThat(snapshot().families().keySet()).noneMatch(name -> name.startsWith("DCGM_FI_PROF_"));

    Snapshot second = snapshot();
    assertThat(rows(second, "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gpu", "GPU_I_ID"))
        .containsExactly("0,=0.875");
    assertThat(rows(second, "DCGM_FI_PROF_DRAM_ACTIVE", "gpu", "GPU_I_ID"))
        .containsExactly("0,=0.4");
    assertThat(rows(second, "DCGM_FI_PROF_PCIE_TX_BYTES", "gpu"))
        .containsExactly("0=" + 3.0 * (1 << 20));
    assertThat(rows(second, "DCGM_FI_PROF_SM_ACTIVE", "GPU_I_PROFILE", "GPU_I_ID"))
        .containsExactly("1g.10gb,1=0.25");
    assertThat(rows(second, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "GPU_I_ID"))
        .containsExactly("1=0.1");
    assertThat(rows(second, "DCGM_FI_PROF_SM_OCCUPANCY", "GPU_I_ID")).containsExactly("2=0.5");
    assertThat(nvml.openGpmSamples).hasValue(3);

    nvml.mig.put(0, List.of(new Nvml.MigInstance(2, "3g.40gb", "MIG-2222", 2L << 20, 30L << 30)));
    Snapshot third = snapshot();
    assertThat(samples(third, "DCGM_FI_PROF_SM_ACTIVE")).isEmpty();
    assertThat(rows(third, "DCGM_FI_PROF_SM_OCCUPANCY", "GPU_I_ID")).containsExactly("2=0.5");
    assertThat(nvml.openGpmSamples).as("the destroyed instance's sample is freed").hasValue(2);

    nvml.mig.put(0, List.of(new Nvml.MigInstance(2, "3g.40gb", "MIG-2b2b", 2L << 20, 30L << 30)));
    assertThat(samples(snapshot(), "DCGM_FI_PROF_SM_OCCUPANCY"))
        .as("a recreated instance (new MIG UUID, same GPU_I_ID) starts from a fresh sample")
        .isEmpty();

    collector.close();
    collector = null;
    assertThat(nvml.openGpmSamples).hasValue(0);
  }

  @Test
  void timeSlicedGpuMemoryIsAttributedToPodsThroughProcessCgroups() throws Exception {
    String uidA = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
    String uidB = "1a2b3c4d-5e6f-4708-9a0b-c1d2e3f4a5b6";
    String containerA = "a1".repeat(32);
    String containerB = "b2".repeat(32);
    cgroup(
        101,
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + uidA.replace('-', '_')
            + ".slice/cri-containerd-"
            + containerA
            + ".scope\n");
    cgroup(
        102,
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + uidA.replace('-', '_')
            + ".slice/cri-containerd-"
            + containerA
            + ".scope\n");
    cgroup(
        201,
        "12:memory:/kubepods/besteffort/pod"
            + uidB
            + "/"
            + containerB
            + "\n11:cpu:/kubepods/besteffort/pod"
            + uidB
            + "/"
            + containerB
            + "\n");
    cgroup(301, "0::/system.slice/nvidia-persistenced.service\n");
    pods =
        () ->
            List.of(
                new PodInfo(
                    "ml",
                    "llm-a",
                    uidA,
                    List.of(),
                    "Deployment",
                    "llm",
                    false,
                    "node-a",
                    List.of(new PodInfo.ContainerInfo("server", containerA, 0))),
                new PodInfo(
                    "ml",
                    "llm-b",
                    uidB,
                    List.of(),
                    "Deployment",
                    "llm",
                    false,
                    "node-a",
                    List.of(new PodInfo.ContainerInfo("server", containerB, 0))));
    nvml.addGpu("GPU-aaaa", "00000000:18:00.0", "L4", 10);
    nvml.addGpu("GPU-bbbb", "00000000:2a:00.0", "A100", 20);
    nvml.mig.put(1, List.of(new Nvml.MigInstance(4, "2g.20gb", "MIG-4444", 1L << 20, 9L << 30)));
    nvml.processes.put(
        0,
        List.of(
            new Nvml.GpuProcess(101, 1L << 30, Nvml.NO_GPU_INSTANCE),
            new Nvml.GpuProcess(102, 2L << 30, Nvml.NO_GPU_INSTANCE),
            new Nvml.GpuProcess(201, 512L << 20, Nvml.NO_GPU_INSTANCE),
            new Nvml.GpuProcess(301, 64L << 20, Nvml.NO_GPU_INSTANCE),
            new Nvml.GpuProcess(999, 32L << 20, Nvml.NO_GPU_INSTANCE),
            new Nvml.GpuProcess(102, -1, Nvml.NO_GPU_INSTANCE)));
    nvml.processes.put(1, List.of(new Nvml.GpuProcess(201, 128L << 20, 4)));
    Snapshot snapshot = snapshot();

    assertThat(
            rows(
                snapshot,
                "nodescope_gpu_pod_memory_used_bytes",
                "gpu",
                "pod",
                "namespace",
                "container",
                "GPU_I_PROFILE",
                "GPU_I_ID"))
        .containsExactly(
            "0,llm-a,ml,server,,=" + (double) (3L << 30),
            "0,llm-b,ml,server,,=" + (double) (512L << 20),
            "0,,,,,=" + (double) (96L << 20),
            "1,llm-b,ml,server,2g.20gb,4=" + (double) (128L << 20));

    // Per-process utilization: two processes of llm-a add up, llm-b has its own, samples up to
    // the previous collection are not read twice, and the MIG GPU is not asked.
    nvml.processUtilization.put(
        0,
        List.of(
            new Nvml.ProcessUtilization(101, 1_000, 20, 10, 0, 2),
            new Nvml.ProcessUtilization(101, 2_000, 40, 30, 0, 4),
            new Nvml.ProcessUtilization(102, 2_000, 15, 5, 1, 0),
            new Nvml.ProcessUtilization(201, 2_000, 25, 8, 0, 0)));
    Snapshot shared = snapshot();
    assertThat(rows(shared, "nodescope_gpu_pod_sm_utilization_ratio", "gpu", "pod"))
        .containsExactly("0,llm-a=0.45", "0,llm-b=0.25");
    assertThat(rows(shared, "nodescope_gpu_pod_memory_utilization_ratio", "gpu", "pod"))
        .containsExactly("0,llm-a=0.25", "0,llm-b=0.08");
    assertThat(rows(shared, "nodescope_gpu_pod_encoder_utilization_ratio", "gpu", "pod"))
        .containsExactly("0,llm-a=0.01", "0,llm-b=0.0");
    assertThat(rows(shared, "nodescope_gpu_pod_decoder_utilization_ratio", "gpu", "pod"))
        .containsExactly("0,llm-a=0.03", "0,llm-b=0.0");
    nvml.processUtilization.put(
        0,
        List.of(
            new Nvml.ProcessUtilization(101, 2_000, 40, 30, 0, 4),
            new Nvml.ProcessUtilization(201, 3_000, 50, 9, 0, 0)));
    assertThat(rows(snapshot(), "nodescope_gpu_pod_sm_utilization_ratio", "gpu", "pod"))
        .containsExactly("0,llm-b=0.5");
  }

  private void cgroup(int pid, String content) throws Exception {
    Files.createDirectories(proc.resolve(Integer.toString(pid)));
    Files.writeString(proc.resolve(pid + "/cgroup"), content);
  }
}
