package dev.nodescope.collectors.attribution;

/**
 * The far end of a connection as labels name it: a pod (here or elsewhere), a node, the outside
 * world, and the Service it was addressed through when there was one; empty strings where a label
 * does not apply.
 */
public record Remote(
    String namespace, String pod, String service, RemoteKind kind, Locality locality) {
  /** The far end of a pod's aggregate over peers past the cap. */
  public static final Remote ANY = new Remote("", "", "", RemoteKind.UNKNOWN, Locality.UNKNOWN);
}
