package dev.nodescope.agent.exposition;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The agent's one port: the telemetry path (content negotiation and gzip by client_java's handler),
 * /healthz, /readyz and a small landing page.
 *
 * <p>The JDK server reads each request on a worker thread, so a client that sends its headers
 * slowly, or a scraper that never reads the response, holds a worker. Three things keep the
 * kubelet's probes answered anyway: deadlines after which the server closes such a connection, more
 * workers than the telemetry path may use at once (past --web.max-requests a scrape gets 503, as
 * node_exporter does), and workers made only when needed and let go when idle, so the reserve costs
 * nothing while all is well.
 */
public final class AgentHttpServer implements AutoCloseable {
  /** Workers in all; the telemetry path may hold at most --web.max-requests of them. */
  public static final int MAX_WORKERS = 128;

  private static final long WORKER_STACK_BYTES = 256 * 1024;

  /**
   * The JDK server leaves Nagle's algorithm on and writes headers and body separately, so on a
   * kept-alive connection (as Prometheus scrapes) each response waited for the client's delayed
   * ACK: ~40 ms per scrape instead of ~1 ms. The server reads this property once, when its first
   * instance is created.
   */
  static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  /**
   * Seconds from a connection's first byte until its request is read and answered (headers sent);
   * past it the server closes the connection. A connection that sends nothing at all is closed
   * after it too.
   */
  static final String MAX_REQUEST_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";

  /**
   * Seconds a response may take to be sent once its headers are; past it the server closes the
   * connection.
   */
  static final String MAX_RESPONSE_TIME_PROPERTY = "sun.net.httpserver.maxRspTime";

  /**
   * Milliseconds between the server's checks of connections that sent nothing (10 s by default).
   */
  static final String IDLE_CHECK_PROPERTY = "sun.net.httpserver.clockTick";

  static final Map<String, String> DEFAULT_LIMITS =
      Map.of(
          MAX_REQUEST_TIME_PROPERTY,
          "10",
          MAX_RESPONSE_TIME_PROPERTY,
          "30",
          IDLE_CHECK_PROPERTY,
          "1000");

  /**
   * The server starts a request's clock just before it hands the request to a worker, so a
   * connection closed right at its deadline has run slightly less than the deadline on the worker.
   */
  private static final Duration DEADLINE_SLACK = Duration.ofMillis(50);

  static {
    System.setProperty(NODELAY_PROPERTY, "true");
    applyDefaultLimits(System.getProperties());
  }

  /**
   * An operator's -D wins (and the tests shorten them); the server reads these when its first
   * instance is made.
   */
  static void applyDefaultLimits(Properties properties) {
    DEFAULT_LIMITS.forEach(properties::putIfAbsent);
  }

  /**
   * client_java logs a failed write of the metrics response with its stack trace; a scraper that
   * does not read is counted and logged once a minute here instead. Other failures (a collection
   * that throws) still get logged. Held here because JUL keeps its loggers only weakly.
   */
  @SuppressWarnings("UnusedVariable") // never read: held only so that JUL keeps the logger
  private static final java.util.logging.Logger SCRAPE_HANDLER_LOG =
      quietOnWriteFailures(java.util.logging.Logger.getLogger(HttpExchangeAdapter.class.getName()));

  private static final Duration REQUEST_DEADLINE =
      Duration.ofSeconds(Long.getLong(MAX_REQUEST_TIME_PROPERTY));
  private static final Duration RESPONSE_DEADLINE =
      Duration.ofSeconds(Long.getLong(MAX_RESPONSE_TIME_PROPERTY));

  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final HttpServerMetrics metrics;

  /**
   * Whether the exchange running on this worker reached a handler, that is, its request was read in
   * time.
   */
  private final ThreadLocal<Boolean> requestRead = ThreadLocal.withInitial(() -> false);

  /**
   * @param maxRequests scrapes of the telemetry path served at once, further ones answered 503; 0
   *     for no limit (then only the worker count bounds them)
   */
  public AgentHttpServer(
      InetSocketAddress address,
      String telemetryPath,
      PreparedBodies bodies,
      BooleanSupplier ready,
      int maxRequests)
      throws IOException {
    metrics =
        new HttpServerMetrics(Clock.systemUTC(), maxRequests, REQUEST_DEADLINE, RESPONSE_DEADLINE);
    AtomicInteger threadNumber = new AtomicInteger();
    workers =
        new ThreadPoolExecutor(
            0,
            MAX_WORKERS,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            runnable -> {
              Thread thread =
                  new Thread(
                      null, runnable, "http-" + threadNumber.incrementAndGet(), WORKER_STACK_BYTES);
              thread.setDaemon(true);
              return thread;
            },
            (exchange, pool) -> {
              // The server closes the connection it could not hand over.
              metrics.rejected(HttpServerMetrics.WORKERS_BUSY);
              throw new RejectedExecutionException("every HTTP worker is busy");
            });
    server = HttpServer.create(address, 64);
    server.setExecutor(exchange -> workers.execute(() -> runExchange(exchange)));
    Semaphore scrapeSlots = maxRequests == 0 ? null : new Semaphore(maxRequests);
    MetricsHandler uncached = new MetricsHandler(bodies.registry());
    HttpHandler telemetry = exchange -> scrape(exchange, bodies, uncached);
    serveExactly(
        telemetryPath,
        exchange -> {
          if (scrapeSlots == null) {
            telemetry.handle(exchange);
          } else if (scrapeSlots.tryAcquire()) {
            try {
              telemetry.handle(exchange);
            } finally {
              scrapeSlots.release();
            }
          } else {
            metrics.rejected(HttpServerMetrics.MAX_REQUESTS);
            respond(
                exchange,
                503,
                "too many concurrent scrapes: "
                    + maxRequests
                    + " in progress (--web.max-requests)\n");
          }
        });
    serveExactly("/healthz", exchange -> respond(exchange, 200, "ok\n"));
    serveExactly(
        "/readyz",
        exchange -> {
          boolean isReady = ready.getAsBoolean();
          respond(
              exchange,
              isReady ? 200 : 503,
              isReady ? "ready\n" : "initial collection in progress\n");
        });
    serveExactly(
        "/",
        exchange ->
            respond(
                exchange,
                200,
                "<html><head><title>Nodescope</title></head><body>"
                    + "<h1>Nodescope</h1><p><a href=\""
                    + telemetryPath
                    + "\">Metrics</a> · <a href=\"/healthz\">Health</a> · "
                    + "<a href=\"/readyz\">Readiness</a></p></body></html>\n",
                "text/html; charset=utf-8"));
    server.start();
  }

