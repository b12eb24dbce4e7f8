package dev.nodescope.agent.health;

import dev.nodescope.agent.cli.UsageException;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The taint of {@code --health.taint}, written as kubectl taint writes one: key[=value]:effect. */
record TaintSpec(String key, String value, String effect) {
  private static final Pattern FORM =
      Pattern.compile(
          "((?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)"
              + "(?:=([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?)?:(\\w+)");
  private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

  static Optional<TaintSpec> parse(String text) throws UsageException {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    Matcher matcher = FORM.matcher(text);
    if (!matcher.matches() || !EFFECTS.contains(matcher.group(6))) {
      throw new UsageException(
          "--health.taint '"
              + text
              + "' is not key[=value]:effect with effect NoSchedule, PreferNoSchedule or NoExecute");
    }
    return Optional.of(
        new TaintSpec(
            matcher.group(1), matcher.group(4) == null ? "" : matcher.group(4), matcher.group(6)));
  }

  @Override
  public String toString() {
    return key + (value.isEmpty() ? "" : "=" + value) + ":" + effect;
  }
}
