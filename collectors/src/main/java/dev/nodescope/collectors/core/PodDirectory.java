package dev.nodescope.collectors.core;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Lookups of the pods on this node; empty when the agent runs without Kubernetes access. */
public interface PodDirectory {
  PodDirectory EMPTY =
      new PodDirectory() {
        @Override
        public Collection<PodInfo> pods() {
          return List.of();
        }
      };

  Collection<PodInfo> pods();

  default Optional<PodInfo> byUid(String uid) {
    return pods().stream().filter(pod -> pod.uid().equals(uid)).findFirst();
  }

  default Optional<PodInfo> byIp(String ip) {
    return pods().stream().filter(pod -> !pod.hostNetwork() && pod.ips().contains(ip)).findFirst();
  }
}
