package dev.nodescope.collectors.nvidia;

import dev.nodescope.collectors.podresources.PodResources.ContainerDevices;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which container the kubelet gave each GPU or MIG instance, keyed by what NVML knows (UUID, index, GPU instance id).
 * Device ids come as "GPU-uuid", "GPU-uuid::N" (time-sliced replica), "MIG-GPU-uuid/gi/ci" (legacy MIG),
 * "nvidiaN" or "nvidiaN/giM" (GKE). The newer "MIG-uuid" form needs NVML to resolve and is not mapped yet.
 */
final class GpuAssignments {
  private static final Pattern GPU_UUID = Pattern.compile("(GPU-[0-9a-fA-F-]+)");
  private static final Pattern LEGACY_MIG = Pattern.compile("MIG-(GPU-[0-9a-fA-F-]+)/(\\d+)/\\d+");
  private static final Pattern GKE = Pattern.compile("nvidia(\\d+)(?:/gi(\\d+))?");

  private final Map<String, ContainerDevices> byKey = new HashMap<>();

  static GpuAssignments of(List<ContainerDevices> containers) {
    GpuAssignments assignments = new GpuAssignments();
    for (ContainerDevices container : containers) {
      String resource = container.resourceName();
      if (!resource.equals("nvidia.com/gpu") && !resource.startsWith("nvidia.com/mig-")) {
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
    matcher = GPU_UUID.matcher(id);
    if (matcher.matches()) {
      return Optional.of(matcher.group(1));
    }
    matcher = GKE.matcher(id);
    if (matcher.matches()) {
      return Optional.of("#" + matcher.group(1) + (matcher.group(2) == null ? "" : "/" + matcher.group(2)));
    }
    return Optional.empty();
  }

  Optional<ContainerDevices> gpu(int index, String uuid) {
    return lookup(uuid, "#" + index);
  }

  Optional<ContainerDevices> migInstance(int index, String uuid, int gpuInstanceId) {
    return lookup(uuid + "/" + gpuInstanceId, "#" + index + "/" + gpuInstanceId);
  }

  private Optional<ContainerDevices> lookup(String uuidKey, String indexKey) {
    ContainerDevices found = byKey.get(uuidKey);
    return Optional.ofNullable(found != null ? found : byKey.get(indexKey));
  }
}
