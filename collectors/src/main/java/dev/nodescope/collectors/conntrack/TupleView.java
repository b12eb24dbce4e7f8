package dev.nodescope.collectors.conntrack;

/**
 * One direction of a connection as the flows collector reads it: protocol, ports and both
 * addresses, each address as two longs (its bytes big-endian: an IPv6 address's first eight in high
 * and last eight in low; an IPv4 address in the low 32 bits of low, high 0), so that reading it
 * allocates nothing. A {@link ConntrackTuple}, or a tuple read in place from a dump's receive
 * buffer, valid only while its entry is handed to the dump's sink.
 */
public interface TupleView {
  int protocol();

  int sourcePort();

  int destinationPort();

  /** 4 for IPv4 addresses, 16 for IPv6 ones. */
  int addressLength();

  long sourceHigh();

  long sourceLow();

  long destinationHigh();

  long destinationLow();

  /** An immutable copy. */
  ConntrackTuple toTuple();
}
