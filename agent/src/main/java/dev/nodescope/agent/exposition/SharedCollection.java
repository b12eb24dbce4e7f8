package dev.nodescope.agent.exposition;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lets scrapes that arrive while a collection is running share its result instead of queueing for
 * their own. The OTel SDK runs asynchronous callbacks under a lock, so without this N concurrent
 * scrapers cost N collections one after another; the data only changes when a collector publishes,
 * so sharing loses nothing. The snapshots are immutable, and each scrape still writes its own
 * format and compression in parallel.
 */
final class SharedCollection implements MultiCollector {
  private final MultiCollector delegate;
  private final AtomicReference<CompletableFuture<MetricSnapshots>> running =
      new AtomicReference<>();

  SharedCollection(MultiCollector delegate) {
    this.delegate = delegate;
  }

  @Override
  public MetricSnapshots collect() {
    CompletableFuture<MetricSnapshots> mine = new CompletableFuture<>();
    CompletableFuture<MetricSnapshots> current = running.compareAndExchange(null, mine);
    if (current != null) {
      try {
        return current.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException cause ? cause : e;
      }
    }
    try {
      MetricSnapshots snapshots = delegate.collect();
      mine.complete(snapshots);
      return snapshots;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      running.set(null);
    }
  }
}
