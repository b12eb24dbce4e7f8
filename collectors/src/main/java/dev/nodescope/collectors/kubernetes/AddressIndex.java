package dev.nodescope.collectors.kubernetes;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * IP address (or another shared key, such as a node name) → value, where several objects may claim
 * one address for a while (a pod IP listed in the slices of two Services; a finished pod's IP
 * reused). Each address keeps its claims by owner key, so that one owner letting go does not erase
 * another's claim. Claims are small immutable maps (almost always one entry), swapped atomically
 * per address, which keeps the cost near one map entry per address.
 */
final class AddressIndex<V> {
  private final Map<String, Map<String, V>> claims = new ConcurrentHashMap<>();

  /** Moves the claims of one owner from the addresses it had to those it has now. */
  void update(String owner, Collection<String> before, Collection<String> after, V value) {
    for (String address : after) {
      claim(address, owner, value);
    }
    for (String address : before) {
      if (!after.contains(address)) {
        release(address, owner);
      }
    }
  }

  void claim(String address, String owner, V value) {
    claims.compute(
        address,
        (ip, current) -> {
          if (current == null || current.isEmpty()) {
            return Map.of(owner, value);
          }
          Map<String, V> next = new HashMap<>(current);
          next.put(owner, value);
          return Map.copyOf(next);
        });
  }

  void release(String address, String owner) {
    claims.computeIfPresent(
        address,
        (ip, current) -> {
          if (!current.containsKey(owner)) {
            return current;
          }
          if (current.size() == 1) {
            return null;
          }
          Map<String, V> next = new HashMap<>(current);
          next.remove(owner);
          return Map.copyOf(next);
        });
  }

  /**
   * Any current claimant of the address; claims normally agree, and a conflict lasts only until
   * churn settles.
   */
  Optional<V> lookup(String address) {
    Map<String, V> current = claims.get(address);
    return current == null ? Optional.empty() : current.values().stream().findFirst();
  }

  int size() {
    return claims.size();
  }
}
