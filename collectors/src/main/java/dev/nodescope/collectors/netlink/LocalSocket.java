package dev.nodescope.collectors.netlink;

import java.net.InetAddress;

/**
 * A TCP or UDP socket of the node's network namespace. Addresses are null when unspecified (a
 * wildcard bind, or no peer: a listener or an unconnected UDP socket); IPv4-mapped IPv6 addresses
 * are IPv4. Inode 0 is a socket that no file descriptor holds any more (TIME_WAIT).
 */
public record LocalSocket(
    int protocol,
    InetAddress localAddress,
    int localPort,
    InetAddress remoteAddress,
    int remotePort,
    long inode) {

  public static final int TCP = 6;
  public static final int UDP = 17;

  /** An address from its raw bytes, null for 0.0.0.0 and ::. */
  public static InetAddress address(byte[] raw) {
    boolean unspecified = true;
    for (byte b : raw) {
      unspecified &= b == 0;
    }
    if (unspecified) {
      return null;
    }
    try {
      return InetAddress.getByAddress(raw); // maps ::ffff:a.b.c.d to an Inet4Address
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("address of " + raw.length + " bytes");
    }
  }
}
