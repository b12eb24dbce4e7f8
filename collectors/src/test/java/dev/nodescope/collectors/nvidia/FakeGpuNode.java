package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.ClusterDirectory;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.PodDirectory;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Eventually;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The real nvidia collector over {@link FakeNvml}, for tests outside this package: GPUs that raise
 * XIDs, fall off the bus, count ECC errors and remap rows, collected into snapshots at the time of
 * a clock the test moves.
 */
public final class FakeGpuNode implements AutoCloseable {
  private final FakeNvml nvml = new FakeNvml();
  private final NvidiaCollector collector;
  private final Clock clock;
  private long xidsSent;

  public FakeGpuNode(int gpus, Path proc, Clock clock) {
    for (int index = 0; index < gpus; index++) {
      nvml.addGpu("GPU-" + index, "00000000:1" + index + ":00.0", "NVIDIA H100 80GB HBM3", 0);
      nvml.values.get(index).put(GpuReading.ECC_DBE_VOL_TOTAL, 0L);
      nvml.values.get(index).put(GpuReading.ROW_REMAP_FAILURE, 0L);
      nvml.values.get(index).put(GpuReading.ROW_REMAP_PENDING, 0L);
    }
    this.clock = clock;
    this.collector =
        new NvidiaCollector(
            nvml,
            new CollectorContext(
                new RootPaths(proc, proc, proc),
                "node-a",
                null,
                PodDirectory.EMPTY,
                ClusterDirectory.EMPTY,
                PodResources.NONE,
                clock));
  }

  /** An XID on the GPU; the next {@link #collect} waits until the watcher thread has counted it. */
  public void xid(int gpu, long code) {
    nvml.xids.add(new Nvml.XidEvent(gpu, code, Nvml.NO_GPU_INSTANCE));
    xidsSent++;
  }

  /** NVML answers GPU_IS_LOST for the GPU, or answers again. */
  public void lost(int gpu, boolean lost) {
    if (lost) {
      nvml.lost.put(gpu, 1);
    } else {
      nvml.lost.remove(gpu);
    }
  }

  public void reading(int gpu, GpuReading reading, long value) {
    nvml.values.get(gpu).put(reading, value);
  }

  /** One collection, stamped with the clock's time. */
  public Snapshot collect() throws Exception {
    Snapshot snapshot = collectOnce().build(clock);
    for (int tries = 0; xidsCounted(snapshot) < xidsSent && tries < 500; tries++) {
      Eventually.await("XIDs taken by the watcher", nvml.xids::isEmpty);
      Thread.sleep(10);
      snapshot = collectOnce().build(clock);
    }
    return snapshot;
  }

  private static double xidsCounted(Snapshot snapshot) {
    return snapshot.family(NvidiaMetrics.XID_ERRORS).samples().stream()
        .mapToDouble(sample -> sample.value())
        .sum();
  }

  private SnapshotBuilder collectOnce() throws Exception {
    SnapshotBuilder out = new SnapshotBuilder("nvidia", NvidiaMetrics.ALL);
    collector.collect(out);
    return out;
  }

  @Override
  public void close() {
    collector.close();
  }
}
