package dev.nodescope.collectors.flows;

/**
 * The counters last seen per conntrack id, so that each observation adds only what a connection
 * moved since. A table of 150,000 connections is looked up once per entry per collection; boxed
 * keys and records in a HashMap made that the collector's main cost (cache misses on the node, the
 * key and the value, plus a set of the ids alive), so this is a linear-probing table in one
 * primitive array, a slot's id, stamp and counters side by side (one cache miss per lookup), swept
 * in place. 48 bytes per slot, at most 64 per connection; the HashMap took about 100.
 */
final class ConnectionCounters {
  private static final int MIN_SLOTS = 1024;

  /** Per slot: id, stamp, original packets, original bytes, reply packets, reply bytes. */
  private static final int STRIDE = 6;

  private static final int STAMP = 1;
  private static final int COUNTERS = 2;

  /**
   * The stamp of a free slot; others hold the generation (collection) in which the id was last
   * observed.
   */
  private static final long FREE = 0;

  /** The counters of one connection as last observed. */
  static final class Counts {
    long originalPackets;
    long originalBytes;
    long replyPackets;
    long replyBytes;

    void clear() {
      originalPackets = 0;
      originalBytes = 0;
      replyPackets = 0;
      replyBytes = 0;
    }
  }

  private long[] slots;
  private int size;
  private long generation = 1;

  ConnectionCounters() {
    slots = new long[MIN_SLOTS * STRIDE];
  }

  /** Starts a collection, the unit of {@link #sweep()}. */
  void startCollection() {
    generation++;
  }

  /**
   * Records the counters now seen for the id and writes into {@code before} those seen last time
   * (zeros for an id not seen before). Returns whether the id is new.
   */
  boolean observe(
      long id,
      long origPackets,
      long origBytes,
      long replyPackets,
      long replyBytes,
      Counts before) {
    if ((size + 1) * 4L > capacity() * 3L) {
      grow();
    }
    int at = find(id) * STRIDE;
    boolean isNew = slots[at + STAMP] == FREE;
    if (isNew) {
      slots[at] = id;
      size++;
      before.clear();
    } else {
      before.originalPackets = slots[at + COUNTERS];
      before.originalBytes = slots[at + COUNTERS + 1];
      before.replyPackets = slots[at + COUNTERS + 2];
      before.replyBytes = slots[at + COUNTERS + 3];
    }
    slots[at + STAMP] = generation;
    slots[at + COUNTERS] = origPackets;
    slots[at + COUNTERS + 1] = origBytes;
    slots[at + COUNTERS + 2] = replyPackets;
    slots[at + COUNTERS + 3] = replyBytes;
    return isNew;
  }

  boolean contains(long id) {
    return slots[find(id) * STRIDE + STAMP] != FREE;
  }

  /** Forgets an id (its DESTROY event came): the same id seen later is a new connection. */
  void forget(long id) {
    int slot = find(id);
    if (slots[slot * STRIDE + STAMP] != FREE) {
      removeAt(slot);
    }
  }

  /**
   * Removes every id observed in neither this collection nor the one before: one collection of
   * grace, for a DESTROY event that arrives just after the drain that would have matched it.
   */
  void sweep() {
    int mask = capacity() - 1;
    int start = 0;
    while (slots[start * STRIDE + STAMP] != FREE) {
      start++; // the load factor keeps free slots
    }
    // From just after a free slot, so that no run of occupied slots wraps past the point where the
    // walk started.
    for (int k = 1; k <= capacity(); k++) {
      int slot = (start + k) & mask;
      long stamp;
      while ((stamp = slots[slot * STRIDE + STAMP]) != FREE && stamp < generation - 1) {
        removeAt(slot); // refills the slot from later in its run: look at it again
      }
    }
  }

  int size() {
    return size;
  }

  private int capacity() {
    return slots.length / STRIDE;
  }

  /** The slot holding the id, or the free slot where it would go. */
  private int find(long id) {
    int mask = capacity() - 1;
    int slot = home(id, mask);
    while (slots[slot * STRIDE + STAMP] != FREE && slots[slot * STRIDE] != id) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  /** Kernel ids are hashes already, but procfs identities or test ids may be sequential. */
  private static int home(long id, int mask) {
    long h = id * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /**
   * Backward-shift deletion: later members of the run move up so that every lookup still finds its
   * id.
   */
  private void removeAt(int slot) {
    int mask = capacity() - 1;
    int hole = slot;
    for (int j = (slot + 1) & mask; slots[j * STRIDE + STAMP] != FREE; j = (j + 1) & mask) {
      int home = home(slots[j * STRIDE], mask);
      boolean canMove = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (canMove) {
        System.arraycopy(slots, j * STRIDE, slots, hole * STRIDE, STRIDE);
        hole = j;
      }
    }
    slots[hole * STRIDE + STAMP] = FREE;
    size--;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    for (int at = 0; at < old.length; at += STRIDE) {
      if (old[at + STAMP] != FREE) {
        System.arraycopy(old, at, slots, find(old[at]) * STRIDE, STRIDE);
      }
    }
  }
}
