package dev.nodescope.agent.cli;

import java.net.InetSocketAddress;

/**
 * Parses "[host]:port" as Prometheus exporters do: ":9101" binds every interface, "[::1]:9101" an
 * IPv6 host.
 */
public final class ListenAddress {
  private ListenAddress() {}

  public static InetSocketAddress parse(String value) throws UsageException {
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw new UsageException(
          "--web.listen-address: '" + value + "' has no port (expected [host]:port)");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new UsageException("--web.listen-address: '" + value + "' has no numeric port");
    }
    if (port < 0 || port > 65535) {
      throw new UsageException("--web.listen-address: port " + port + " is out of range");
    }
    if (host.isEmpty()) {
      return new InetSocketAddress(port);
    }
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      // Otherwise the bind fails later as a start-up error rather than a usage error.
      throw new UsageException("--web.listen-address: cannot resolve host '" + host + "'");
    }
    return address;
  }
}
