package dev.nodescope.collectors.core;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one collector on its own thread at its interval, with a deadline. A run that throws or
 * overruns the deadline is counted and logged; the previous snapshot is kept so the series do not
 * flap, and other collectors are never affected. A hung run keeps its thread: further runs are
 * skipped (and counted) until it returns.
 */
public final class CollectorRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CollectorRunner.class);

  /** How often a collector whose source is missing looks again: rare enough to cost nothing. */
  static final Duration SOURCE_RETRY = Duration.ofMinutes(1);

  private final CollectorFactory factory;
  private final CollectorContext context;
  private final Duration interval;
  private final Duration deadline;
  private final SnapshotRegistry registry;
  private final Clock clock;
  private final ExecutorService worker;
  private final List<MetricDescriptor> descriptors;

  private ScheduledExecutorService scheduler;
  private Collector collector;
  private Future<?> inFlight;

  /**
   * True from the start to the end of a run. A cancelled Future reports done at once even while its
   * thread is still stuck in the collector, so the Future alone cannot tell that a run is hung.
   */
  private volatile boolean running;

  private long errors;
  private long completedRuns;
  private boolean sourceAvailable = true;
  private long nextSourceAttemptNanos;
  private String lastLoggedError;

  /**
   * Partial failures already logged; bounded because messages name files and entries, which can
   * come and go.
   */
  private final java.util.Set<String> loggedPartialFailures =
      java.util.Collections.newSetFromMap(
          new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > 1000;
            }
          });

  public CollectorRunner(
      CollectorFactory factory,
      CollectorContext context,
      Duration interval,
      Duration deadline,
      SnapshotRegistry registry) {
    this.factory = factory;
    this.context = context;
    this.interval = interval;
    this.deadline = deadline;
    this.registry = registry;
    this.clock = context.clock();
    this.descriptors = factory.descriptors();
    this.worker =
        Executors.newSingleThreadExecutor(DaemonThreads.named("collector-" + factory.name()));
    registry.register(factory.name());
  }

  public String name() {
    return factory.name();
  }

  /** Schedules the runs; the first starts at once so that readiness comes quickly. */
  public void start(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
    // Runs until the scheduler shuts down; tick() catches what a run throws, so the future holds
    // nothing to check.
    Future<?> unused =
        scheduler.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One scheduled attempt. It never blocks the shared scheduler: the run happens on the collector's
   * own thread and a watchdog checks the deadline.
   */
  synchronized void tick() {
    if (running || (inFlight != null && !inFlight.isDone())) {
      errors++;
      logOnce(
          "collector "
              + name()
              + " is still running a collection that exceeded its deadline; skipping this run");
      report(0, false);
      return;
    }
    Future<?> run = worker.submit(this::runOnce);
    inFlight = run;
    long started = System.nanoTime();
    // The watchdog records a missed deadline itself; its own future carries nothing.
    Future<?> unused =
        scheduler.schedule(
            () -> enforceDeadline(run, started), deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void enforceDeadline(Future<?> run, long startedNanos) {
    if (run.isDone()) {
      return;
    }
    run.cancel(true);
    errors++;
    completedRuns++;
    logOnce("collector " + name() + " exceeded its deadline of " + deadline.toMillis() + "ms");
    report(seconds(startedNanos), false);
  }

  private void runOnce() {
    long started = System.nanoTime();
    running = true;
    try {
      if (!ensureCollector()) {
        finish(started, true);
        return;
      }
      SnapshotBuilder builder = new SnapshotBuilder(name(), descriptors);
      collector.collect(builder);
      if (Thread.currentThread().isInterrupted()) {
        return; // the watchdog gave up on this run and already counted it
      }
      registry.publish(builder.build(clock));
      recordPartialFailures(builder.partialFailures());
      finish(started, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception | Error e) {
      // Errors too (a parser's StackOverflowError, an AssertionError): otherwise the run would
      // never count as
      // completed and readiness would wait for it forever.
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      LOG.debug("collector {} failure detail", name(), e);
      fail(started, "collector " + name() + " failed: " + describe(e));
    } finally {
      running = false;
    }
  }

  private synchronized void finish(long startedNanos, boolean succeeded) {
    completedRuns++;
    if (succeeded) {
      lastLoggedError = null;
    }
    report(seconds(startedNanos), succeeded);
  }

  private synchronized void recordPartialFailures(List<String> messages) {
    for (String message : messages) {
      errors++;
      if (loggedPartialFailures.add(message)) {
        LOG.warn("collector {}: {}", name(), message);
      }
    }
  }

  private synchronized void fail(long startedNanos, String message) {
    errors++;
    logOnce(message);
    finish(startedNanos, false);
  }

  /** Opens the source if needed; false while the node lacks it. */
  private boolean ensureCollector() throws Exception {
    if (collector != null) {
      return true;
    }
    if (!sourceAvailable && System.nanoTime() < nextSourceAttemptNanos) {
      return false;
    }
    try {
      collector = factory.create(context);
      if (!sourceAvailable) {
        LOG.info("collector {}: source is now available", name());
      }
      sourceAvailable = true;
      return true;
    } catch (SourceUnavailableException e) {
      if (sourceAvailable) {
        LOG.info(
            "collector {}: source not available on this node, no series until it appears: {}",
            name(),
            e.getMessage());
      }
      sourceAvailable = false;
      nextSourceAttemptNanos = System.nanoTime() + SOURCE_RETRY.toNanos();
      return false;
    }
  }

  private void report(double durationSeconds, boolean succeeded) {
    registry.report(
        new CollectorHealth(
            name(), durationSeconds, succeeded, sourceAvailable, errors, completedRuns));
  }

  /**
   * The same failure every interval would flood the log: say it once, and again when it changes or
   * heals.
   */
  private void logOnce(String message) {
    if (!message.equals(lastLoggedError)) {
      LOG.warn(message);
      lastLoggedError = message;
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + message;
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  @Override
  public synchronized void close() {
    worker.shutdownNow();
    if (collector != null) {
      try {
        collector.close();
      } catch (Exception e) {
        LOG.warn("collector {} did not close cleanly: {}", name(), describe(e));
      }
    }
  }
}
