package dev.nodescope.collectors.attribution;

import dev.nodescope.collectors.core.PodInfo;

/** A pod of this node as series name it: the local end of a pod peer. */
public record PodName(String namespace, String name) {
  public static PodName of(PodInfo pod) {
    return new PodName(pod.namespace(), pod.name());
  }
}
