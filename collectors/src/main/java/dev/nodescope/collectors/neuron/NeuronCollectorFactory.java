package dev.nodescope.collectors.neuron;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.CollectorContext;
import dev.nodescope.collectors.core.CollectorFactory;
import dev.nodescope.collectors.core.CollectorInfo;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.SourceUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** AWS Neuron metrics from neuron-monitor, under the names neuron-monitor-prometheus uses. */
public final class NeuronCollectorFactory extends CollectorFactory {
  private static final CollectorInfo INFO =
      new CollectorInfo(
          "neuron", Duration.ofSeconds(5), "AWS Trainium/Inferentia metrics from neuron-monitor.");
  static final Flag<String> COMMAND =
      Flag.string(
          "collector.neuron.command",
          "neuron-monitor",
          "neuron-monitor command line (split as a shell splits words); the collector runs it with a config it writes.");
  static final Flag<Duration> PERIOD =
      Flag.duration(
              "collector.neuron.period",
              Duration.ofSeconds(5),
              "Report period asked of neuron-monitor.")
          .requiring(period -> !period.isZero(), "must be positive");
  static final Flag<List<String>> GROUPS =
      Flag.listOf(
          "collector.neuron.groups",
          ReportSource.GROUPS,
          "Metric groups asked of neuron-monitor (comma-separated).",
          ReportSource.GROUPS.toArray(String[]::new));
  static final Flag<String> REPORTS_FILE =
      Flag.string(
          "collector.neuron.reports-file",
          "",
          "Read reports from this file or FIFO (neuron-monitor as a sidecar) instead of running the command.");

  public NeuronCollectorFactory() {
    super(INFO, NeuronMetrics.ALL);
  }

  @Override
  public List<Flag<?>> flags() {
    return List.of(COMMAND, PERIOD, GROUPS, REPORTS_FILE);
  }

  @Override
  public Collector create(CollectorContext context) throws Exception {
    String reportsFile = context.flags().get(REPORTS_FILE);
    if (!reportsFile.isEmpty()) {
      return new NeuronCollector(
          ReportSource.file(Path.of(reportsFile)), context.podResources(), silenceLimit(context));
    }
    List<String> command = ShellWords.split(context.flags().get(COMMAND));
    if (command.isEmpty() || findExecutable(command.get(0)) == null) {
      throw new SourceUnavailableException(
          "no "
              + (command.isEmpty() ? "neuron-monitor command" : command.get(0))
              + " on this node: not a Neuron node");
    }
    return new NeuronCollector(
        ReportSource.command(command, context.flags().get(PERIOD), context.flags().get(GROUPS)),
        context.podResources(),
        silenceLimit(context));
  }

  /** A monitor silent for three periods (at least 30 s) is taken as hung. */
  private static Duration silenceLimit(CollectorContext context) {
    Duration threePeriods = context.flags().get(PERIOD).multipliedBy(3);
    return threePeriods.compareTo(Duration.ofSeconds(30)) < 0
        ? Duration.ofSeconds(30)
        : threePeriods;
  }

  static Path findExecutable(String program) {
    if (program.contains("/")) {
      Path path = Path.of(program);
      return Files.isExecutable(path) ? path : null;
    }
    String pathVariable = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String directory : pathVariable.split(":", -1)) {
      Path candidate = Path.of(directory.isEmpty() ? "." : directory, program);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    Path neuronBin = Path.of("/opt/aws/neuron/bin", program);
    return Files.isExecutable(neuronBin) ? neuronBin : null;
  }
}
