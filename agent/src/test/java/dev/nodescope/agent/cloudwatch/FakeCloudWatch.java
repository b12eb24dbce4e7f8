package dev.nodescope.agent.cloudwatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * CloudWatch and CloudWatch Logs on loopback, for the real SDK clients: it decodes PutMetricData
 * from Smithy RPC v2 CBOR (what CloudWatchClient speaks since 2.40.6) and the Logs calls from AWS
 * JSON 1.1, records them, keeps log groups and streams (PutLogEvents to a missing one fails as AWS
 * does), and answers with injected failures first.
 *
 * <p>The bridge tests' shared fixture: creating one gives the SDK's default chain example
 * credentials, and as a field with {@code @RegisterExtension} it stops after each test.
 */
final class FakeCloudWatch implements AutoCloseable, AfterEachCallback {
  static final String RPC_V2_PATH = "/service/GraniteServiceVersion20100801/operation/";
  static final String LOG_GROUP = "/aws/containerinsights/c1/performance";

  /**
   * A failure to serve instead of the next call of an API: its HTTP status and error code in each
   * API.
   */
  enum Failure {
    THROTTLING_400(400, "Throttling", "ThrottlingException"),
    TOO_MANY_REQUESTS_429(429, "TooManyRequests", "TooManyRequestsException"),
    SERVER_ERROR_500(500, "InternalServiceError", "ServiceUnavailableException"),
    VALIDATION_400(400, "InvalidParameterValue", "InvalidParameterException");

    final int status;
    final String cloudWatchCode;
    final String logsType;

    Failure(int status, String cloudWatchCode, String logsType) {
      this.status = status;
      this.cloudWatchCode = cloudWatchCode;
      this.logsType = logsType;
    }
  }

  private final ObjectMapper cbor = new ObjectMapper(new CBORFactory());
  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer server;
  private final List<Map<String, Object>> metricCalls = new ArrayList<>();
  private final List<Map<String, Object>> logCalls = new ArrayList<>();
  private final List<String> operations = new ArrayList<>();
  private final List<Integer> metricBodySizes = new ArrayList<>();
  private final Set<String> groups = new HashSet<>();
  private final Set<String> streams = new HashSet<>();
  private final Deque<Failure> metricFailures = new ArrayDeque<>();
  private final Deque<Failure> logFailures = new ArrayDeque<>();
  private boolean alwaysFailing;

