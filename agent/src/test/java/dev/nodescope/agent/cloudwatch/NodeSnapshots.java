package dev.nodescope.agent.cloudwatch;

import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.Histogram;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.PodInfo;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.core.SnapshotRegistry;
import dev.nodescope.collectors.flows.FlowsCollectorFactory;
import dev.nodescope.collectors.kubernetes.KubernetesCollectorFactory;
import dev.nodescope.collectors.node.NodeCollectorFactory;
import dev.nodescope.collectors.pods.PodsCollectorFactory;
import dev.nodescope.collectors.tcp.TcpCollectorFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * Snapshots as the real collectors declare them (their own descriptors), with values chosen so that
 * the Container Insights values can be worked out by hand: see the expectations in the tests.
 */
final class NodeSnapshots {
  static final PodInfo WEB =
      new PodInfo(
          "shop",
          "web-abc12-x",
          "uid-web",
          List.of("192.0.2.10"),
          "Deployment",
          "web",
          false,
          "node-1",
          List.of(new PodInfo.ContainerInfo("app", "c1", 2)));
  static final String[] FLOW_LABELS = {
    "shop", "web-abc12-x", "tx", "shop", "db-0", "db", "pod", "same-zone", "tcp", "5432", "client"
  };

  private final SnapshotRegistry registry;

  NodeSnapshots(SnapshotRegistry registry) {
    this.registry = registry;
  }

