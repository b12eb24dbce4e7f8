package dev.nodescope.agent.cloudwatch;

import dev.nodescope.agent.cloudwatch.LogEventBatcher.LogEvent;
import dev.nodescope.agent.cloudwatch.MetricDatumBatcher.Datum;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StatisticSet;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.PutLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.RejectedLogEventsInfo;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * Sends buffered values with the bridge's own retry model (the clients' retries are off, so every
 * attempt is counted): throttling, 5xx and network errors are retried with full-jitter exponential
 * backoff; a batch that cannot get through before the interval ends goes back to the buffer for the
 * next one, until its values pass the retry deadline. A missing log group or stream is created and
 * the call repeated. Anything else CloudWatch refuses is dropped, counted and logged.
 */
final class Delivery {
  private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

  /** How a call ended; the names are the {@code outcome} label values. */
  enum Outcome {
    SUCCESS,
    THROTTLED,
    SERVER_ERROR,
    NETWORK_ERROR,
    MISSING_RESOURCE,
    REJECTED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Waits between attempts; tests replace it so that they run without sleeping. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final CloudWatchClient cloudWatch;
  private final CloudWatchLogsClient logs;
  private final String namespace;
  private final String logGroup;
  private final String logStream;
  private final BridgeMetrics metrics;
  private final Backoff backoff;
  private final Duration retryDeadline;
  private final Clock clock;
  private final Sleeper sleeper;

  Delivery(
      CloudWatchClient cloudWatch,
      CloudWatchLogsClient logs,
      CloudWatchSettings settings,
      String logStream,
      BridgeMetrics metrics,
      Backoff backoff,
      Clock clock,
      Sleeper sleeper) {
    this.cloudWatch = cloudWatch;
    this.logs = logs;
    this.namespace = settings.namespace();
    this.logGroup = settings.logGroup();
    this.logStream = logStream;
    this.metrics = metrics;
    this.backoff = backoff;
    this.retryDeadline = settings.retryDeadline();
    this.clock = clock;
    this.sleeper = sleeper;
  }

  void flushMetricData(BoundedBuffer<Datum> buffer, Instant stopAt) throws InterruptedException {
    String api = BridgeMetrics.PUT_METRIC_DATA;
    List<Datum> pending = unexpired(buffer.drain(), Datum::timestampMillis, api);
    MetricDatumBatcher.Batches batches = MetricDatumBatcher.batch(pending);
    metrics.dropped(
        api,
        "invalid",
        batches.rejected().size(),
        "NaN/Inf or more than 30 dimensions, e.g. "
            + (batches.rejected().isEmpty() ? "" : batches.rejected().get(0).name()));
    flush(api, batches.calls(), buffer, stopAt, this::putMetricData);
  }

  void flushLogEvents(BoundedBuffer<LogEvent> buffer, Instant stopAt) throws InterruptedException {
    String api = BridgeMetrics.PUT_LOG_EVENTS;
    List<LogEvent> pending = new ArrayList<>();
    long oversized = 0;
    for (LogEvent event : unexpired(buffer.drain(), LogEvent::timestampMillis, api)) {
      if (event.size() > LogEventBatcher.MAX_BYTES) {
        oversized++;
      } else {
        pending.add(event);
      }
    }
    metrics.dropped(api, "invalid", oversized, "log event over the PutLogEvents size limit");
    flush(api, LogEventBatcher.batches(pending), buffer, stopAt, this::putLogEvents);
  }

  private <T> List<T> unexpired(List<T> items, ToLongFunction<T> timestamp, String api) {
    long oldest = clock.millis() - retryDeadline.toMillis();
    List<T> kept = new ArrayList<>(items.size());
    for (T item : items) {
      if (timestamp.applyAsLong(item) >= oldest) {
        kept.add(item);
      }
    }
    metrics.dropped(
        api,
        "expired",
        items.size() - kept.size(),
        "not delivered within --cloudwatch.retry-deadline " + retryDeadline);
    return kept;
  }

  private <T> void flush(
      String api,
      List<List<T>> calls,
      BoundedBuffer<T> buffer,
      Instant stopAt,
      Function<List<T>, Outcome> call)
      throws InterruptedException {
    int next = 0;
    try {
      while (next < calls.size() && deliver(api, calls.get(next), stopAt, call)) {
        next++;
      }
    } finally {
      // Not yet delivered (deadline of this interval, or shutdown): kept for the next attempt.
      List<T> rest = new ArrayList<>();
      calls.subList(next, calls.size()).forEach(rest::addAll);
      metrics.dropped(
          api,
          "buffer_full",
          buffer.requeueFirst(rest),
          "buffer full while CloudWatch was unreachable");
      metrics.buffered(api, buffer.weight());
    }
  }

  /**
   * True when the batch was sent or given up for good; false when it should wait for the next
   * interval.
   */
  private <T> boolean deliver(
      String api, List<T> batch, Instant stopAt, Function<List<T>, Outcome> call)
      throws InterruptedException {
    int retries = 0;
    while (true) {
      Outcome outcome = call.apply(batch);
      metrics.request(api, outcome.label());
      if (outcome == Outcome.SUCCESS) {
        return true;
      }
      if (outcome == Outcome.REJECTED) {
        metrics.dropped(
            api, "rejected", batch.size(), "refused by CloudWatch (see the earlier log line)");
        return true;
      }
      retries++;
      Duration delay =
          outcome == Outcome.MISSING_RESOURCE && retries == 1
              ? Duration.ZERO
              : backoff.delayBeforeRetry(
                  retries,
                  outcome != Outcome.NETWORK_ERROR,
                  () -> ThreadLocalRandom.current().nextDouble());
      if (clock.instant().plus(delay).isAfter(stopAt)) {
        return false;
      }
      metrics.retried(api, batch.size());
      sleeper.sleep(delay);
    }
  }

