package dev.nodescope.agent.exposition;

import dev.nodescope.agent.ThrottledCount;
import dev.nodescope.collectors.core.MetricDescriptor;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP server refused or cut, for {@link #REJECTED} and {@link #TIMED_OUT}. Each condition
 * is also logged: the first occurrence at once, then at most once a minute with the count since.
 */
public final class HttpServerMetrics {
  public static final MetricDescriptor REJECTED =
      MetricDescriptor.counter(
          "nodescope_http_requests_rejected_total",
          "Requests refused because the server was saturated: max_requests (a scrape past --web.max-requests, answered "
              + "503), workers_busy (a connection arriving while every worker thread was busy, closed unanswered).",
          "reason");
  public static final MetricDescriptor TIMED_OUT =
      MetricDescriptor.counter(
          "nodescope_http_connections_timed_out_total",
          "Connections closed at a deadline while holding a worker: request (the request was not received in time), "
              + "response (the client did not read the response in time).",
          "phase");

  public static final List<MetricDescriptor> ALL = List.of(REJECTED, TIMED_OUT);

  /** A scrape past --web.max-requests, answered 503. */
  static final String MAX_REQUESTS = "max_requests";

  /** A connection arriving while every worker is busy, closed unanswered. */
  static final String WORKERS_BUSY = "workers_busy";

  static final String REQUEST_PHASE = "request";
  static final String RESPONSE_PHASE = "response";

  private static final Logger LOG = LoggerFactory.getLogger(HttpServerMetrics.class);
  private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

  private final Map<String, Condition> rejected = new LinkedHashMap<>();
  private final Map<String, Condition> timedOut = new LinkedHashMap<>();
  private final AtomicLong changes = new AtomicLong();

  private static final class Condition {
    private final AtomicLong total = new AtomicLong();
    private final String message;
    private final ThrottledCount toLog;

    Condition(String message, Clock clock) {
      this.message = message;
      this.toLog = new ThrottledCount(clock, LOG_INTERVAL);
    }
  }

  HttpServerMetrics(
      Clock clock, int maxRequests, Duration requestDeadline, Duration responseDeadline) {
    rejected.put(
        MAX_REQUESTS,
        new Condition(
            "http: refused {} scrapes with 503: already "
                + maxRequests
                + " in progress (--web.max-requests)",
            clock));
    rejected.put(
        WORKERS_BUSY,
        new Condition(
            "http: closed {} connections unanswered: every worker thread was busy "
                + "(slow or hostile clients?)",
            clock));
    timedOut.put(
        REQUEST_PHASE,
        new Condition(
            "http: closed {} connections that did not send a whole request within "
                + requestDeadline.toSeconds()
                + "s (slow clients, or idle connections that sent nothing)",
            clock));
    timedOut.put(
        RESPONSE_PHASE,
        new Condition(
            "http: cut {} responses that the client did not read within "
                + responseDeadline.toSeconds()
                + "s (slow scrapers)",
            clock));
  }

  void rejected(String reason) {
    count(rejected.get(reason));
  }

  void timedOut(String phase) {
    count(timedOut.get(phase));
  }

  /** Totals by reason, every reason present from the start. */
  public Map<String, Long> rejected() {
    return totals(rejected);
  }

  /** Totals by phase, every phase present from the start. */
  public Map<String, Long> timedOut() {
    return totals(timedOut);
  }

  /** Counts every refusal and cut, each once its total shows it. */
  long changes() {
    return changes.get();
  }

  private void count(Condition condition) {
    condition.total.incrementAndGet();
    changes.incrementAndGet();
    long toLog = condition.toLog.add(1);
    if (toLog > 0) {
      LOG.warn(condition.message, toLog);
    }
  }

  private static Map<String, Long> totals(Map<String, Condition> conditions) {
    Map<String, Long> totals = new LinkedHashMap<>();
    conditions.forEach((label, condition) -> totals.put(label, condition.total.get()));
    return totals;
  }
}
