package dev.nodescope.agent.health;

import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.neuron.NeuronMetrics;
import dev.nodescope.collectors.nvidia.GpuReading;
import dev.nodescope.collectors.nvidia.NvidiaMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one snapshot of the nvidia or neuron collector says about each device: the devices present,
 * cumulative counts per cause (XIDs, uncorrectable ECC, Neuron ECC events) and the causes that hold
 * right now (a lost GPU, a row remapping failed or pending). A pure reading of the snapshot: the
 * collectors did the I/O.
 */
record HealthSignals(
    Instant collectedAt,
    Set<DeviceKey> devices,
    Map<DeviceKey, Map<String, Double>> counts,
    Map<DeviceKey, Set<String>> holding) {
  private static final String NEURON_ECC_PREFIX = "neuron_";

  static HealthSignals ofNvidia(Snapshot snapshot) {
    HealthSignals signals = empty(snapshot.collectedAt());
    for (Sample sample : samples(snapshot, NvidiaMetrics.GPU_LOST)) {
      DeviceKey gpu = gpu(NvidiaMetrics.GPU_LOST, sample);
      signals.devices.add(gpu);
      if (sample.value() > 0) {
        signals.hold(gpu, Causes.GPU_LOST);
      }
    }
    for (Sample sample : samples(snapshot, NvidiaMetrics.XID_ERRORS)) {
      DeviceKey gpu = gpu(NvidiaMetrics.XID_ERRORS, sample);
      String xid = label(NvidiaMetrics.XID_ERRORS, sample, "xid");
      // MIG instances of one GPU add up on the GPU.
      signals.count(gpu, Causes.xid(Long.parseLong(xid)), sample.value());
    }
    MetricDescriptor dbe = NvidiaMetrics.gpu(GpuReading.ECC_DBE_VOL_TOTAL);
    for (Sample sample : samples(snapshot, dbe)) {
      signals.count(gpu(dbe, sample), Causes.ECC_UNCORRECTABLE, sample.value());
    }
    holdWhileSet(snapshot, signals, GpuReading.ROW_REMAP_FAILURE, Causes.ROW_REMAP_FAILURE);
    holdWhileSet(snapshot, signals, GpuReading.ROW_REMAP_PENDING, Causes.ROW_REMAP_PENDING);
    return signals;
  }

  static HealthSignals ofNeuron(Snapshot snapshot) {
    HealthSignals signals = empty(snapshot.collectedAt());
    for (Sample sample : samples(snapshot, NeuronMetrics.HARDWARE_INFO)) {
      String count = label(NeuronMetrics.HARDWARE_INFO, sample, "neuron_device_count");
      int devices = count.matches("\\d{1,4}") ? Integer.parseInt(count) : 0;
      for (int index = 0; index < devices; index++) {
        signals.devices.add(new DeviceKey("neuron" + index, DeviceKey.NEURON));
      }
    }
    for (Sample sample : samples(snapshot, NeuronMetrics.ECC_EVENTS)) {
      DeviceKey device =
          new DeviceKey(
              "neuron" + label(NeuronMetrics.ECC_EVENTS, sample, "neuron_device_index"),
              DeviceKey.NEURON);
      signals.devices.add(device);
      signals.count(
          device,
          NEURON_ECC_PREFIX + label(NeuronMetrics.ECC_EVENTS, sample, "event_type"),
          sample.value());
    }
    return signals;
  }

  private static HealthSignals empty(Instant at) {
    return new HealthSignals(at, new TreeSet<>(), new TreeMap<>(), new TreeMap<>());
  }

  private static void holdWhileSet(
      Snapshot snapshot, HealthSignals signals, GpuReading reading, String cause) {
    MetricDescriptor descriptor = NvidiaMetrics.gpu(reading);
    for (Sample sample : samples(snapshot, descriptor)) {
      if (sample.value() > 0) {
        signals.hold(gpu(descriptor, sample), cause);
      }
    }
  }

  private void count(DeviceKey device, String cause, double value) {
    devices.add(device);
    counts.computeIfAbsent(device, key -> new TreeMap<>()).merge(cause, value, Double::sum);
  }

  private void hold(DeviceKey device, String cause) {
    devices.add(device);
    holding.computeIfAbsent(device, key -> new TreeSet<>()).add(cause);
  }

  private static List<Sample> samples(Snapshot snapshot, MetricDescriptor descriptor) {
    return snapshot.family(descriptor).samples();
  }

  private static DeviceKey gpu(MetricDescriptor descriptor, Sample sample) {
    return new DeviceKey(label(descriptor, sample, "device"), DeviceKey.GPU);
  }

  private static String label(MetricDescriptor descriptor, Sample sample, String name) {
    return sample.labelValues().get(descriptor.labelNames().indexOf(name));
  }
}