  private Outcome putMetricData(List<Datum> batch) {
    List<MetricDatum> data = new ArrayList<>(batch.size());
    for (Datum datum : batch) {
      MetricDatum.Builder builder =
          MetricDatum.builder()
              .metricName(datum.name())
              .unit(datum.unit())
              .timestamp(Instant.ofEpochMilli(datum.timestampMillis()))
              .storageResolution(60)
              .dimensions(
                  datum.dimensions().entrySet().stream()
                      .map(d -> Dimension.builder().name(d.getKey()).value(d.getValue()).build())
                      .toList());
      if (datum.statistics() != null) {
        builder.statisticValues(
            StatisticSet.builder()
                .sampleCount(datum.statistics().sampleCount())
                .sum(datum.statistics().sum())
                .minimum(datum.statistics().minimum())
                .maximum(datum.statistics().maximum())
                .build());
      } else if (datum.distribution() != null) {
        builder.values(datum.distribution().values()).counts(datum.distribution().counts());
      } else {
        builder.value(datum.value());
      }
      data.add(builder.build());
    }
    return attempt(
        BridgeMetrics.PUT_METRIC_DATA,
        batch.size(),
        () -> {
          cloudWatch.putMetricData(r -> r.namespace(namespace).metricData(data));
          metrics.sent(BridgeMetrics.PUT_METRIC_DATA, batch.size());
        });
  }

  private Outcome putLogEvents(List<LogEvent> batch) {
    List<InputLogEvent> events =
        batch.stream()
            .map(
                e ->
                    InputLogEvent.builder()
                        .timestamp(e.timestampMillis())
                        .message(e.message())
                        .build())
            .toList();
    return attempt(
        BridgeMetrics.PUT_LOG_EVENTS,
        batch.size(),
        () -> {
          PutLogEventsResponse response =
              logs.putLogEvents(
                  r -> r.logGroupName(logGroup).logStreamName(logStream).logEvents(events));
          long rejected = rejected(response.rejectedLogEventsInfo(), batch.size());
          metrics.sent(BridgeMetrics.PUT_LOG_EVENTS, batch.size() - rejected);
          metrics.dropped(
              BridgeMetrics.PUT_LOG_EVENTS,
              "rejected",
              rejected,
              "log events too old, too new or expired");
        });
  }

  /**
   * Events PutLogEvents accepted the call for but did not store (indexes as the API defines them).
   */
  static long rejected(RejectedLogEventsInfo info, int events) {
    if (info == null) {
      return 0;
    }
    boolean[] lost = new boolean[events];
    if (info.tooOldLogEventEndIndex() != null) {
      java.util.Arrays.fill(lost, 0, Math.min(events, info.tooOldLogEventEndIndex() + 1), true);
    }
    if (info.expiredLogEventEndIndex() != null) {
      java.util.Arrays.fill(lost, 0, Math.min(events, info.expiredLogEventEndIndex() + 1), true);
    }
    if (info.tooNewLogEventStartIndex() != null) {
      java.util.Arrays.fill(
          lost, Math.min(events, Math.max(0, info.tooNewLogEventStartIndex())), events, true);
    }
    long count = 0;
    for (boolean l : lost) {
      count += l ? 1 : 0;
    }
    return count;
  }

  private Outcome attempt(String api, int values, Runnable call) {
    try {
      call.run();
      return Outcome.SUCCESS;
    } catch (ResourceNotFoundException e) {
      LOG.info(
          "cloudwatch: creating log group {} / stream {} ({})",
          logGroup,
          logStream,
          e.getMessage());
      return createLogGroupAndStream();
    } catch (SdkServiceException e) {
      Outcome outcome =
          e.isThrottlingException() || e.statusCode() == 429
              ? Outcome.THROTTLED
              : e.statusCode() >= 500 ? Outcome.SERVER_ERROR : Outcome.REJECTED;
      if (outcome == Outcome.REJECTED) {
        LOG.warn(
            "cloudwatch: {} refused {} values: HTTP {} {}",
            api,
            values,
            e.statusCode(),
            e.getMessage());
      } else {
        LOG.debug("cloudwatch: {} {}: {}", api, outcome.label(), e.getMessage());
      }
      return outcome;
    } catch (SdkClientException e) {
      LOG.debug("cloudwatch: {} network error: {}", api, e.getMessage());
      return Outcome.NETWORK_ERROR;
    }
  }

  private Outcome createLogGroupAndStream() {
    try {
      try {
        logs.createLogGroup(r -> r.logGroupName(logGroup));
      } catch (ResourceAlreadyExistsException e) {
        // Created by another node meanwhile: what we wanted.
      }
      try {
        logs.createLogStream(r -> r.logGroupName(logGroup).logStreamName(logStream));
      } catch (ResourceAlreadyExistsException e) {
        // Likewise.
      }
      return Outcome.MISSING_RESOURCE;
    } catch (SdkServiceException e) {
      LOG.warn(
          "cloudwatch: cannot create log group {} / stream {}: HTTP {} {}",
          logGroup,
          logStream,
          e.statusCode(),
          e.getMessage());
      return e.isThrottlingException()
          ? Outcome.THROTTLED
          : e.statusCode() >= 500 ? Outcome.SERVER_ERROR : Outcome.REJECTED;
    } catch (SdkClientException e) {
      return Outcome.NETWORK_ERROR;
    }
  }
}
