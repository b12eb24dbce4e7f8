package dev.nodescope.agent.exposition;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The agent's one port: the telemetry path (content negotiation and gzip by client_java's handler), /healthz,
 * /readyz and a small landing page. A pool of threads serves requests, so one slow scraper cannot hold up another.
 */
public final class AgentHttpServer implements AutoCloseable {
  private static final int THREADS = 4;
  /**
   * The JDK server leaves Nagle's algorithm on and writes headers and body separately, so on a kept-alive
   * connection (as Prometheus scrapes) each response waited for the client's delayed ACK: ~40 ms per scrape
   * instead of ~1 ms. The server reads this property once, when its first instance is created.
   */
  static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  static {
    System.setProperty(NODELAY_PROPERTY, "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;

  public AgentHttpServer(InetSocketAddress address, String telemetryPath, PrometheusRegistry registry,
      BooleanSupplier ready) throws IOException {
    AtomicInteger threadNumber = new AtomicInteger();
    executor = Executors.newFixedThreadPool(THREADS, runnable -> {
      Thread thread = new Thread(runnable, "http-" + threadNumber.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server = HttpServer.create(address, 64);
    server.setExecutor(executor);
    MetricsHandler metrics = new MetricsHandler(registry);
    serveExactly(telemetryPath, metrics);
    serveExactly("/healthz", exchange -> respond(exchange, 200, "ok\n"));
    serveExactly("/readyz", exchange -> {
      boolean isReady = ready.getAsBoolean();
      respond(exchange, isReady ? 200 : 503, isReady ? "ready\n" : "initial collection in progress\n");
    });
    serveExactly("/", exchange -> respond(exchange, 200, "<html><head><title>Nodescope</title></head><body>"
        + "<h1>Nodescope</h1><p><a href=\"" + telemetryPath + "\">Metrics</a> · <a href=\"/healthz\">Health</a> · "
        + "<a href=\"/readyz\">Readiness</a></p></body></html>\n", "text/html; charset=utf-8"));
    server.start();
  }

  /** A context of the JDK server matches every path below it too; only the path itself is served. */
  private void serveExactly(String path, HttpHandler handler) {
    server.createContext(path, exchange -> {
      if (exchange.getRequestURI().getPath().equals(path)) {
        handler.handle(exchange);
      } else {
        respond(exchange, 404, "not found\n");
      }
    });
  }

  /** The bound address; differs from the requested one when port 0 was asked for. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    respond(exchange, status, body, "text/plain; charset=utf-8");
  }

  private static void respond(HttpExchange exchange, int status, String body, String contentType) throws IOException {
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
    executor.shutdownNow();
  }
}
