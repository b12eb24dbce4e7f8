package dev.nodescope.collectors.testing;

import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.FlagValues;
import java.util.Map;

/**
 * Flag values for tests that create collectors: every flag at its default, but for those a test
 * sets.
 */
public final class TestFlags {
  public static final FlagValues DEFAULTS = with(Map.of());

  private TestFlags() {}

  /** The given flags at the given values (each of its flag's type), every other at its default. */
  public static FlagValues with(Map<? extends Flag<?>, ?> values) {
    return new FlagValues() {
      @Override
      @SuppressWarnings("unchecked")
      public <T> T get(Flag<T> flag) {
        return values.containsKey(flag) ? (T) values.get(flag) : flag.defaultValue();
      }
    };
  }
}
