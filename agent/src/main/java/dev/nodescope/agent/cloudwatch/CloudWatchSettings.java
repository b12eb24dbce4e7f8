package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cli.UsageException;
import dev.nodescope.collectors.core.FlagValues;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The bridge's settings, checked together before the agent starts (exit 2 on any problem). */
public record CloudWatchSettings(
    String region,
    String clusterName,
    Duration interval,
    Optional<URI> endpoint,
    String logGroup,
    String namespace,
    List<Declarations.Declaration> declarations,
    List<URI> scrapeTargets,
    boolean scrapePods,
    int bufferValues,
    Duration retryDeadline) {
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");

  public CloudWatchSettings {
    declarations = List.copyOf(declarations);
    scrapeTargets = List.copyOf(scrapeTargets);
  }

  /** The settings when the bridge is enabled; empty when it is not. */
  public static Optional<CloudWatchSettings> from(FlagValues values) throws UsageException {
    if (!values.get(CloudWatchFlags.ENABLED)) {
      return Optional.empty();
    }
    String region = values.get(CloudWatchFlags.REGION);
    String cluster = values.get(CloudWatchFlags.CLUSTER_NAME);
    if (region == null || region.isBlank() || cluster == null || cluster.isBlank()) {
      throw new UsageException(
          "--cloudwatch.enabled needs --cloudwatch.region and --cloudwatch.cluster-name");
    }
    if (!REGION.matcher(region).matches()) {
      throw new UsageException(
          "--cloudwatch.region '" + region + "' is not a region name such as us-east-1");
    }
    Duration interval = values.get(CloudWatchFlags.INTERVAL);
    if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new UsageException("--cloudwatch.interval must be at least 1s");
    }
    if (values.get(CloudWatchFlags.BUFFER_VALUES) < 1) {
      throw new UsageException("--cloudwatch.buffer-values must be positive");
    }
    String logGroup =
        Optional.ofNullable(values.get(CloudWatchFlags.LOG_GROUP))
            .filter(g -> !g.isBlank())
            .orElse("/aws/containerinsights/" + cluster + "/performance");
    String namespace = values.get(CloudWatchFlags.NAMESPACE);
    if (namespace == null || namespace.isBlank() || namespace.startsWith("AWS/")) {
      throw new UsageException("--cloudwatch.namespace must be set and not start with AWS/");
    }
    List<Declarations.Declaration> declarations =
        values.get(CloudWatchFlags.DECLARATIONS_FILE) == null
            ? Declarations.defaults()
            : Declarations.load(values.get(CloudWatchFlags.DECLARATIONS_FILE));
    String endpoint = values.get(CloudWatchFlags.ENDPOINT);
    return Optional.of(
        new CloudWatchSettings(
            region,
            cluster,
            interval,
            endpoint == null || endpoint.isBlank()
                ? Optional.empty()
                : Optional.of(uri("--cloudwatch.endpoint", endpoint)),
            logGroup,
            namespace,
            declarations,
            scrapeTargets(values.get(CloudWatchFlags.SCRAPE_TARGETS)),
            values.get(CloudWatchFlags.SCRAPE_PODS),
            values.get(CloudWatchFlags.BUFFER_VALUES),
            values.get(CloudWatchFlags.RETRY_DEADLINE)));
  }

  private static List<URI> scrapeTargets(String list) throws UsageException {
    List<URI> targets = new ArrayList<>();
    if (list == null) {
      return targets;
    }
    for (String item : list.split(",", -1)) {
      if (!item.isBlank()) {
        targets.add(uri("--cloudwatch.scrape-targets", item.trim()));
      }
    }
    return targets;
  }

  private static URI uri(String flag, String text) throws UsageException {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new UsageException(flag + ": '" + text + "' is not a URL");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new UsageException(flag + ": '" + text + "' is not an http(s) URL");
    }
    return uri;
  }
}
