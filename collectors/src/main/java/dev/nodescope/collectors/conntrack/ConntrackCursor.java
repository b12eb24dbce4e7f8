package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.netlink.Addresses;

/**
 * The entry {@link CtnetlinkCodec} is decoding, in fields that the next entry overwrites: a dump
 * hands every entry to its sink through one cursor, so decoding allocates nothing per entry.
 */
final class ConntrackCursor implements ConntrackView {
  /** One direction, overwritten with the entry. */
  static final class Tuple implements TupleView {
    int protocol;
    int sourcePort;
    int destinationPort;
    int addressLength;
    long sourceHigh;
    long sourceLow;
    long destinationHigh;
    long destinationLow;

    @Override
    public int protocol() {
      return protocol;
    }

    @Override
    public int sourcePort() {
      return sourcePort;
    }

    @Override
    public int destinationPort() {
      return destinationPort;
    }

    @Override
    public int addressLength() {
      return addressLength;
    }

    @Override
    public long sourceHigh() {
      return sourceHigh;
    }

    @Override
    public long sourceLow() {
      return sourceLow;
    }

    @Override
    public long destinationHigh() {
      return destinationHigh;
    }

    @Override
    public long destinationLow() {
      return destinationLow;
    }

    @Override
    public ConntrackTuple toTuple() {
      return new ConntrackTuple(
          Addresses.bytes(addressLength, sourceHigh, sourceLow),
          Addresses.bytes(addressLength, destinationHigh, destinationLow),
          protocol,
          sourcePort,
          destinationPort);
    }
  }

  final Tuple original = new Tuple();
  final Tuple reply = new Tuple();

  /** {packets, bytes} of each direction, -1 when the kernel sent none. */
  final long[] originalCounters = new long[2];

  final long[] replyCounters = new long[2];
  ConntrackEntry.Event event;
  int family;
  boolean hasOriginal;
  boolean hasReply;
  long status;
  int tcpState;
  int zone;
  long mark;
  long id;

  /** Forgets the previous entry. */
  void reset(int family, ConntrackEntry.Event event) {
    this.family = family;
    this.event = event;
    hasOriginal = false;
    hasReply = false;
    originalCounters[0] = -1;
    originalCounters[1] = -1;
    replyCounters[0] = -1;
    replyCounters[1] = -1;
    status = 0;
    tcpState = -1;
    zone = 0;
    mark = 0;
    id = 0;
  }

  @Override
  public ConntrackEntry.Event event() {
    return event;
  }

  @Override
  public int family() {
    return family;
  }

  @Override
  public TupleView original() {
    return hasOriginal ? original : null;
  }

  @Override
  public TupleView reply() {
    return hasReply ? reply : null;
  }

  @Override
  public long originalPackets() {
    return originalCounters[0];
  }

  @Override
  public long originalBytes() {
    return originalCounters[1];
  }

  @Override
  public long replyPackets() {
    return replyCounters[0];
  }

  @Override
  public long replyBytes() {
    return replyCounters[1];
  }

  @Override
  public long status() {
    return status;
  }

  @Override
  public int tcpState() {
    return tcpState;
  }

  @Override
  public int zone() {
    return zone;
  }

  @Override
  public long mark() {
    return mark;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public ConntrackEntry toEntry() {
    return new ConntrackEntry(
        event,
        family,
        hasOriginal ? original.toTuple() : null,
        hasReply ? reply.toTuple() : null,
        originalCounters[0],
        originalCounters[1],
        replyCounters[0],
        replyCounters[1],
        status,
        tcpState,
        zone,
        mark,
        id);
  }
}