  FakeCloudWatch() throws IOException {
    useExampleCredentials();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Credentials for the SDK's default chain: the fake does not check signatures, but the clients
   * need some.
   */
  static void useExampleCredentials() {
    System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
    System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  }

  /**
   * Bridge settings for this fake: cluster c1, region us-east-1, a 60 s interval, no scrape
   * targets.
   */
  CloudWatchSettings settings(
      List<Declarations.Declaration> declarations, int bufferValues, Duration retryDeadline) {
    return new CloudWatchSettings(
        "us-east-1",
        "c1",
        Duration.ofSeconds(60),
        Optional.of(endpoint()),
        LOG_GROUP,
        "Nodescope",
        declarations,
        List.of(),
        false,
        bufferValues,
        retryDeadline);
  }

  CloudWatchSettings settings(List<Declarations.Declaration> declarations) {
    return settings(declarations, 20_000, Duration.ofMinutes(10));
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  synchronized void failMetricCalls(Failure... failures) {
    metricFailures.addAll(List.of(failures));
  }

  synchronized void failLogCalls(Failure... failures) {
    logFailures.addAll(List.of(failures));
  }

  /** Every call fails with a 500 until called again with false (an outage). */
  synchronized void outage(boolean down) {
    alwaysFailing = down;
  }

  /** Decoded PutMetricData requests: Namespace and MetricData as the wire carried them. */
  synchronized List<Map<String, Object>> metricCalls() {
    return new ArrayList<>(metricCalls);
  }

  synchronized List<Integer> metricBodySizes() {
    return new ArrayList<>(metricBodySizes);
  }

  /** Decoded PutLogEvents requests that succeeded. */
  synchronized List<Map<String, Object>> logCalls() {
    return new ArrayList<>(logCalls);
  }

  /** Every call received, successful or not, as "Api" or "Api:failure". */
  synchronized List<String> operations() {
    return new ArrayList<>(operations);
  }

  @SuppressWarnings("unchecked")
  synchronized List<Map<String, Object>> datums() {
    List<Map<String, Object>> datums = new ArrayList<>();
    metricCalls.forEach(call -> datums.addAll((List<Map<String, Object>>) call.get("MetricData")));
    return datums;
  }

  /** The datums of one metric with exactly these dimensions (name to value), in the order sent. */
  @SuppressWarnings("unchecked")
  List<Map<String, Object>> datums(String metricName, Map<String, String> dimensions) {
    return datums().stream()
        .filter(d -> metricName.equals(d.get("MetricName")))
        .filter(
            d ->
                ((List<Map<String, Object>>) d.get("Dimensions"))
                    .stream()
                        .collect(
                            Collectors.toMap(
                                x -> (String) x.get("Name"), x -> (String) x.get("Value")))
                        .equals(dimensions))
        .toList();
  }

  /** The messages of every stored log event, parsed as JSON. */
  @SuppressWarnings("unchecked")
  synchronized List<Map<String, Object>> events() throws IOException {
    List<Map<String, Object>> events = new ArrayList<>();
    for (Map<String, Object> call : logCalls) {
      for (Map<String, Object> event : (List<Map<String, Object>>) call.get("logEvents")) {
        events.add(json.readValue((String) event.get("message"), Map.class));
      }
    }
    return events;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = body(exchange);
      String path = exchange.getRequestURI().getPath();
      if (path.startsWith(RPC_V2_PATH)) {
        handleRpcV2(exchange, path.substring(RPC_V2_PATH.length()), body);
      } else {
        handleJson(exchange, exchange.getRequestHeaders().getFirst("X-Amz-Target"), body);
      }
    }
  }

  private static byte[] body(HttpExchange exchange) throws IOException {
    byte[] raw = exchange.getRequestBody().readAllBytes();
    if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
        return in.readAllBytes();
      }
    }
    return raw;
  }

  @SuppressWarnings("unchecked")
  private void handleRpcV2(HttpExchange exchange, String operation, byte[] body)
      throws IOException {
    if (!"rpc-v2-cbor".equals(exchange.getRequestHeaders().getFirst("smithy-protocol"))) {
      respond(
          exchange,
          400,
          "text/plain",
          "expected smithy-protocol: rpc-v2-cbor".getBytes(StandardCharsets.UTF_8));
      return;
    }
    exchange.getResponseHeaders().add("smithy-protocol", "rpc-v2-cbor");
    Failure failure = next(metricFailures);
    synchronized (this) {
      operations.add(operation + (failure == null ? "" : ":" + failure));
    }
    if (failure != null) {
      String code = failure.cloudWatchCode;
      exchange
          .getResponseHeaders()
          .add("x-amzn-query-error", code + ";" + (failure.status >= 500 ? "Receiver" : "Sender"));
      respond(
          exchange,
          failure.status,
          "application/cbor",
          cbor.writeValueAsBytes(
              Map.of("__type", "com.amazonaws.cloudwatch#" + code, "message", "injected")));
      return;
    }
    Map<String, Object> request = cbor.readValue(body, Map.class);
    synchronized (this) {
      metricCalls.add(request);
      metricBodySizes.add(body.length);
    }
    respond(exchange, 200, "application/cbor", cbor.writeValueAsBytes(Map.of()));
  }

  @SuppressWarnings("unchecked")
  private void handleJson(HttpExchange exchange, String target, byte[] body) throws IOException {
    String operation = target == null ? "?" : target.substring(target.indexOf('.') + 1);
    Failure failure = operation.equals("PutLogEvents") ? next(logFailures) : null;
    synchronized (this) {
      operations.add(operation + (failure == null ? "" : ":" + failure));
    }
    if (failure != null) {
      respondJson(
          exchange, failure.status, Map.of("__type", failure.logsType, "message", "injected"));
      return;
    }
    Map<String, Object> request = json.readValue(body, Map.class);
    String group = (String) request.get("logGroupName");
    String stream = group + "/" + request.get("logStreamName");
    synchronized (this) {
      switch (operation) {
        case "CreateLogGroup" -> {
          if (!groups.add(group)) {
            respondJson(
                exchange,
                400,
                Map.of("__type", "ResourceAlreadyExistsException", "message", "exists"));
            return;
          }
        }
        case "CreateLogStream" -> {
          if (!groups.contains(group)) {
            respondJson(
                exchange,
                400,
                Map.of("__type", "ResourceNotFoundException", "message", "no group"));
            return;
          }
          streams.add(stream);
        }
        case "PutLogEvents" -> {
          if (!streams.contains(stream)) {
            respondJson(
                exchange,
                400,
                Map.of(
                    "__type",
                    "ResourceNotFoundException",
                    "message",
                    "The specified log stream does not exist."));
            return;
          }
          logCalls.add(request);
        }
        default -> {
          respondJson(
              exchange, 400, Map.of("__type", "UnknownOperationException", "message", operation));
          return;
        }
      }
    }
    respondJson(exchange, 200, Map.of());
  }

  private synchronized Failure next(Deque<Failure> failures) {
    if (alwaysFailing) {
      return Failure.SERVER_ERROR_500;
    }
    return failures.poll();
  }

  private void respondJson(HttpExchange exchange, int status, Map<String, Object> body)
      throws IOException {
    respond(exchange, status, "application/x-amz-json-1.1", json.writeValueAsBytes(body));
  }

  private static void respond(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
