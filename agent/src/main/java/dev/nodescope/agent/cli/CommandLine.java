package dev.nodescope.agent.cli;

import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.FlagValues;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses flags in the style of Prometheus exporters: {@code --name=value}, {@code --name value},
 * and for booleans {@code --name} / {@code --no-name}. Values come from the defaults, then the YAML
 * config file, then the command line. Every problem is a {@link UsageException} with a one-line
 * reason.
 */
public final class CommandLine {
  /** What the user asked for: run, or only print help or the version. */
  public enum Action {
    RUN,
    HELP,
    VERSION
  }

  private final Map<String, Flag<?>> flags = new LinkedHashMap<>();

  public CommandLine(List<Flag<?>> declared) {
    for (Flag<?> flag : declared) {
      Flag<?> previous = flags.putIfAbsent(flag.name(), flag);
      if (previous != null && !previous.help().equals(flag.help())) {
        throw new IllegalStateException("flag --" + flag.name() + " is declared twice");
      }
    }
  }

  public record Parsed(Action action, FlagValues values) {}

  public Parsed parse(String[] args) throws UsageException {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new Parsed(Action.HELP, null);
      }
      if (arg.equals("--version")) {
        return new Parsed(Action.VERSION, null);
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument '" + arg + "' (flags start with --)");
      }
      String body = arg.substring(2);
      int equals = body.indexOf('=');
      String name = equals < 0 ? body : body.substring(0, equals);
      Flag<?> flag = flags.get(name);
      if (flag == null && equals < 0 && name.startsWith("no-") && isBoolean(name.substring(3))) {
        given.put(name.substring(3), "false");
        continue;
      }
      if (flag == null) {
        throw new UsageException("unknown flag --" + name);
      }
      if (equals >= 0) {
        given.put(name, body.substring(equals + 1));
      } else if (flag.isBoolean()) {
        given.put(name, "true");
      } else if (i + 1 < args.length) {
        given.put(name, args[++i]);
      } else {
        throw new UsageException("flag --" + name + " needs a value");
      }
    }

    Map<String, String> merged = new LinkedHashMap<>();
    String configFile = given.get(AgentFlags.CONFIG_FILE.name());
    if (configFile != null) {
      merged.putAll(readConfig(Path.of(configFile)));
    }
    merged.putAll(given);

    Map<Flag<?>, Object> values = new HashMap<>();
    for (Flag<?> flag : flags.values()) {
      String raw = merged.get(flag.name());
      values.put(flag, raw == null ? flag.defaultValue() : parseValue(flag, raw));
    }
    return new Parsed(Action.RUN, new Values(values));
  }

  private boolean isBoolean(String name) {
    Flag<?> flag = flags.get(name);
    return flag != null && flag.isBoolean();
  }

  private static Object parseValue(Flag<?> flag, String raw) throws UsageException {
    try {
      return flag.parse(raw);
    } catch (RuntimeException e) {
      throw new UsageException(
          "invalid value '" + raw + "' for --" + flag.name() + ": " + e.getMessage());
    }
  }

  /** Reads the config file into flag names and raw values; nested maps are joined with dots. */
  private Map<String, String> readConfig(Path path) throws UsageException {
    Object document;
    try (InputStream in = Files.newInputStream(path)) {
      document = SafeYaml.load(in);
    } catch (IOException e) {
      throw new UsageException("cannot read --config.file " + path + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw new UsageException(
          "--config.file "
              + path
              + " is not valid YAML: "
              + e.getMessage().lines().findFirst().orElse(""));
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (document == null) {
      return values;
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new UsageException(
          "--config.file " + path + " must be a mapping of flag names to values");
    }
    flatten("", map, values, path);
    return values;
  }

  private void flatten(String prefix, Map<?, ?> map, Map<String, String> out, Path path)
      throws UsageException {
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = prefix + entry.getKey();
      Object value = entry.getValue();
      if (value instanceof Map<?, ?> nested) {
        // A mapping is never a flag's value, so "collector: {node: {interval: 5s}}" nests even
        // though
        // collector.node is itself a flag.
        flatten(key + ".", nested, out, path);
      } else if (!flags.containsKey(key)) {
        throw new UsageException("--config.file " + path + ": unknown setting '" + key + "'");
      } else if (key.equals(AgentFlags.CONFIG_FILE.name())) {
        throw new UsageException("--config.file " + path + ": a config file cannot name another");
      } else if (value == null || value instanceof List) {
        throw new UsageException(
            "--config.file " + path + ": setting '" + key + "' needs a single value");
      } else {
        out.put(key, String.valueOf(value));
      }
    }
  }

  /** The help text: every flag with its default, grouped as declared. */
  public String help(String program) {
    StringBuilder text =
        new StringBuilder("usage: ")
            .append(program)
            .append(" [<flags>]\n\n")
            .append(
                "Nodescope: per-node observability for Kubernetes ML inference nodes.\n\nFlags:\n");
    text.append("  -h, --help                 Show this help and exit.\n");
    text.append("      --version              Show the version and exit.\n");
    for (Flag<?> flag : flags.values()) {
      String left =
          flag.isBoolean()
              ? "--[no-]" + flag.name()
              : "--" + flag.name() + "=" + flag.placeholder();
      text.append("      ").append(left).append('\n').append("          ").append(flag.help());
      if (flag.defaultText() != null) {
        text.append(" (default: ").append(flag.defaultText()).append(')');
      }
      text.append('\n');
    }
    return text.toString();
  }

  public List<Flag<?>> flags() {
    return new ArrayList<>(flags.values());
  }

  private record Values(Map<Flag<?>, Object> values) implements FlagValues {
    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Flag<T> flag) {
      if (!values.containsKey(flag)) {
        throw new IllegalArgumentException("flag --" + flag.name() + " was not declared");
      }
      return (T) values.get(flag);
    }
  }
}
