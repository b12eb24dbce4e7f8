package dev.nodescope.collectors.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The latest snapshot and health of every collector. Collectors write, the scrape path and the
 * bridge read; both sides only swap or read references, so a slow scraper never holds up a
 * collector and vice versa.
 */
public final class SnapshotRegistry {
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
  private final Map<String, CollectorHealth> health = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();

  public void register(String collector) {
    snapshots.putIfAbsent(collector, Snapshot.empty(collector));
    health.putIfAbsent(collector, CollectorHealth.initial(collector));
  }

  public void publish(Snapshot snapshot) {
    snapshots.put(snapshot.collector(), snapshot);
    for (Consumer<Snapshot> listener : listeners) {
      listener.accept(snapshot);
    }
    generation.incrementAndGet();
  }

  public void report(CollectorHealth collectorHealth) {
    health.put(collectorHealth.collector(), collectorHealth);
    generation.incrementAndGet();
  }

  /**
   * Counts publishes and health reports, each counted once its listeners have run, so whatever a
   * reader derives from the registry after seeing a generation is at least as new as it.
   */
  public long generation() {
    return generation.get();
  }

  /**
   * Called on the collector's thread with every new snapshot, to prepare it for readers off the
   * scrape path.
   */
  public void onPublish(Consumer<Snapshot> listener) {
    listeners.add(listener);
  }

  public Snapshot latest(String collector) {
    return snapshots.getOrDefault(collector, Snapshot.empty(collector));
  }

  public Collection<Snapshot> snapshots() {
    return new ArrayList<>(snapshots.values());
  }

  public Collection<CollectorHealth> health() {
    return new ArrayList<>(health.values());
  }

  /**
   * True once every registered collector has finished at least one attempt, whatever its outcome.
   */
  public boolean initialCollectionDone() {
    return health.values().stream().allMatch(h -> h.completedRuns() > 0);
  }
}
