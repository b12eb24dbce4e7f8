package dev.nodescope.collectors.conntrack;

import java.util.Arrays;

/**
 * A set of longs in one open-addressing array, for the hundreds of thousands of entry identities
 * one read of Cilium's maps produces; boxed Longs in a HashSet would weigh five times as much.
 */
final class LongSet {
  private static final long EMPTY = 0;

  private long[] slots = new long[1024];
  private boolean hasEmpty;
  private int size;

  boolean add(long value) {
    if (value == EMPTY) {
      boolean added = !hasEmpty;
      hasEmpty = true;
      return added;
    }
    if ((size + 1) * 4L > slots.length * 3L) {
      grow();
    }
    int at = find(slots, value);
    if (slots[at] == value) {
      return false;
    }
    slots[at] = value;
    size++;
    return true;
  }

  boolean contains(long value) {
    return value == EMPTY ? hasEmpty : slots[find(slots, value)] == value;
  }

  void clear() {
    Arrays.fill(slots, EMPTY);
    hasEmpty = false;
    size = 0;
  }

  private static int find(long[] table, long value) {
    int mask = table.length - 1;
    long h = value * 0x9E3779B97F4A7C15L;
    int at = (int) (h ^ (h >>> 32)) & mask;
    while (table[at] != EMPTY && table[at] != value) {
      at = (at + 1) & mask;
    }
    return at;
  }

  private void grow() {
    long[] bigger = new long[slots.length * 2];
    for (long value : slots) {
      if (value != EMPTY) {
        bigger[find(bigger, value)] = value;
      }
    }
    slots = bigger;
  }
}
