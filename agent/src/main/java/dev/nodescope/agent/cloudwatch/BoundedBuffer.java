package dev.nodescope.agent.cloudwatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Holds work waiting for delivery, bounded by a total weight (e.g. metric values). When full, the
 * oldest items are dropped first, since CloudWatch values lose worth with age; what is dropped is
 * counted so the bridge can report and log it.
 */
public final class BoundedBuffer<T> {
  private final ArrayDeque<T> items = new ArrayDeque<>();
  private final ToIntFunction<T> weigher;
  private final long capacity;
  private long weight;
  private long droppedWeight;

  public BoundedBuffer(long capacity, ToIntFunction<T> weigher) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.weigher = weigher;
  }

  /** Adds an item, dropping the oldest ones if needed; returns the weight dropped by this call. */
  public synchronized long add(T item) {
    long droppedBefore = droppedWeight;
    items.addLast(item);
    weight += weigher.applyAsInt(item);
    return evictOldestBeyondCapacity(droppedBefore);
  }

  /** Puts back items whose delivery failed transiently, ahead of newer ones. */
  public synchronized long requeueFirst(List<T> failed) {
    long droppedBefore = droppedWeight;
    for (int i = failed.size() - 1; i >= 0; i--) {
      items.addFirst(failed.get(i));
      weight += weigher.applyAsInt(failed.get(i));
    }
    return evictOldestBeyondCapacity(droppedBefore);
  }

  private long evictOldestBeyondCapacity(long droppedBefore) {
    while (weight > capacity && !items.isEmpty()) {
      T oldest = items.removeFirst();
      int oldestWeight = weigher.applyAsInt(oldest);
      weight -= oldestWeight;
      droppedWeight += oldestWeight;
    }
    return droppedWeight - droppedBefore;
  }

  public synchronized List<T> drain() {
    List<T> drained = new ArrayList<>(items);
    items.clear();
    weight = 0;
    return drained;
  }

  public synchronized long weight() {
    return weight;
  }

  public synchronized long droppedWeight() {
    return droppedWeight;
  }
}
