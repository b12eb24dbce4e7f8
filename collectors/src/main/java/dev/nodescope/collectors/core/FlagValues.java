package dev.nodescope.collectors.core;

/** The parsed value of every declared flag, after defaults, config file and command line. */
public interface FlagValues {
  <T> T get(Flag<T> flag);
}
