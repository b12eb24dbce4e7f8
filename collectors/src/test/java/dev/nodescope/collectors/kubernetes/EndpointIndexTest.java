package dev.nodescope.collectors.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.ClusterDirectory.RemotePod;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EndpointIndexTest {
  private final EndpointIndex index = new EndpointIndex();

  private void claim(String ip, String owner, RemotePod pod) {
    index.claim(EndpointIndex.ipv4(ip), ip, owner, pod);
  }

  private void release(String ip, String owner) {
    index.release(EndpointIndex.ipv4(ip), ip, owner);
  }

  @Test
  void readsDottedIpv4AndNothingElse() {
    assertThat(EndpointIndex.ipv4("10.1.0.5")).isEqualTo(0x0A010005);
    assertThat(EndpointIndex.ipv4("255.255.255.255")).isEqualTo(-1);
    assertThat(EndpointIndex.ipv4("2001:db8::1")).isZero();
    assertThat(EndpointIndex.ipv4("10.1.0.256")).isZero();
    assertThat(EndpointIndex.ipv4("10.1.0")).isZero();
    assertThat(EndpointIndex.ipv4("10.1..5")).isZero();
    assertThat(EndpointIndex.ipv4("10.1.0.5.")).isZero();
    assertThat(EndpointIndex.ipv4("0.0.0.0")).isZero();
  }

  @Test
  void oneSliceLettingGoKeepsTheOthersClaim() {
    RemotePod web1 = new RemotePod("shop", "web-1", "node-b");
    claim("10.1.0.5", "shop/web-x1", web1);
    claim("10.1.0.5", "shop/web-canary-k2", web1);
    claim("2001:db8::5", "shop/web-x1", web1);
    claim("2001:db8::5", "shop/web-canary-k2", web1);
    release("10.1.0.5", "shop/web-x1");
    release("2001:db8::5", "shop/web-x1");
    assertThat(index.lookup("10.1.0.5")).contains(web1);
    assertThat(index.lookup("2001:db8::5")).contains(web1);
    release("10.1.0.5", "shop/web-canary-k2");
    release("2001:db8::5", "shop/web-canary-k2");
    assertThat(index.lookup("10.1.0.5")).isEmpty();
    assertThat(index.lookup("2001:db8::5")).isEmpty();
    assertThat(index.size()).isZero();
  }

  /**
   * Random claims and releases over a small address space (so that runs collide, slots are removed
   * from the middle of runs and the table grows), checked after every step against {@link
   * AddressIndex}, the plain map of claims by owner.
   */
  @Test
  void agreesWithThePlainIndexUnderChurn() {
    AddressIndex<RemotePod> truth = new AddressIndex<>();
    Random random = new Random(15);
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      addresses.add("100.64." + i / 256 + "." + i % 256);
    }
    addresses.add("2001:db8::1");
    for (int step = 0; step < 60_000; step++) {
      String address = addresses.get(random.nextInt(addresses.size()));
      String owner = "team/slice-" + random.nextInt(3);
      if (random.nextInt(3) > 0) {
        RemotePod pod = new RemotePod("team", "pod-" + random.nextInt(5), "node-" + step % 7);
        claim(address, owner, pod);
        truth.claim(address, owner, pod);
      } else {
        release(address, owner);
        truth.release(address, owner);
      }
      String probe = addresses.get(random.nextInt(addresses.size()));
      assertThat(index.lookup(probe).isPresent()).isEqualTo(truth.lookup(probe).isPresent());
      if (step % 1000 == 0) {
        assertThat(index.size()).isEqualTo(truth.size());
      }
    }
    int present = 0;
    for (String address : addresses) {
      assertThat(index.lookup(address).isPresent())
          .as(address)
          .isEqualTo(truth.lookup(address).isPresent());
      present += truth.lookup(address).isPresent() ? 1 : 0;
    }
    assertThat(index.size()).isEqualTo(truth.size()).isEqualTo(present);
  }

  @Test
  void aSingleClaimantsPodIsReturnedAsClaimed() {
    for (int i = 0; i < 5000; i++) {
      claim(
          "100.64." + i / 256 + "." + i % 256,
          "ns-" + i % 10 + "/s-" + i / 8,
          new RemotePod("ns-" + i % 10, "pod-" + i, "node-" + i % 300));
    }
    for (int i = 0; i < 5000; i += 2) {
      release("100.64." + i / 256 + "." + i % 256, "ns-" + i % 10 + "/s-" + i / 8);
    }
    for (int i = 1; i < 5000; i += 2) {
      assertThat(index.lookup("100.64." + i / 256 + "." + i % 256))
          .contains(new RemotePod("ns-" + i % 10, "pod-" + i, "node-" + i % 300));
      assertThat(index.lookup("100.64." + (i - 1) / 256 + "." + (i - 1) % 256)).isEmpty();
    }
    assertThat(index.size()).isEqualTo(2500);
  }
}
