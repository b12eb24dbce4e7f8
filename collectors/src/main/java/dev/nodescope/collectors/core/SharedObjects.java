package dev.nodescope.collectors.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Objects the collectors of one agent share, one per type: created by the first collector that
 * asks, found by the others. Collectors that must agree (the same series admitted for the same pod
 * pairs) meet here without importing each other.
 */
public final class SharedObjects {
  private final Map<Class<?>, Object> objects = new ConcurrentHashMap<>();

  public <T> T get(Class<T> type, Supplier<? extends T> create) {
    return type.cast(objects.computeIfAbsent(type, t -> create.get()));
  }
}
