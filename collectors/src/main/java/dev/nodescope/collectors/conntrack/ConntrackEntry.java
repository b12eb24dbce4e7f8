package dev.nodescope.collectors.conntrack;

/**
 * One conntrack entry as ctnetlink reports it. Counters are -1 when the kernel sent none
 * (accounting off); tcpState is -1 for non-TCP entries; event says whether it came from a dump, a
 * NEW or a DESTROY event. Immutable: events, the procfs and Cilium sources and tests use it, while
 * a ctnetlink dump hands its entries over as views read in place.
 */
public record ConntrackEntry(
    Event event,
    int family,
    ConntrackTuple original,
    ConntrackTuple reply,
    long originalPackets,
    long originalBytes,
    long replyPackets,
    long replyBytes,
    long status,
    int tcpState,
    int zone,
    long mark,
    long id)
    implements ConntrackView {

  @Override
  public ConntrackEntry toEntry() {
    return this;
  }

  public enum Event {
    DUMP,
    NEW,
    UPDATE,
    DESTROY
  }
}
