package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedBufferTest {

  @Test
  void dropsOldestFirstAndCountsWhatWasDropped() {
    BoundedBuffer<Integer> buffer = new BoundedBuffer<>(10, weight -> weight);
    assertThat(buffer.add(4)).isZero();
    assertThat(buffer.add(5)).isZero();
    assertThat(buffer.add(3)).isEqualTo(4);

    assertThat(buffer.drain()).containsExactly(5, 3);
    assertThat(buffer.droppedWeight()).isEqualTo(4);
    assertThat(buffer.weight()).isZero();
  }

  @Test
  void requeuedFailuresGoAheadOfNewerItems() {
    BoundedBuffer<Integer> buffer = new BoundedBuffer<>(100, weight -> weight);
    buffer.add(7);
    buffer.requeueFirst(List.of(1, 2));
    assertThat(buffer.drain()).containsExactly(1, 2, 7);
    assertThat(buffer.droppedWeight()).isZero();
  }
}
