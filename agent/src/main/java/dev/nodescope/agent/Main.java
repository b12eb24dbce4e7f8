package dev.nodescope.agent;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.agent.cli.CommandLine;
import dev.nodescope.agent.cli.ListenAddress;
import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.agent.exposition.BuildInfo;
import dev.nodescope.collectors.core.Flag;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Entry point: parse flags (exit 2 on any problem), then run the agent until SIGTERM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the agent; returns only for --help, --version and usage errors, or when start-up fails.
   */
  static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, CollectorCatalog.standard(), out, err);
  }

  static int run(String[] args, CollectorCatalog catalog, PrintStream out, PrintStream err) {
    List<Flag<?>> flags = new ArrayList<>(AgentFlags.ALL);
    flags.addAll(catalog.flags());
    CommandLine commandLine = new CommandLine(flags);
    CommandLine.Parsed parsed;
    try {
      parsed = commandLine.parse(args);
      switch (parsed.action()) {
        case HELP -> {
          out.print(commandLine.help("nodescope-agent"));
          return 0;
        }
        case VERSION -> {
          BuildInfo build = BuildInfo.load();
          out.println(
              "nodescope-agent, version "
                  + build.version()
                  + " (revision "
                  + build.revision()
                  + ")");
          out.println("  java " + System.getProperty("java.version"));
          return 0;
        }
        default -> {
          ListenAddress.parse(parsed.values().get(AgentFlags.LISTEN_ADDRESS));
          AgentSettings.validate(parsed.values(), catalog);
        }
      }
    } catch (UsageException e) {
      err.println("nodescope-agent: error: " + e.getMessage() + ", try --help");
      return 2;
    }
    LogSetup.configure(
        parsed.values().get(AgentFlags.LOG_LEVEL), parsed.values().get(AgentFlags.LOG_FORMAT));
    try {
      Agent agent = Agent.start(catalog, parsed.values(), System.getenv());
      Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "shutdown"));
      agent.awaitTermination();
      return 0;
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(Main.class).error("start-up failed: {}", e.toString(), e);
      return 1;
    }
  }
}
