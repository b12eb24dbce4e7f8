package dev.nodescope.collectors.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A subscription socket's receive waits without a timeout until wakeUp. No multicast group is
 * joined, so no message can come and no privilege is needed.
 */
class NetlinkSocketTest {
  @Test
  void aSubscriptionReceiveWaitsUntilWokenUp() throws Exception {
    ExecutorService receiver = Executors.newSingleThreadExecutor();
    try (NetlinkSocket socket = NetlinkSocket.subscribe(64 * 1024)) {
      byte[] buf = new byte[4096];
      Future<Integer> received = receiver.submit(() -> socket.receive(buf));
      Thread.sleep(500);
      assertThat(received).as("receive returned with nothing to receive").isNotDone();

      socket.wakeUp();
      assertThat(received.get(1, TimeUnit.SECONDS)).isZero();
      assertThat(receiver.submit(() -> socket.receive(buf)).get(1, TimeUnit.SECONDS))
          .as("a receive after the wake-up")
          .isZero();
    } finally {
      receiver.shutdownNow();
    }
  }
}
