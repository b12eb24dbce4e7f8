package dev.nodescope.collectors.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerTableTest {
  static final Remote SERVER =
      new Remote("shop", "server", "shop/api", RemoteKind.SERVICE, Locality.SAME_ZONE);

  static PodPeer peer(int pod, int port) {
    return new PodPeer(new PodName("shop", "pod-" + pod), SERVER, 6, port, Role.CLIENT);
  }

  @Test
  void findsByPartsWhatAHashMapFindsByPeer() {
    PeerTable<Integer> table = new PeerTable<>();
    Map<PodPeer, Integer> truth = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      PodPeer peer = peer(i % 7, 1024 + i);
      table.put(peer, i);
      truth.put(peer, i);
    }
    table.put(peer(0, 1024), -1);
    truth.put(peer(0, 1024), -1);
    assertThat(table.size()).isEqualTo(truth.size());
    for (Map.Entry<PodPeer, Integer> e : truth.entrySet()) {
      PodPeer p = e.getKey();
      // Parts made anew: equal values, other instances.
      assertThat(
              table.get(
                  new PodName(p.local().namespace(), p.local().name()),
                  new Remote("shop", "server", "shop/api", RemoteKind.SERVICE, Locality.SAME_ZONE),
                  p.protocol(),
                  p.port(),
                  p.role()))
          .isEqualTo(e.getValue());
    }
    assertThat(table.get(peer(0, 1024).local(), SERVER, 17, 1024, Role.CLIENT)).isNull();
    assertThat(table.get(peer(0, 1024).local(), SERVER, 6, 1024, Role.SERVER)).isNull();
    assertThat(table.get(peer(0, 1024).local(), Remote.ANY, 6, 1024, Role.CLIENT)).isNull();
  }

  @Test
  void whatRemainsAfterARemovalIsStillFound() {
    PeerTable<Integer> table = new PeerTable<>();
    Map<PodPeer, Integer> truth = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      table.put(peer(i % 5, i), i);
      truth.put(peer(i % 5, i), i);
    }
    table.removeIf(p -> p.local().name().equals("pod-3"));
    truth.keySet().removeIf(p -> p.local().name().equals("pod-3"));
    Map<PodPeer, Integer> left = new HashMap<>();
    table.forEach(left::put);
    assertThat(left).isEqualTo(truth);
    assertThat(table.size()).isEqualTo(400);
    for (int i = 0; i < 500; i++) {
      PodPeer p = peer(i % 5, i);
      assertThat(table.get(p.local(), p.remote(), p.protocol(), p.port(), p.role()))
          .isEqualTo(i % 5 == 3 ? null : i);
    }
  }
}
