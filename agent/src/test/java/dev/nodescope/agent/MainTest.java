package dev.nodescope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.agent.cli.AgentFlags;
import dev.nodescope.collectors.core.Flag;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.testing.FakeCollectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exit codes and the one-line reasons of the command line, through {@link Main#run} as a user
 * meets them.
 */
class MainTest {
  private static final CollectorCatalog CATALOG =
      new CollectorCatalog(
          List.of(
              FakeCollectors.factory(
                  "fake",
                  List.of(MetricDescriptor.gauge("fake_value", "A value.")),
                  context -> out -> {})));

  @TempDir Path temp;

  private record Outcome(int exitCode, String out, String err) {}

  private static Outcome run(String... args) {
    return run(CATALOG, args);
  }

  private static Outcome run(CollectorCatalog catalog, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            catalog,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertUsageError(Outcome outcome, String reason) {
    assertThat(outcome.exitCode()).isEqualTo(2);
    assertThat(outcome.out()).isEmpty();
    assertThat(outcome.err())
        .as("exactly one line on stderr")
        .endsWith("\n")
        .hasLineCount(1)
        .isEqualTo("nodescope-agent: error: " + reason + ", try --help\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      --bogus                                   | unknown flag --bogus
      --no-web.listen-address                   | unknown flag --no-web.listen-address
      --no-collector.fake=true                  | unknown flag --no-collector.fake
      metrics                                   | unexpected argument 'metrics' (flags start with --)
      --web.telemetry-path                      | flag --web.telemetry-path needs a value
      --log.level=verbose                       | invalid value 'verbose' for --log.level: must be one of debug, info, warn, error
      --log.format=xml                          | invalid value 'xml' for --log.format: must be one of logfmt, json
      --web.max-series-per-metric=many          | invalid value 'many' for --web.max-series-per-metric: must be an integer
      --web.max-series-per-metric=0             | invalid value '0' for --web.max-series-per-metric: must be positive
      --web.max-series-per-metric=-1            | invalid value '-1' for --web.max-series-per-metric: must be positive
      --web.max-requests=-1                     | invalid value '-1' for --web.max-requests: must be between 0 and 127
      --web.max-requests=128                    | invalid value '128' for --web.max-requests: must be between 0 and 127
      --collector.fake=maybe                    | invalid value 'maybe' for --collector.fake: must be true or false
      --collector.fake.interval=10              | invalid value '10' for --collector.fake.interval: must be a duration such as 500ms, 10s, 1m or 1h
      --collector.fake.interval=0s              | --collector.fake.interval must be positive
      --collector.fake.timeout=2s               | --collector.fake.timeout must be positive and at most the interval (1000ms)
      --web.listen-address=9101                 | --web.listen-address: '9101' has no port (expected [host]:port)
      --web.listen-address=:http                | --web.listen-address: ':http' has no numeric port
      --web.listen-address=:70000               | --web.listen-address: port 70000 is out of range
      --web.listen-address=no-such-host.invalid:9101 | --web.listen-address: cannot resolve host 'no-such-host.invalid'
      --web.telemetry-path=metrics              | --web.telemetry-path must start with / and not be one of [/, /healthz, /readyz]
      --web.telemetry-path=/healthz             | --web.telemetry-path must start with / and not be one of [/, /healthz, /readyz]
      """)
  void badFlagsExitTwoWithOneLine(String arg, String reason) {
    assertUsageError(run(arg), reason);
  }

  /**
   * The real collectors' own numeric flags: refused at start-up, not when the collector is first
   * created.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      --collector.flows.max-series=0            | invalid value '0' for --collector.flows.max-series: must be positive
      --collector.flows.max-series=-5           | invalid value '-5' for --collector.flows.max-series: must be positive
      --collector.neuron.period=0s              | invalid value '0s' for --collector.neuron.period: must be positive
      """)
  void outOfRangeCollectorFlagsExitTwoAtStartUp(String arg, String reason) {
    assertUsageError(run(CollectorCatalog.standard(), arg), reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      --cloudwatch.enabled                                                   | --cloudwatch.enabled needs --cloudwatch.region and --cloudwatch.cluster-name
      --cloudwatch.enabled --cloudwatch.region=us-east-1                     | --cloudwatch.enabled needs --cloudwatch.region and --cloudwatch.cluster-name
      --cloudwatch.enabled --cloudwatch.cluster-name=c                       | --cloudwatch.enabled needs --cloudwatch.region and --cloudwatch.cluster-name
      --cloudwatch.enabled --cloudwatch.cluster-name=c --cloudwatch.region=Beijing | --cloudwatch.region 'Beijing' is not a region name such as us-east-1
      --cloudwatch.enabled --cloudwatch.cluster-name=c --cloudwatch.region=cn-north-1 --cloudwatch.interval=500ms | --cloudwatch.interval must be at least 1s
      --cloudwatch.enabled --cloudwatch.cluster-name=c --cloudwatch.region=cn-north-1 --cloudwatch.endpoint=localhost | --cloudwatch.endpoint: 'localhost' is not an http(s) URL
      --cloudwatch.enabled --cloudwatch.cluster-name=c --cloudwatch.region=cn-north-1 --cloudwatch.scrape-targets=ftp://h/x | --cloudwatch.scrape-targets: 'ftp://h/x' is not an http(s) URL
      --cloudwatch.enabled --cloudwatch.cluster-name=c --cloudwatch.region=cn-north-1 --cloudwatch.namespace=AWS/EC2 | --cloudwatch.namespace must be set and not start with AWS/
      --cloudwatch.enabled --cloudwatch.cluster-name=c --cloudwatch.region=cn-north-1 --cloudwatch.declarations-file=/nonexistent.yaml | cannot read --cloudwatch.declarations-file /nonexistent.yaml: /nonexistent.yaml
      """)
  void cloudWatchSettingsProblemsExitTwo(String args, String reason) {
    assertUsageError(run(args.split(" ")), reason);
  }

  @Test
  void aBadDeclarationsFileExitsTwoNamingTheProblem() throws IOException {
    Path file = temp.resolve("declarations.yaml");
    Files.writeString(file, "metrics:\n  - metric: node_cpu_utilization\n    unit: Percentage\n");
    assertUsageError(
        run(
            "--cloudwatch.enabled",
            "--cloudwatch.cluster-name=c",
            "--cloudwatch.region=us-east-1",
            "--cloudwatch.declarations-file=" + file),
        "--cloudwatch.declarations-file "
            + file
            + ": unit 'Percentage' of node_cpu_utilization is not a CloudWatch unit");
    Files.writeString(file, "metrics:\n  - metric: m\n    dimensions: [a, b]\n");
    assertUsageError(
        run(
            "--cloudwatch.enabled",
            "--cloudwatch.cluster-name=c",
            "--cloudwatch.region=us-east-1",
            "--cloudwatch.declarations-file=" + file),
        "--cloudwatch.declarations-file "
            + file
            + ": each dimension set of m must be a list of at most 30 names: a");
  }

  @Test
  void aBadHealthPolicyFileExitsTwoWithOneLine() throws IOException {
    Path badAction = write("policy.yaml", "recovery: 10m\nxid:\n  79: reboot\ncauses: {}\n");
    assertUsageError(
        run("--health.policy-file=" + badAction),
        "--health.policy-file "
            + badAction
            + ": action of xid 79 must be fatal, degraded or ignore: reboot");
    Path noWindow =
        write("window.yaml", "recovery: 10m\nxid:\n  13: {action: degraded, count: 3}\n");
    assertUsageError(
        run("--health.policy-file=" + noWindow),
        "--health.policy-file "
            + noWindow
            + ": xid 13 counts 3 events and needs a positive window");
    Path notYaml = write("broken-policy.yaml", "xid: [unclosed\n");
    Outcome broken = run("--health.policy-file=" + notYaml);
    assertThat(broken.exitCode()).isEqualTo(2);
    assertThat(broken.err())
        .hasLineCount(1)
        .startsWith(
            "nodescope-agent: error: --health.policy-file " + notYaml + " is not valid YAML: ");
    assertUsageError(
        run("--health.taint=nodescope.dev/gpu:Evict", "--health.node-conditions"),
        "--health.taint 'nodescope.dev/gpu:Evict' is not key[=value]:effect with effect NoSchedule,"
            + " PreferNoSchedule or NoExecute");
    assertUsageError(
        run("--health.taint=nodescope.dev/gpu:NoSchedule"),
        "--health.taint needs --health.node-conditions");
  }

  @Test
  void aDisabledCollectorIsNotValidated() {
    Outcome outcome = run("--no-collector.fake", "--collector.fake.timeout=2s", "--bogus");

    assertUsageError(outcome, "unknown flag --bogus");
  }

  @Test
  void configFileProblemsExitTwo() throws IOException {
    Path missing = temp.resolve("missing.yml");
    assertUsageError(
        run("--config.file=" + missing), "cannot read --config.file " + missing + ": " + missing);

    Path unknown = write("unknown.yml", "web:\n  listen-adress: :9101\n");
    assertUsageError(
        run("--config.file", unknown.toString()),
        "--config.file " + unknown + ": unknown setting 'web.listen-adress'");

    Path notYaml = write("broken.yml", "web: [unclosed\n");
    Outcome broken = run("--config.file=" + notYaml);
    assertThat(broken.exitCode()).isEqualTo(2);
    assertThat(broken.err())
        .hasLineCount(1)
        .startsWith("nodescope-agent: error: --config.file " + notYaml + " is not valid YAML: ");

    Path list = write("list.yml", "- web.listen-address\n");
    assertUsageError(
        run("--config.file=" + list),
        "--config.file " + list + " must be a mapping of flag names to values");

    Path nested = write("nested.yml", "config.file: other.yml\n");
    assertUsageError(
        run("--config.file=" + nested),
        "--config.file " + nested + ": a config file cannot name another");

    Path badValue = write("bad-value.yml", "log:\n  level: loud\n");
    assertUsageError(
        run("--config.file=" + badValue),
        "invalid value 'loud' for --log.level: must be one of debug, info, warn, error");

    Path multi = write("multi.yml", "log.level: [info, debug]\n");
    assertUsageError(
        run("--config.file=" + multi),
        "--config.file " + multi + ": setting 'log.level' needs a single value");
  }

  @Test
  void helpListsEveryFlagAndExitsZero() {
    Outcome outcome = run("--help");

    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.err()).isEmpty();
    assertThat(outcome.out()).startsWith("usage: nodescope-agent [<flags>]\n");
    for (Flag<?> flag : AgentFlags.ALL) {
      String shown = flag.isBoolean() ? "--[no-]" + flag.name() + "\n" : "--" + flag.name() + "=";
      assertThat(outcome.out()).contains(shown).contains(flag.help());
    }
    assertThat(outcome.out())
        .contains(
            "--[no-]collector.fake\n",
            "--collector.fake.interval=DURATION\n",
            "(default: :9101)",
            "(default: 1s)");
    assertThat(run("-h").out()).isEqualTo(outcome.out());
  }

  @Test
  void versionNamesTheBuildAndExitsZero() {
    Outcome outcome = run("--version");

    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.err()).isEmpty();
    assertThat(outcome.out())
        .matches("nodescope-agent, version \\S+ \\(revision \\S+\\)\n  java 17[^\n]*\n");
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(temp.resolve(name), content);
  }
}
