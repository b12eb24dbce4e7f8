package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.core.PodResources.ContainerDevices;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which container the kubelet gave each GPU or MIG instance, keyed by what NVML knows (UUID, index,
 * GPU instance id). Device ids come as "GPU-uuid", "MIG-uuid" (a MIG device's own UUID, which NVML
 * reports for each instance), "MIG-GPU-uuid/gi/ci" (legacy MIG), "nvidiaN" or "nvidiaN/giM" (GKE),
 * any of them with a "::N" suffix (time-sliced replica; EKS writes it on MIG devices too).
 */
final class GpuAssignments {
  private static final Pattern UUID = Pattern.compile("(?:GPU|MIG)-[0-9a-fA-F-]+");
  private static final Pattern LEGACY_MIG = Pattern.compile("MIG-(GPU-[0-9a-fA-F-]+)/(\\d+)/\\d+");
  private static final Pattern GKE = Pattern.compile("nvidia(\\d+)(?:/gi(\\d+))?");

  private final Map<String, ContainerDevices> byKey = new HashMap<>();

  static GpuAssignments of(List<ContainerDevices> containers) {
    GpuAssignments assignments = new GpuAssignments();
    for (ContainerDevices container : containers) {
      String resource = container.resourceName();
      if (!resource.equals("nvidia.com/gpu")
          && !resource.equals("nvidia.com/gpu.shared")
          && !resource.startsWith("nvidia.com/mig-")) {
        continue;
      }
      for (String deviceId : container.deviceIds()) {
        parseKey(deviceId).ifPresent(key -> assignments.byKey.put(key, container));
      }
    }
    return assignments;
  }

  /** The key NVML-side lookups use, or empty when the id is in a form not mapped. */
  static Optional<String> parseKey(String deviceId) {
    String id = deviceId.contains("::") ? deviceId.substring(0, deviceId.indexOf("::")) : deviceId;
    Matcher matcher = LEGACY_MIG.matcher(id);
    if (matcher.matches()) {
      return Optional.of(matcher.group(1) + "/" + matcher.group(2));
    }
    if (UUID.matcher(id).matches()) {
      return Optional.of(id);
    }
    matcher = GKE.matcher(id);
    if (matcher.matches()) {
      return Optional.of(
          "#" + matcher.group(1) + (matcher.group(2) == null ? "" : "/" + matcher.group(2)));
    }
    return Optional.empty();
  }

  Optional<ContainerDevices> gpu(int index, String uuid) {
    return lookup(uuid, "#" + index);
  }

  Optional<ContainerDevices> migInstance(int index, String uuid, Nvml.MigInstance instance) {
    return lookup(
        instance.uuid(),
        uuid + "/" + instance.gpuInstanceId(),
        "#" + index + "/" + instance.gpuInstanceId());
  }

  private Optional<ContainerDevices> lookup(String... keys) {
    for (String key : keys) {
      ContainerDevices found = byKey.get(key);
      if (found != null) {
        return Optional.of(found);
      }
    }
    return Optional.empty();
  }
}
