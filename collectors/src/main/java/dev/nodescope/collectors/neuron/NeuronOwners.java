package dev.nodescope.collectors.neuron;

import dev.nodescope.collectors.core.PodResources.ContainerDevices;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which container the kubelet gave each NeuronCore and Neuron device, from {@code
 * aws.amazon.com/neuroncore}, {@code aws.amazon.com/neurondevice} and {@code
 * aws.amazon.com/neuron}. A core belongs to the owner of the core, or else of its device; a device
 * belongs to the owner of the device, or else to the one container holding its cores.
 */
record NeuronOwners(Map<Long, List<String>> cores, Map<Long, List<String>> devices) {
  static final List<String> NOBODY = List.of("", "", "");
  static final NeuronOwners NONE = new NeuronOwners(Map.of(), Map.of());
  static final String CORE_RESOURCE = "aws.amazon.com/neuroncore";
  static final List<String> DEVICE_RESOURCES =
      List.of("aws.amazon.com/neurondevice", "aws.amazon.com/neuron");

  /** Label values pod, namespace, container. */
  static NeuronOwners from(List<ContainerDevices> assignments) {
    Map<Long, List<String>> cores = new HashMap<>();
    Map<Long, List<String>> devices = new HashMap<>();
    for (ContainerDevices assignment : assignments) {
      List<String> owner =
          List.of(assignment.pod(), assignment.namespace(), assignment.container());
      Map<Long, List<String>> target =
          assignment.resourceName().equals(CORE_RESOURCE)
              ? cores
              : DEVICE_RESOURCES.contains(assignment.resourceName()) ? devices : null;
      if (target == null) {
        continue;
      }
      for (String id : assignment.deviceIds()) {
        Long index = index(id);
        if (index != null) {
          target.put(index, owner);
        }
      }
    }
    return new NeuronOwners(Map.copyOf(cores), Map.copyOf(devices));
  }

  List<String> ofCore(String core, Long coresPerDevice) {
    Long index = index(core);
    if (index == null) {
      return NOBODY;
    }
    List<String> owner = cores.get(index);
    if (owner == null && coresPerDevice != null && coresPerDevice > 0) {
      owner = devices.get(index / coresPerDevice);
    }
    return owner == null ? NOBODY : owner;
  }

  List<String> ofDevice(long device, Long coresPerDevice) {
    List<String> owner = devices.get(device);
    if (owner != null || coresPerDevice == null || coresPerDevice <= 0) {
      return owner == null ? NOBODY : owner;
    }
    List<String> coreOwner = null;
    for (long core = device * coresPerDevice; core < (device + 1) * coresPerDevice; core++) {
      List<String> candidate = cores.get(core);
      if (candidate == null || (coreOwner != null && !coreOwner.equals(candidate))) {
        return NOBODY;
      }
      coreOwner = candidate;
    }
    return coreOwner == null ? NOBODY : coreOwner;
  }

  /**
   * Device plugin IDs are indices ("3"), sometimes prefixed ("neuron3"): the trailing digits are
   * the index.
   */
  private static Long index(String id) {
    int start = id.length();
    while (start > 0 && Character.isDigit(id.charAt(start - 1))) {
      start--;
    }
    if (start == id.length() || id.length() - start > 9) {
      return null;
    }
    return Long.parseLong(id.substring(start));
  }
}
