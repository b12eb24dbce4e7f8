package dev.nodescope.collectors.flows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The primitive table against a HashMap doing the same, over random observations, forgets and
 * sweeps, with packet counts past 2^32 and more collections than its one-byte stamps count.
 */
class ConnectionCountersTest {
  @Test
  void behavesAsAMapOfIdsToTheirLastCounters() {
    Random random = new Random(7);
    ConnectionCounters table = new ConnectionCounters();
    Map<Long, long[]> model = new HashMap<>();
    ConnectionCounters.Counts before = new ConnectionCounters.Counts();
    Set<Long> observedBefore = new HashSet<>();
    for (int collection = 0; collection < 600; collection++) {
      table.startCollection();
      Set<Long> observed = new HashSet<>();
      int operations = random.nextInt(collection < 60 ? 5000 : 300);
      for (int i = 0; i < operations; i++) {
        // Few distinct ids, many of them neighbours: long probe runs, collisions and wrap-around
        // deletions.
        long id = random.nextBoolean() ? random.nextInt(3000) : random.nextLong();
        if (random.nextInt(10) == 0) {
          table.forget(id);
          model.remove(id);
          observed.remove(id);
          observedBefore.remove(id);
          continue;
        }
        if (random.nextInt(50) == 0) {
          assertThat(table.contains(id)).isEqualTo(model.containsKey(id));
        }
        // Packets only grow (they are kept modulo 2^32, lifted back under the count now), past
        // 2^32 too (by less than 2^32 a collection); bytes go anywhere.
        long[] last = model.getOrDefault(id, new long[4]);
        long[] now = {
          last[0] + random.nextInt(100) + (random.nextInt(20) == 0 ? 1L << 31 : 0),
          random.nextInt(100),
          last[2] + random.nextInt(100) + (random.nextInt(20) == 0 ? 3L << 30 : 0),
          random.nextInt(100)
        };
        boolean isNew = table.observe(id, now[0], now[1], now[2], now[3], before);
        long[] expected = model.put(id, now);
        assertThat(isNew).isEqualTo(expected == null);
        assertThat(counts(before)).containsExactly(expected == null ? new long[4] : expected);
        observed.add(id);
      }
      table.sweep();
      // Kept: observed in this collection or the one before.
      Set<Long> kept = new HashSet<>(observed);
      kept.addAll(observedBefore);
      model.keySet().retainAll(kept);
      observedBefore = observed;
      assertThat(table.size()).isEqualTo(model.size());
    }
    for (Map.Entry<Long, long[]> e : model.entrySet()) {
      long[] last = e.getValue();
      assertThat(table.observe(e.getKey(), last[0], last[1], last[2], last[3], before)).isFalse();
      assertThat(counts(before)).containsExactly(e.getValue());
    }
  }

  private static long[] counts(ConnectionCounters.Counts c) {
    return new long[] {c.originalPackets, c.originalBytes, c.replyPackets, c.replyBytes};
  }
}