  static MetricDescriptor descriptor(CollectorFactory factory, String name) {
    return factory.descriptors().stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /**
   * The node at reading {@code step} (0, 1, ...), read at {@code at}: 4 CPUs; each step adds 12 s
   * user and 6 s system CPU time, 1.5 MB received and 3 MB sent on eth0 (and a lot on lo, which
   * must not count); the pod adds 3 CPU seconds (of which the container 3) and 15 kB received per
   * step.
   */
  void publishNode(int step, Instant at) {
    Clock clock = Clock.fixed(at, ZoneOffset.UTC);
    NodeCollectorFactory node = new NodeCollectorFactory();
    SnapshotBuilder out = new SnapshotBuilder("node", node.descriptors());
    out.add(descriptor(node, "nodescope_node_cpus"), 4);
    out.add(descriptor(node, "nodescope_node_memory_total_bytes"), 8e9);
    out.add(descriptor(node, "nodescope_node_memory_used_bytes"), 2e9);
    out.add(descriptor(node, "nodescope_node_cpu_seconds_total"), 100 + 12 * step, "0", "user");
    out.add(descriptor(node, "nodescope_node_cpu_seconds_total"), 50 + 6 * step, "1", "system");
    out.add(descriptor(node, "nodescope_node_cpu_seconds_total"), 1000 + 42 * step, "0", "idle");
    out.add(descriptor(node, "nodescope_node_cpu_seconds_total"), 10 + 5 * step, "1", "iowait");
    out.add(
        descriptor(node, "nodescope_node_network_receive_bytes_total"), 1e6 + 1.5e6 * step, "eth0");
    out.add(
        descriptor(node, "nodescope_node_network_transmit_bytes_total"), 2e6 + 3e6 * step, "eth0");
    out.add(descriptor(node, "nodescope_node_network_receive_bytes_total"), 5e9 * (step + 1), "lo");
    out.add(
        descriptor(node, "nodescope_node_filesystem_size_bytes"),
        100e9,
        "/dev/nvme0n1p1",
        "/",
        "xfs");
    out.add(
        descriptor(node, "nodescope_node_filesystem_free_bytes"),
        40e9,
        "/dev/nvme0n1p1",
        "/",
        "xfs");
    out.add(
        descriptor(node, "nodescope_node_filesystem_avail_bytes"),
        30e9,
        "/dev/nvme0n1p1",
        "/",
        "xfs");
    registry.publish(out.build(clock));

    PodsCollectorFactory pods = new PodsCollectorFactory();
    SnapshotBuilder podOut = new SnapshotBuilder("pods", pods.descriptors());
    String[] pod = {"shop", "web-abc12-x", "uid-web"};
    podOut.add(descriptor(pods, "nodescope_pod_cpu_usage_seconds_total"), 10 + 3 * step, pod);
    podOut.add(descriptor(pods, "nodescope_pod_memory_working_set_bytes"), 1e9, pod);
    podOut.add(descriptor(pods, "nodescope_pod_memory_limit_bytes"), 2e9, pod);
    podOut.add(descriptor(pods, "nodescope_pod_cpu_limit_cores"), 0.5, pod);
    podOut.add(
        descriptor(pods, "nodescope_pod_network_receive_bytes_total"), 1000 + 15000 * step, pod);
    podOut.add(
        descriptor(pods, "nodescope_pod_network_transmit_bytes_total"), 500 + 30000 * step, pod);
    String[] container = {"shop", "web-abc12-x", "app", "uid-web"};
    podOut.add(
        descriptor(pods, "nodescope_container_cpu_usage_seconds_total"), 8 + 3 * step, container);
    podOut.add(descriptor(pods, "nodescope_container_memory_working_set_bytes"), 0.8e9, container);
    podOut.add(descriptor(pods, "nodescope_container_memory_limit_bytes"), 1.6e9, container);
    podOut.add(descriptor(pods, "nodescope_container_cpu_limit_cores"), 0.25, container);
    registry.publish(podOut.build(clock));

    KubernetesCollectorFactory kubernetes = new KubernetesCollectorFactory();
    SnapshotBuilder kubeOut = new SnapshotBuilder("kubernetes", kubernetes.descriptors());
    kubeOut.add(
        descriptor(kubernetes, "nodescope_pod_container_restarts_total"),
        2,
        "shop",
        "web-abc12-x",
        "app");
    registry.publish(kubeOut.build(clock));
  }

  /**
   * Flow series: {@code bytes[i]} is the cumulative byte count of series i (remote pod "db-i"),
   * with a packet per 100 bytes and one connection.
   */
  void publishFlows(Instant at, double... bytes) {
    FlowsCollectorFactory flows = new FlowsCollectorFactory();
    SnapshotBuilder out = new SnapshotBuilder("flows", flows.descriptors());
    for (int i = 0; i < bytes.length; i++) {
      String[] labels = FLOW_LABELS.clone();
      labels[4] = "db-" + i;
      out.add(descriptor(flows, "nodescope_flow_bytes_total"), bytes[i], labels);
      out.add(descriptor(flows, "nodescope_flow_packets_total"), Math.ceil(bytes[i] / 100), labels);
      out.add(descriptor(flows, "nodescope_flow_connections_total"), 1, labels);
    }
    registry.publish(out.build(Clock.fixed(at, ZoneOffset.UTC)));
  }

  /**
   * The tcp collector's health of the web pod's connections to db-0 (the peer of {@link
   * #publishFlows}'s first series): cumulative retransmitted segments, timeouts and failed
   * connects, and an RTT histogram of {@code rttSamples} samples summing to {@code rttSeconds}.
   */
  void publishTcp(
      Instant at,
      long retransmitted,
      long timeouts,
      long failed,
      long rttSamples,
      double rttSeconds) {
    TcpCollectorFactory tcp = new TcpCollectorFactory();
    SnapshotBuilder out = new SnapshotBuilder("tcp", tcp.descriptors());
    // The flow labels less direction (index 2).
    List<String> labels =
        List.of(
            FLOW_LABELS[0],
            FLOW_LABELS[1],
            FLOW_LABELS[3],
            FLOW_LABELS[4],
            FLOW_LABELS[5],
            FLOW_LABELS[6],
            FLOW_LABELS[7],
            FLOW_LABELS[8],
            FLOW_LABELS[9],
            FLOW_LABELS[10]);
    out.add(descriptor(tcp, "nodescope_tcp_retransmitted_segments_total"), retransmitted, labels);
    out.add(descriptor(tcp, "nodescope_tcp_timeouts_total"), timeouts, labels);
    out.add(descriptor(tcp, "nodescope_tcp_connections_failed_total"), failed, labels);
    out.addHistogram(
        descriptor(tcp, "nodescope_tcp_rtt_seconds"),
        new Histogram(List.of(0.01, 0.1), List.of(0L, rttSamples, 0L), rttSeconds),
        labels);
    registry.publish(out.build(Clock.fixed(at, ZoneOffset.UTC)));
  }

  /**
   * One GPU held by the web pod's app container: 87% busy, 30 GiB of 80 GiB framebuffer used (and
   * 0.5 GiB reserved), 250 W, 70 C; GPM activity: tensor pipes 37.5%, graphics engine 87.5%, SMs
   * 75% active at 50% occupancy, DRAM 25%, PCIe 1 MiB/s out and 2 MiB/s in; a MIG instance of it
   * reports its own tensor activity.
   */
  void publishGpu(Instant at) {
    CollectorFactory nvidia = new dev.nodescope.collectors.nvidia.NvidiaCollectorFactory();
    SnapshotBuilder out = new SnapshotBuilder("nvidia", nvidia.descriptors());
    Map<String, String> labels =
        Map.of(
            "gpu",
            "0",
            "UUID",
            "GPU-8c3f",
            "pci_bus_id",
            "00000000:10:1C.0",
            "device",
            "nvidia0",
            "modelName",
            "NVIDIA H100 80GB HBM3",
            "Hostname",
            "node-1",
            "DCGM_FI_DRIVER_VERSION",
            "550.90.07",
            "pod",
            WEB.name(),
            "namespace",
            WEB.namespace(),
            "container",
            "app");
    Map<String, String> wholeGpu = new java.util.HashMap<>(labels);
    wholeGpu.putAll(Map.of("GPU_I_PROFILE", "", "GPU_I_ID", ""));
    Map<String, Double> values =
        new java.util.HashMap<>(
            Map.of(
                "DCGM_FI_DEV_GPU_UTIL",
                87.0,
                "DCGM_FI_DEV_FB_USED",
                30_720.0,
                "DCGM_FI_DEV_FB_FREE",
                50_688.0,
                "DCGM_FI_DEV_FB_RESERVED",
                512.0,
                "DCGM_FI_DEV_POWER_USAGE",
                250.0,
                "DCGM_FI_DEV_GPU_TEMP",
                70.0));
    values.putAll(
        Map.of(
            "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
            0.375,
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
            0.875,
            "DCGM_FI_PROF_SM_ACTIVE",
            0.75,
            "DCGM_FI_PROF_SM_OCCUPANCY",
            0.5,
            "DCGM_FI_PROF_DRAM_ACTIVE",
            0.25,
            "DCGM_FI_PROF_PCIE_TX_BYTES",
            1_048_576.0,
            "DCGM_FI_PROF_PCIE_RX_BYTES",
            2_097_152.0));
    values.forEach(
        (name, value) -> {
          MetricDescriptor descriptor = descriptor(nvidia, name);
          out.add(descriptor, value, descriptor.labelNames().stream().map(wholeGpu::get).toList());
        });
    Map<String, String> migInstance = new java.util.HashMap<>(labels);
    migInstance.putAll(Map.of("GPU_I_PROFILE", "1g.10gb", "GPU_I_ID", "7"));
    MetricDescriptor tensor = descriptor(nvidia, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE");
    out.add(tensor, 0.125, tensor.labelNames().stream().map(migInstance::get).toList());
    registry.publish(out.build(Clock.fixed(at, ZoneOffset.UTC)));
  }

  /**
   * A trn1 with 2 cores per device: core 3 (device 1) held by the web pod's app container at 50%,
   * core 0 free; 2 ECC events on device 1 and 4 failed executions so far.
   */
  void publishNeuron(Instant at) {
    CollectorFactory neuron = new dev.nodescope.collectors.neuron.NeuronCollectorFactory();
    SnapshotBuilder out = new SnapshotBuilder("neuron", neuron.descriptors());
    Map<String, String> common =
        new java.util.HashMap<>(
            Map.of(
                "instance_name",
                "",
                "instance_id",
                "i-0123456789abcdef0",
                "instance_type",
                "trn1.32xlarge",
                "availability_zone",
                "us-east-1a",
                "region",
                "us-east-1",
                "subnet_id",
                "subnet-1",
                "ultraserver_id",
                "",
                "runtime_tag",
                "1234",
                "neuron_device_count",
                "16",
                "neuroncore_per_device_count",
                "2"));
    add(out, neuron, "neuron_hardware_info", 1, common);
    Map<String, String> core3 = new java.util.HashMap<>(common);
    core3.putAll(
        Map.of(
            "neuroncore",
            "3",
            "pod",
            WEB.name(),
            "namespace",
            WEB.namespace(),
            "container",
            "app"));
    Map<String, String> core0 = new java.util.HashMap<>(common);
    core0.putAll(Map.of("neuroncore", "0", "pod", "", "namespace", "", "container", ""));
    add(out, neuron, "neuroncore_utilization_ratio", 0.5, core3);
    add(out, neuron, "neuroncore_utilization_ratio", 0, core0);
    add(out, neuron, "neuroncore_memory_usage_tensors", 1e9, core3);
    add(out, neuron, "neuroncore_memory_usage_model_code", 2e8, core3);
    Map<String, String> device = new java.util.HashMap<>(common);
    device.putAll(
        Map.of(
            "event_type",
            "mem_ecc_corrected",
            "neuron_device_index",
            "1",
            "pod",
            WEB.name(),
            "namespace",
            WEB.namespace(),
            "container",
            "app"));
    add(out, neuron, "hardware_ecc_events_total", 2, device);
    Map<String, String> errors = new java.util.HashMap<>(common);
    errors.put("error_type", "hardware");
    add(out, neuron, "execution_errors_total", 4, errors);
    Map<String, String> memory = new java.util.HashMap<>(common);
    memory.put("memory_location", "neuron_device");
    add(out, neuron, "neuron_runtime_memory_used_bytes", 3e9, memory);
    Map<String, String> latency = new java.util.HashMap<>(common);
    latency.put("percentile", "p50");
    add(out, neuron, "execution_latency_seconds", 0.012, latency);
    registry.publish(out.build(Clock.fixed(at, ZoneOffset.UTC)));
  }

  private static void add(
      SnapshotBuilder out,
      CollectorFactory factory,
      String name,
      double value,
      Map<String, String> labels) {
    MetricDescriptor descriptor = descriptor(factory, name);
    out.add(descriptor, value, descriptor.labelNames().stream().map(labels::get).toList());
  }

  static Map<String, String> instance() {
    return Map.of("InstanceId", "i-0123456789abcdef0", "InstanceType", "m5.large");
  }
}
