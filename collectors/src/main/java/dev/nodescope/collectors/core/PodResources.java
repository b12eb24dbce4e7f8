package dev.nodescope.collectors.core;

import java.io.IOException;
import java.util.List;

/**
 * The kubelet's record of which devices (GPUs, MIG instances, Neuron cores and devices) each
 * container was given. Shared by the GPU and Neuron collectors; the real source is the kubelet
 * PodResources v1 API over its unix socket.
 */
public interface PodResources extends AutoCloseable {
  /** No kubelet to ask (the agent runs outside Kubernetes): devices stay unattributed. */
  PodResources NONE = List::of;

  /** Every container's devices, one entry per container and resource name. */
  List<ContainerDevices> list() throws IOException;

  @Override
  default void close() {}

  /**
   * Devices of one resource ({@code nvidia.com/gpu}, {@code aws.amazon.com/neuroncore}, ...) in one
   * container.
   */
  record ContainerDevices(
      String namespace, String pod, String container, String resourceName, List<String> deviceIds) {
    public ContainerDevices {
      deviceIds = List.copyOf(deviceIds);
    }
  }
}
