package dev.nodescope.agent.exposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.testing.Eventually;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedCollectionTest {
  @Test
  void scrapesArrivingDuringACollectionShareItsResult() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger collections = new AtomicInteger();
    SharedCollection shared =
        new SharedCollection(
            () -> {
              collections.incrementAndGet();
              entered.countDown();
              await(release);
              return new MetricSnapshots(List.of(GaugeSnapshot.builder().name("g").build()));
            });

    CompletableFuture<MetricSnapshots> first = CompletableFuture.supplyAsync(shared::collect);
    entered.await();
    List<CompletableFuture<MetricSnapshots>> waiting =
        List.of(new CompletableFuture<>(), new CompletableFuture<>());
    List<Thread> scrapers =
        waiting.stream()
            .map(result -> new Thread(() -> result.complete(shared.collect())))
            .toList();
    scrapers.forEach(Thread::start);
    Eventually.await(
        "the later scrapes to wait for the running collection",
        () -> scrapers.stream().allMatch(thread -> thread.getState() == Thread.State.WAITING));
    release.countDown();

    for (CompletableFuture<MetricSnapshots> scrape : waiting) {
      assertThat(scrape.get()).isSameAs(first.get());
    }
    assertThat(collections).hasValue(1);
    shared.collect();
    assertThat(collections).as("a scrape after the shared one collects afresh").hasValue(2);
  }

  @Test
  void aFailedCollectionFailsThatScrapeOnly() {
    AtomicInteger calls = new AtomicInteger();
    SharedCollection shared =
        new SharedCollection(
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("callback failed");
              }
              return new MetricSnapshots(List.of());
            });

    assertThatThrownBy(shared::collect).hasMessage("callback failed");
    assertThat(shared.collect().size()).isZero();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
