package dev.nodescope.agent.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fat jar running as its own process, as a DaemonSet would run it: the JVM options of
 * agent/jvm.options, a loopback port, no Kubernetes access, and the node name from NODE_NAME.
 */
final class AgentProcess implements AutoCloseable {
  static final String NODE_NAME = "fixture-node";
  static final String OPENMETRICS = "application/openmetrics-text;version=1.0.0";
  private static final Duration READY_LIMIT = Duration.ofSeconds(60);

  private final Process process;
  private final Path log;
  private final int port;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private AgentProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("nodescope.agent.jar", "target/nodescope-agent.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(
          jar + " is missing: integration tests run in `mvn verify` after the package phase");
    }
    return jar;
  }

  static List<String> command(List<String> args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("jvm.options").toAbsolutePath(),
                "-jar",
                jar().toString()));
    command.addAll(args);
    return command;
  }

  /**
   * Starts the agent on a free loopback port and waits until /readyz says the first collection is
   * done.
   */
  static AgentProcess start(Path workDir, List<String> args)
      throws IOException, InterruptedException {
    return start(workDir, args, Map.of());
  }

  /** The same with variables added to the agent's environment (a library path, say). */
  static AgentProcess start(Path workDir, List<String> args, Map<String, String> extraEnvironment)
      throws IOException, InterruptedException {
    return start(workDir, List.of(), args, extraEnvironment);
  }

  /**
   * The same, run through a launcher: a command that runs the rest of its arguments (setpriv, say,
   * to start the agent with fewer capabilities).
   */
  static AgentProcess start(
      Path workDir, List<String> launcher, List<String> args, Map<String, String> extraEnvironment)
      throws IOException, InterruptedException {
    return launch(workDir, launcher, Processes.freePort(), args, extraEnvironment);
  }

  /**
   * The same inside a network namespace (`ip netns exec`), listening on its loopback at {@code
   * port}; a relay from this namespace's loopback at the same port must already be listening, so
   * that the agent answers here as it would outside.
   */
  static AgentProcess startInNetns(
      Path workDir, String netns, int port, List<String> args, Map<String, String> extraEnvironment)
      throws IOException, InterruptedException {
    return launch(workDir, List.of("ip", "netns", "exec", netns), port, args, extraEnvironment);
  }

  private static AgentProcess launch(
      Path workDir,
      List<String> launcher,
      int port,
      List<String> args,
      Map<String, String> extraEnvironment)
      throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--web.listen-address=127.0.0.1:" + port));
    all.addAll(args);
    List<String> line = new ArrayList<>(launcher);
    line.addAll(command(all));
    Path log = workDir.resolve("agent.log");
    ProcessBuilder builder =
        new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("KUBERNETES_") || name.equals("KUBECONFIG"));
    env.put("HOME", workDir.toString()); // no ~/.kube/config of the machine running the tests
    env.put("NODE_NAME", NODE_NAME);
    env.putAll(extraEnvironment);
    AgentProcess agent = new AgentProcess(builder.start(), log, port);
    agent.awaitReady();
    return agent;
  }

  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + READY_LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the agent exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        if (get("/readyz").statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // keep waiting
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the agent was not ready within " + READY_LIMIT.toSeconds() + "s:\n" + log());
  }

  int port() {
    return port;
  }

  String target() {
    return "127.0.0.1:" + port;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String log() {
    return Processes.readQuietly(log);
  }

  HttpResponse<byte[]> get(String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + target() + path))
            .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The telemetry path in Prometheus text format, asserting that the scrape succeeded. */
  String scrapeText() throws IOException, InterruptedException {
    return scrape();
  }

  String scrapeOpenMetrics() throws IOException, InterruptedException {
    return scrape("Accept", OPENMETRICS);
  }

  private String scrape(String... headers) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = get("/metrics", headers);
    if (response.statusCode() != 200) {
      throw new AssertionError("scrape answered " + response.statusCode() + "\n" + log());
    }
    return new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Sends SIGTERM, as the kubelet does, and returns the exit code once the process is gone. */
  int terminate(Duration limit) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "the agent did not stop within " + limit.toSeconds() + "s of SIGTERM:\n" + log());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    Processes.stop(process);
  }
}