  /**
   * Answers a scrape with the prepared body for its format and encoding. Requests a prepared body
   * cannot answer (a name filter or debug parameter in the query, the protobuf format) go to
   * client_java's handler, which renders for them alone.
   */
  private static void scrape(HttpExchange exchange, PreparedBodies bodies, MetricsHandler uncached)
      throws IOException {
    PreparedBodies.Body body =
        exchange.getRequestURI().getRawQuery() == null
            ? bodies.body(exchange.getRequestHeaders().getFirst("Accept"), acceptsGzip(exchange))
            : null;
    if (body == null) {
      uncached.handle(exchange);
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", body.contentType());
    if (body.gzip()) {
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length()));
    exchange.sendResponseHeaders(200, head ? -1 : body.length());
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        body.writeTo(out);
      }
    }
    exchange.close();
  }

  private static boolean acceptsGzip(HttpExchange exchange) {
    for (String header : exchange.getRequestHeaders().getOrDefault("Accept-Encoding", List.of())) {
      for (String coding : header.split(",", -1)) {
        int parameters = coding.indexOf(';');
        String name = parameters < 0 ? coding : coding.substring(0, parameters);
        if (name.strip().equalsIgnoreCase("gzip")) {
          return true;
        }
      }
    }
    return false;
  }

  private static java.util.logging.Logger quietOnWriteFailures(java.util.logging.Logger logger) {
    logger.setFilter(record -> !(record.getThrown() instanceof IOException));
    return logger;
  }

  /**
   * Runs one exchange of the JDK server: reading the request, then its handler. The server ends the
   * exchange quietly when it closes the connection at a deadline; ending without a request after
   * the request deadline is that.
   */
  private void runExchange(Runnable exchange) {
    long start = System.nanoTime();
    requestRead.set(false);
    try {
      exchange.run();
    } finally {
      if (!requestRead.get() && reached(start, REQUEST_DEADLINE)) {
        metrics.timedOut(HttpServerMetrics.REQUEST_PHASE);
      }
    }
  }

  /** False when the operator turned the deadline off (-1). */
  private static boolean reached(long startNanos, Duration deadline) {
    return !deadline.isNegative()
        && System.nanoTime() - startNanos >= deadline.minus(DEADLINE_SLACK).toNanos();
  }

  /**
   * A context of the JDK server matches every path below it too; only the path itself is served. A
   * response the client does not read in time fails when the server closes the connection;
   * client_java handles that failure itself, so it is seen on the response stream and counted as a
   * timeout once the deadline has passed.
   */
  private void serveExactly(String path, HttpHandler handler) {
    server.createContext(
        path,
        exchange -> {
          requestRead.set(true);
          long start = System.nanoTime();
          WriteFailureWatch body = new WriteFailureWatch(exchange.getResponseBody());
          exchange.setStreams(null, body);
          try {
            if (exchange.getRequestURI().getPath().equals(path)) {
              handler.handle(exchange);
            } else {
              respond(exchange, 404, "not found\n");
            }
          } finally {
            if (body.failed && reached(start, RESPONSE_DEADLINE)) {
              metrics.timedOut(HttpServerMetrics.RESPONSE_PHASE);
            }
          }
        });
  }

  /** Remembers whether writing the response failed, whoever catches the exception. */
  private static final class WriteFailureWatch extends FilterOutputStream {
    private boolean failed;

    WriteFailureWatch(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      watch(() -> out.write(b));
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      watch(() -> out.write(bytes, offset, length));
    }

    @Override
    public void flush() throws IOException {
      watch(out::flush);
    }

    @Override
    public void close() throws IOException {
      watch(out::close);
    }

    private interface Write {
      void run() throws IOException;
    }

    private void watch(Write write) throws IOException {
      try {
        write.run();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }
  }

  /** What the server refused or cut, for the agent's self-metrics. */
  public HttpServerMetrics metrics() {
    return metrics;
  }

  /** The bound address; differs from the requested one when port 0 was asked for. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    respond(exchange, status, body, "text/plain; charset=utf-8");
  }

  private static void respond(HttpExchange exchange, int status, String body, String contentType)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }
}
