package dev.nodescope.collectors.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command-line flag in the Prometheus exporter style ({@code --web.listen-address=:9101}). The
 * same names are the keys of the YAML config file. Parsing errors carry a message meant for the
 * one-line exit-2 report.
 */
public final class Flag<T> {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private final String name;
  private final String help;
  private final T defaultValue;
  private final Function<String, T> parser;
  private final String placeholder;

  private Flag(
      String name, String help, T defaultValue, Function<String, T> parser, String placeholder) {
    this.name = Objects.requireNonNull(name);
    this.help = Objects.requireNonNull(help);
    this.defaultValue = defaultValue;
    this.parser = parser;
    this.placeholder = placeholder;
  }

  public static Flag<String> string(String name, String defaultValue, String help) {
    return new Flag<>(name, help, defaultValue, value -> value, "STRING");
  }

  public static Flag<Boolean> bool(String name, boolean defaultValue, String help) {
    return new Flag<>(name, help, defaultValue, Flag::parseBoolean, null);
  }

  public static Flag<Integer> integer(String name, int defaultValue, String help) {
    return new Flag<>(name, help, defaultValue, Flag::parseInteger, "INT");
  }

  public static Flag<Duration> duration(String name, Duration defaultValue, String help) {
    return new Flag<>(name, help, defaultValue, Flag::parseDuration, "DURATION");
  }

  public static Flag<Path> path(String name, String defaultValue, String help) {
    return new Flag<>(
        name, help, defaultValue == null ? null : Path.of(defaultValue), Path::of, "PATH");
  }

  /** A flag whose value must be one of the given words. */
  public static Flag<String> oneOf(
      String name, String defaultValue, String help, String... allowed) {
    java.util.List<String> words = java.util.List.of(allowed);
    return new Flag<>(
        name,
        help + " One of: " + String.join(", ", words) + ".",
        defaultValue,
        value -> {
          if (!words.contains(value)) {
            throw new IllegalArgumentException("must be one of " + String.join(", ", words));
          }
          return value;
        },
        String.join("|", words));
  }

  /**
   * A comma-separated list whose items must each be one of the given words; duplicates are dropped.
   */
  public static Flag<java.util.List<String>> listOf(
      String name, java.util.List<String> defaultValue, String help, String... allowed) {
    java.util.List<String> words = java.util.List.of(allowed);
    return new Flag<>(
        name,
        help + " Any of: " + String.join(", ", words) + ".",
        java.util.List.copyOf(defaultValue),
        value -> {
          java.util.List<String> items =
              java.util.Arrays.stream(value.split(","))
                  .map(String::trim)
                  .filter(item -> !item.isEmpty())
                  .distinct()
                  .toList();
          for (String item : items) {
            if (!words.contains(item)) {
              throw new IllegalArgumentException(
                  "'" + item + "' is not one of " + String.join(", ", words));
            }
          }
          if (items.isEmpty()) {
            throw new IllegalArgumentException(
                "must name at least one of " + String.join(", ", words));
          }
          return items;
        },
        "LIST");
  }

  /**
   * This flag, refusing at parse time (so at start-up, exit 2) any value that fails the check, with
   * the reason in the one-line report: {@code Flag.integer(...).requiring(n -> n > 0, "must be
   * positive")}.
   */
  public Flag<T> requiring(Predicate<? super T> valid, String reason) {
    return new Flag<>(
        name,
        help,
        defaultValue,
        value -> {
          T parsed = parser.apply(value);
          if (!valid.test(parsed)) {
            throw new IllegalArgumentException(reason);
          }
          return parsed;
        },
        placeholder);
  }

  public String name() {
    return name;
  }

  public String help() {
    return help;
  }

  public T defaultValue() {
    return defaultValue;
  }

  /**
   * The default as a user would type it (durations as 1m30s, not PT1M30S); null when there is none.
   */
  public String defaultText() {
    if (defaultValue instanceof Duration duration) {
      return formatDuration(duration);
    }
    if (defaultValue instanceof java.util.List<?> list) {
      return list.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }
    return defaultValue == null ? null : defaultValue.toString();
  }

  /** The inverse of {@link #parseDuration}: the shortest Prometheus-style spelling. */
  public static String formatDuration(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder text = new StringBuilder();
    long millis = duration.toMillis();
    long[] sizes = {3_600_000, 60_000, 1000, 1};
    String[] units = {"h", "m", "s", "ms"};
    for (int i = 0; i < sizes.length; i++) {
      if (millis >= sizes[i]) {
        text.append(millis / sizes[i]).append(units[i]);
        millis %= sizes[i];
      }
    }
    return text.toString();
  }

  public boolean isBoolean() {
    return placeholder == null;
  }

  public String placeholder() {
    return placeholder;
  }

  public T parse(String value) {
    return parser.apply(value.trim());
  }

  static boolean parseBoolean(String value) {
    return switch (value.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    };
  }

  static int parseInteger(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be an integer");
    }
  }

  /** Prometheus-style durations: 500ms, 10s, 1m, 1h, or combinations such as 1m30s. */
  public static Duration parseDuration(String value) {
    Matcher matcher = DURATION.matcher(value);
    Duration total = Duration.ZERO;
    int end = 0;
    while (matcher.find() && matcher.start() == end) {
      long amount = Long.parseLong(matcher.group(1));
      total =
          total.plus(
              switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
              });
      end = matcher.end();
    }
    if (end == 0 || end != value.length()) {
      throw new IllegalArgumentException("must be a duration such as 500ms, 10s, 1m or 1h");
    }
    return total;
  }

  /** Flags are identified by name, so a derived flag built twice is still the same flag. */
  @Override
  public boolean equals(Object other) {
    return other instanceof Flag<?> flag && flag.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return "--" + name;
  }
}
