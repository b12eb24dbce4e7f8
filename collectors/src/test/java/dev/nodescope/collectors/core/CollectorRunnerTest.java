package dev.nodescope.collectors.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.CapturedLogs;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.FakeCollectors;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CollectorRunnerTest {
  private static final MetricDescriptor VALUE =
      MetricDescriptor.gauge("test_value", "A value.", "source");
  private static final Duration INTERVAL = Duration.ofMillis(100);

  /**
   * Far above what a trivial collection takes, even on a loaded CI machine, so only the hung ones
   * reach it.
   */
  private static final Duration DEADLINE = Duration.ofMillis(80);

  private final SnapshotRegistry registry = new SnapshotRegistry();
  private final List<CollectorRunner> runners = new ArrayList<>();
  private final CapturedLogs logs = CapturedLogs.of(CollectorRunner.class);
  private ScheduledExecutorService scheduler;

  @BeforeEach
  void setUp() {
    scheduler = Executors.newScheduledThreadPool(1);
  }

  @AfterEach
  void tearDown() {
    logs.close();
    runners.forEach(CollectorRunner::close);
    scheduler.shutdownNow();
  }

  private CollectorRunner start(String name, FakeCollectors.Opener opener) {
    CollectorRunner runner =
        new CollectorRunner(
            FakeCollectors.factory(name, List.of(VALUE), opener),
            FakeCollectors.context(
                new RootPaths(Path.of("/nonexistent"), Path.of("/nonexistent"), Path.of("/"))),
            INTERVAL,
            DEADLINE,
            registry);
    runners.add(runner);
    runner.start(scheduler);
    return runner;
  }

  private CollectorHealth health(String name) {
    return registry.health().stream()
        .filter(h -> h.collector().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static double valueOf(Snapshot snapshot) {
    return snapshot.family(VALUE).samples().get(0).value();
  }

  @Test
  void aThrowingCollectorKeepsItsLastSnapshotAndCountsEveryFailedRun() {
    AtomicInteger runs = new AtomicInteger();
    start(
        "flaky",
        context ->
            out -> {
              if (runs.incrementAndGet() > 1) {
                throw new IOException("/proc/flaky vanished");
              }
              out.add(VALUE, 1, "first");
            });

    Eventually.await("three failed runs", () -> health("flaky").errors() >= 3);

    CollectorHealth health = health("flaky");
    assertThat(health.lastRunSucceeded()).isFalse();
    assertThat(health.errors()).isEqualTo(health.completedRuns() - 1);
    assertThat(valueOf(registry.latest("flaky"))).isEqualTo(1);
    assertThat(logs.messages(Level.INFO))
        .containsOnlyOnce("collector flaky failed: IOException: /proc/flaky vanished");
  }

  @Test
  void aCollectorThatThrowsDoesNotDisturbAnother() {
    AtomicInteger healthyRuns = new AtomicInteger();
    start(
        "broken",
        context ->
            out -> {
              throw new IllegalStateException("bug");
            });
    start("healthy", context -> out -> out.add(VALUE, healthyRuns.incrementAndGet(), "h"));

    Eventually.await("five healthy runs", () -> health("healthy").completedRuns() >= 5);

    assertThat(health("healthy").errors()).isZero();
    assertThat(health("healthy").lastRunSucceeded()).isTrue();
    assertThat(health("broken").errors()).isPositive();
    assertThat(valueOf(registry.latest("healthy"))).isGreaterThanOrEqualTo(5);
    assertThat(registry.latest("broken").families()).isEmpty();
  }

  @Test
  void aCollectorThatIgnoresInterruptsIsSkippedWhileHungAndResumesAfterwards() {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger entered = new AtomicInteger();
    AtomicInteger healthyRuns = new AtomicInteger();
    start(
        "hung",
        context ->
            out -> {
              entered.incrementAndGet();
              awaitUninterruptibly(release);
              out.add(VALUE, 7, "late");
            });
    start("healthy", context -> out -> out.add(VALUE, healthyRuns.incrementAndGet(), "h"));

    Eventually.await("errors while hung", () -> health("hung").errors() >= 4);
    CollectorHealth whileHung = health("hung");
    assertThat(whileHung.lastRunSucceeded()).isFalse();
    assertThat(whileHung.completedRuns())
        .as("the deadline ends the attempt, so readiness is not held up")
        .isPositive();
    assertThat(registry.initialCollectionDone()).isTrue();
    assertThat(entered).as("runs are skipped while one hangs, not queued behind it").hasValue(1);
    assertThat(logs.messages(Level.INFO))
        .containsOnlyOnce(
            "collector hung exceeded its deadline of 80ms",
            "collector hung is still running a collection that exceeded its deadline; skipping this run");
    assertThat(health("healthy").lastRunSucceeded()).isTrue();
    int healthyBefore = healthyRuns.get();
    Eventually.await(
        "the healthy collector carries on", () -> healthyRuns.get() > healthyBefore + 3);

    release.countDown();
    Eventually.await(
        "the hung collector runs again",
        () -> entered.get() >= 2 && health("hung").lastRunSucceeded());
    assertThat(valueOf(registry.latest("hung"))).isEqualTo(7);
  }

  @Test
  void aCollectorThrowingAnErrorStillCompletesItsRunForReadiness() {
    start(
        "asserting",
        context ->
            out -> {
              throw new AssertionError("impossible state");
            });

    Eventually.await("a completed run", () -> health("asserting").completedRuns() >= 1);

    assertThat(health("asserting").lastRunSucceeded()).isFalse();
    assertThat(health("asserting").errors()).isPositive();
    assertThat(registry.initialCollectionDone()).isTrue();
  }

  @Test
  void aCollectorBlockedInAnInterruptibleCallIsCancelledAtItsDeadline() {
    AtomicInteger entered = new AtomicInteger();
    start(
        "sleepy",
        context ->
            out -> {
              entered.incrementAndGet();
              Thread.sleep(Duration.ofHours(1).toMillis());
            });

    Eventually.await(
        "several cancelled runs", () -> entered.get() >= 3 && health("sleepy").errors() >= 3);

    assertThat(health("sleepy").lastRunSucceeded()).isFalse();
    assertThat(registry.latest("sleepy").families()).isEmpty();
    assertThat(logs.messages(Level.INFO))
        .containsOnlyOnce("collector sleepy exceeded its deadline of 80ms");
  }

  @Test
  void aMissingSourceIsNotAnErrorAndIsNotAskedForAgainWithinTheRetryPeriod() {
    AtomicInteger opens = new AtomicInteger();
    start(
        "gpu",
        context -> {
          opens.incrementAndGet();
          throw new SourceUnavailableException("no libnvidia-ml.so.1");
        });

    Eventually.await("several runs", () -> health("gpu").completedRuns() >= 5);

    CollectorHealth health = health("gpu");
    assertThat(health.sourceAvailable()).isFalse();
    assertThat(health.lastRunSucceeded()).isTrue();
    assertThat(health.errors()).isZero();
    assertThat(opens).hasValue(1);
    assertThat(registry.latest("gpu").families()).isEmpty();
    assertThat(logs.messages(Level.INFO))
        .filteredOn(w -> w.contains("no libnvidia-ml.so.1"))
        .hasSize(1);
  }

  @Test
  void aSourceThatFailsToOpenIsAnErrorAndIsRetriedEveryRun() {
    AtomicInteger opens = new AtomicInteger();
    start(
        "denied",
        context -> {
          opens.incrementAndGet();
          throw new java.nio.file.AccessDeniedException("/sys/denied");
        });

    Eventually.await("several runs", () -> health("denied").completedRuns() >= 3);

    CollectorHealth health = health("denied");
    assertThat(health.lastRunSucceeded()).isFalse();
    assertThat(health.sourceAvailable()).isTrue();
    assertThat(health.errors()).isEqualTo(health.completedRuns());
    assertThat(opens.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void partialFailuresKeepTheGoodSeriesCountEachTimeAndLogOnce() {
    start(
        "partial",
        context ->
            out -> {
              out.add(VALUE, 42, "good");
              out.partialFailure("malformed line 3 of /proc/partial");
            });

    Eventually.await("three runs", () -> health("partial").completedRuns() >= 3);

    CollectorHealth health = health("partial");
    assertThat(health.lastRunSucceeded()).isTrue();
    assertThat(health.errors()).isEqualTo(health.completedRuns());
    assertThat(valueOf(registry.latest("partial"))).isEqualTo(42);
    assertThat(logs.messages(Level.INFO))
        .containsOnlyOnce("collector partial: malformed line 3 of /proc/partial");
  }

  @Test
  void readinessWaitsForEveryCollectorsFirstAttempt() {
    CountDownLatch open = new CountDownLatch(1);
    registry.register("slow-to-start");
    assertThat(registry.initialCollectionDone()).isFalse();
    CollectorRunner runner =
        new CollectorRunner(
            FakeCollectors.factory(
                "gate",
                List.of(VALUE),
                context ->
                    out -> {
                      open.await();
                      out.add(VALUE, 1, "x");
                    }),
            FakeCollectors.context(new RootPaths(Path.of("/p"), Path.of("/s"), Path.of("/"))),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            registry);
    runners.add(runner);
    runner.start(scheduler);
    registry.report(new CollectorHealth("slow-to-start", 0, true, true, 0, 1));

    assertThat(registry.initialCollectionDone()).isFalse();
    open.countDown();
    Eventually.await("readiness", registry::initialCollectionDone);
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    while (true) {
      try {
        latch.await();
        return;
      } catch (InterruptedException ignored) {
        // a collector stuck in uninterruptible I/O behaves like this
      }
    }
  }
}
