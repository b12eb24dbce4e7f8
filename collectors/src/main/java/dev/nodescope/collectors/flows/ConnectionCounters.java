package dev.nodescope.collectors.flows;

/**
 * The counters last seen per conntrack id, so that each observation adds only what a connection
 * moved since. Cilium's default table holds 524,288 TCP connections, and the agent runs in a 128 MB
 * heap, so the table is sized for that: open addressing over primitive arrays (no object per
 * connection, one cache miss per lookup), 33 bytes per slot, and split in {@value #SEGMENTS}
 * segments that grow one at a time, so that growing holds one segment twice, never the whole table.
 * At 500,000 connections the slots take 35 MB, 37 MB while a segment grows; a HashMap of boxed keys
 * and records took about 100 bytes per connection.
 *
 * <p>A slot holds the id, both byte counters, and both packet counters modulo 2^32 in one long: the
 * packets a connection moved since it was last seen are right as long as they are fewer than 2^32
 * in one collection interval (over 400 million packets a second at a 10 s interval). The collection
 * stamp of each slot is one byte in an array of its own, which {@link #sweep()} keeps right as long
 * as it runs once per collection.
 */
final class ConnectionCounters {
  private static final int SEGMENTS = 16;
  private static final int SEGMENT_SHIFT = Integer.numberOfTrailingZeros(SEGMENTS);
  private static final int MIN_SEGMENT_SLOTS = 64;

  /** Per slot: id, original bytes, reply bytes, packets (original high, reply low half). */
  private static final int STRIDE = 4;

  private static final int ORIGINAL_BYTES = 1;
  private static final int REPLY_BYTES = 2;
  private static final int PACKETS = 3;
  private static final long LOW_32 = 0xFFFF_FFFFL;

  /**
   * The stamp of a free slot; others hold the collection in which the id was last observed, which
   * cycles through 1..255.
   */
  private static final byte FREE = 0;

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

  private final Segment[] segments = new Segment[SEGMENTS];
  private byte generation = 1;

  ConnectionCounters() {
    for (int i = 0; i < SEGMENTS; i++) {
      segments[i] = new Segment();
    }
  }

  /** Starts a collection, the unit of {@link #sweep()}. */
  void startCollection() {
    generation = next(generation);
  }

  /**
   * Records the counters now seen for the id and writes into {@code before} those seen last time
   * (zeros for an id not seen before; packets as the count now less the packets moved since, modulo
   * 2^32). Returns whether the id is new.
   */
  boolean observe(
      long id,
      long origPackets,
      long origBytes,
      long replyPackets,
      long replyBytes,
      Counts before) {
    long hash = hash(id);
    Segment segment = segments[segmentOf(hash)];
    if ((segment.size + 1) * 4L > segment.capacity() * 3L) {
      segment.grow();
    }
    int slot = segment.find(id, hash);
    long[] slots = segment.slots;
    int at = slot * STRIDE;
    boolean isNew = segment.stamps[slot] == FREE;
    if (isNew) {
      slots[at] = id;
      segment.size++;
      before.clear();
    } else {
      before.originalBytes = slots[at + ORIGINAL_BYTES];
      before.replyBytes = slots[at + REPLY_BYTES];
      long packets = slots[at + PACKETS];
      before.originalPackets = origPackets - ((origPackets - (packets >>> 32)) & LOW_32);
      before.replyPackets = replyPackets - ((replyPackets - packets) & LOW_32);
    }
    segment.stamps[slot] = generation;
    slots[at + ORIGINAL_BYTES] = origBytes;
    slots[at + REPLY_BYTES] = replyBytes;
    slots[at + PACKETS] = (origPackets << 32) | (replyPackets & LOW_32);
    return isNew;
  }

  boolean contains(long id) {
    long hash = hash(id);
    Segment segment = segments[segmentOf(hash)];
    return segment.stamps[segment.find(id, hash)] != FREE;
  }

  /** Forgets an id (its DESTROY event came): the same id seen later is a new connection. */
  void forget(long id) {
    long hash = hash(id);
    Segment segment = segments[segmentOf(hash)];
    int slot = segment.find(id, hash);
    if (segment.stamps[slot] != FREE) {
      segment.removeAt(slot);
    }
  }

  /**
   * Removes every id observed in neither this collection nor the one before: one collection of
   * grace, for a DESTROY event that arrives just after the drain that would have matched it.
   */
  void sweep() {
    byte previous = generation == 1 ? (byte) -1 : (byte) (generation - 1);
    for (Segment segment : segments) {
      segment.sweep(generation, previous);
    }
  }

  int size() {
    int size = 0;
    for (Segment segment : segments) {
      size += segment.size;
    }
    return size;
  }

  /** The next stamp after a collection's: 1..255 as unsigned bytes, skipping {@link #FREE}. */
  private static byte next(byte stamp) {
    return stamp == (byte) -1 ? 1 : (byte) (stamp + 1);
  }

  /** Kernel ids are hashes already, but procfs identities or test ids may be sequential. */
  private static long hash(long id) {
    long h = id * 0x9E3779B97F4A7C15L;
    return h ^ (h >>> 32);
  }

  /** The segment from the hash's top bits; the slot in it comes from the low bits. */
  private static int segmentOf(long hash) {
    return (int) (hash >>> (64 - SEGMENT_SHIFT));
  }

  private static final class Segment {
    long[] slots = new long[MIN_SEGMENT_SLOTS * STRIDE];
    byte[] stamps = new byte[MIN_SEGMENT_SLOTS];
    int size;

    int capacity() {
      return stamps.length;
    }

    /** The slot holding the id, or the free slot where it would go. */
    int find(long id, long hash) {
      int mask = capacity() - 1;
      int slot = (int) hash & mask;
      while (stamps[slot] != FREE && slots[slot * STRIDE] != id) {
        slot = (slot + 1) & mask;
      }
      return slot;
    }

    void sweep(byte current, byte previous) {
      int mask = capacity() - 1;
      int start = 0;
      while (stamps[start] != FREE) {
        start++; // the load factor keeps free slots
      }
      // From just after a free slot, so that no run of occupied slots wraps past the point where
      // the walk started.
      for (int k = 1; k <= capacity(); k++) {
        int slot = (start + k) & mask;
        byte stamp;
        while ((stamp = stamps[slot]) != FREE && stamp != current && stamp != previous) {
          removeAt(slot); // refills the slot from later in its run: look at it again
        }
      }
    }

    /**
     * Backward-shift deletion: later members of the run move up so that every lookup still finds
     * its id.
     */
    void removeAt(int slot) {
      int mask = capacity() - 1;
      int hole = slot;
      for (int j = (slot + 1) & mask; stamps[j] != FREE; j = (j + 1) & mask) {
        int home = (int) hash(slots[j * STRIDE]) & mask;
        boolean canMove = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (canMove) {
          System.arraycopy(slots, j * STRIDE, slots, hole * STRIDE, STRIDE);
          stamps[hole] = stamps[j];
          hole = j;
        }
      }
      stamps[hole] = FREE;
      size--;
    }

    void grow() {
      long[] oldSlots = slots;
      byte[] oldStamps = stamps;
      slots = new long[oldSlots.length * 2];
      stamps = new byte[oldStamps.length * 2];
      for (int slot = 0; slot < oldStamps.length; slot++) {
        if (oldStamps[slot] != FREE) {
          long id = oldSlots[slot * STRIDE];
          int to = find(id, hash(id));
          System.arraycopy(oldSlots, slot * STRIDE, slots, to * STRIDE, STRIDE);
          stamps[to] = oldStamps[slot];
        }
      }
    }
  }
}
