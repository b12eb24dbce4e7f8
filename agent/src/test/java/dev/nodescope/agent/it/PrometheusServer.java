package dev.nodescope.agent.it;

import dev.nodescope.collectors.testing.Capabilities;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A real Prometheus (Debian's binary) on loopback with its own config and data directory, scraping
 * the agent.
 */
final class PrometheusServer implements AutoCloseable {
  /** The job name of the agent's target, as in the dashboards' queries. */
  static final String JOB = "nodescope";

  /**
   * How long a series may take to appear: Prometheus starting, then a scrape or two (rates need
   * two).
   */
  static final Duration LIMIT = Duration.ofSeconds(90);

  private final Process process;
  private final Path log;
  private final int port;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusServer(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  static PrometheusServer scraping(AgentProcess agent, Path workDir) throws IOException {
    return scraping(agent, workDir, List.of());
  }

  /** The same with rule files loaded, evaluated every second. */
  static PrometheusServer scraping(AgentProcess agent, Path workDir, List<Path> ruleFiles)
      throws IOException {
    Capabilities.requireCommand("prometheus");
    StringBuilder rules = new StringBuilder("rule_files:\n");
    ruleFiles.forEach(file -> rules.append("  - '").append(file).append("'\n"));
    Path config =
        Files.writeString(
            workDir.resolve("prometheus.yml"),
            """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        %s
        scrape_configs:
          - job_name: %s
            static_configs:
              - targets: ['%s']
        """
                .formatted(ruleFiles.isEmpty() ? "" : rules, JOB, agent.target()));
    int port = Processes.freePort();
    Path log = workDir.resolve("prometheus.log");
    Process process =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + config,
                "--storage.tsdb.path="
                    + Files.createDirectories(workDir.resolve("prometheus-data")),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    return new PrometheusServer(process, log, port);
  }

  /** The {@code data.result} of an instant query; empty until the series exists. */
  @SuppressWarnings("unchecked")
  List<Map<String, Object>> query(String promql) throws IOException, InterruptedException {
    Map<String, Object> data =
        (Map<String, Object>)
            api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
                .get("data");
    return (List<Map<String, Object>>) data.get("result");
  }

  /**
   * False while Prometheus is still starting (not listening yet) or the query has no result yet.
   */
  boolean answers(String promql) throws InterruptedException {
    try {
      return !query(promql).isEmpty();
    } catch (IOException notListeningYet) {
      return false;
    }
  }

  /**
   * Waits up to {@link #LIMIT} for the query to return data; fails naming the targets and
   * Prometheus's log.
   */
  void awaitAnswer(String promql) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!answers(promql)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no result for "
                + promql
                + " within "
                + LIMIT.toSeconds()
                + "s; targets: "
                + activeTargets()
                + "\n"
                + log());
      }
      Thread.sleep(200);
    }
  }

  @SuppressWarnings("unchecked")
  List<Map<String, Object>> activeTargets() throws IOException, InterruptedException {
    Map<String, Object> data = (Map<String, Object>) api("/api/v1/targets").get("data");
    return (List<Map<String, Object>>) data.get("activeTargets");
  }

  /** JSON answers read with SnakeYAML (JSON is YAML), so the tests need no JSON library. */
  private Map<String, Object> api(String path) throws IOException, InterruptedException {
    if (!process.isAlive()) {
      throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + log());
    }
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 503) {
      // Listening but still starting: it answers "Service Unavailable" in plain text, not JSON.
      throw new IOException("prometheus not ready: " + response.body().trim());
    }
    Map<String, Object> answer =
        new Yaml(new SafeConstructor(new LoaderOptions())).load(response.body());
    if (response.statusCode() != 200 || !"success".equals(answer.get("status"))) {
      throw new AssertionError(
          "prometheus answered " + response.statusCode() + ": " + response.body());
    }
    return answer;
  }

  String log() {
    return Processes.readQuietly(log);
  }

  @Override
  public void close() throws InterruptedException {
    Processes.stop(process);
  }
}
