package dev.nodescope.collectors.ena;

import java.io.IOException;
import java.util.Map;

/**
 * The NIC statistics of one interface, named as the driver names them (what {@code ethtool -S}
 * prints).
 */
interface Ethtool extends AutoCloseable {
  Map<String, Long> stats(String iface) throws IOException;

  @Override
  default void close() {}
}
