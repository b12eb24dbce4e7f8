package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.netlink.Addresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * One direction of a connection: addresses (4 or 16 bytes), IP protocol number and ports (0 when
 * absent). A value: the address bytes are copied in and out, so a tuple never changes.
 */
public final class ConntrackTuple implements TupleView {
  private final byte[] source;
  private final byte[] destination;
  private final int protocol;
  private final int sourcePort;
  private final int destinationPort;

  public ConntrackTuple(
      byte[] source, byte[] destination, int protocol, int sourcePort, int destinationPort) {
    this.source = source == null ? null : source.clone();
    this.destination = destination == null ? null : destination.clone();
    this.protocol = protocol;
    this.sourcePort = sourcePort;
    this.destinationPort = destinationPort;
  }

  /** The source address's bytes (a copy). */
  public byte[] source() {
    return source == null ? null : source.clone();
  }

  /** The destination address's bytes (a copy). */
  public byte[] destination() {
    return destination == null ? null : destination.clone();
  }

  @Override
  public int addressLength() {
    return source == null ? 0 : source.length;
  }

  @Override
  public long sourceHigh() {
    return source == null ? 0 : Addresses.high(source);
  }

  @Override
  public long sourceLow() {
    return source == null ? 0 : Addresses.low(source);
  }

  @Override
  public long destinationHigh() {
    return destination == null ? 0 : Addresses.high(destination);
  }

  @Override
  public long destinationLow() {
    return destination == null ? 0 : Addresses.low(destination);
  }

  @Override
  public ConntrackTuple toTuple() {
    return this;
  }

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

  public InetAddress sourceAddress() {
    return toAddress(source);
  }

  public InetAddress destinationAddress() {
    return toAddress(destination);
  }

  private static InetAddress toAddress(byte[] raw) {
    try {
      return raw == null ? null : InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      return null; // only for lengths other than 4/16, which the codec never produces
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConntrackTuple t
        && Arrays.equals(source, t.source)
        && Arrays.equals(destination, t.destination)
        && protocol == t.protocol
        && sourcePort == t.sourcePort
        && destinationPort == t.destinationPort;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(source) + Arrays.hashCode(destination))
        + protocol * 65537
        + sourcePort * 257
        + destinationPort;
  }

  @Override
  public String toString() {
    return sourceAddress()
        + ":"
        + sourcePort
        + "->"
        + destinationAddress()
        + ":"
        + destinationPort
        + "/"
        + protocol;
  }
}
