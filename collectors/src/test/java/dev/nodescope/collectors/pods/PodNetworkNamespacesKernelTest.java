package dev.nodescope.collectors.pods;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.RootPaths;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.KubeletPodCgroup;
import dev.nodescope.collectors.testing.Shell;
import dev.nodescope.collectors.testing.TestNetns;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Pods in this host's real cgroup hierarchy, as the kubelet shapes it: one whose process runs in a
 * network namespace the test makes, one whose process stays in the host's (hostNetwork). The pod
 * that owns the namespace is found by the inode that `lsns` reports for it; the hostNetwork pod
 * owns none. This is how the tcp collector's drop counter names the pod a drop belongs to.
 */
class PodNetworkNamespacesKernelTest {
  @Test
  void findsThePodOfARealNamespaceThroughItsCgroup() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("lsns");
    String podUid = UUID.randomUUID().toString();
    String hostNetworkUid = UUID.randomUUID().toString();
    Process inNamespace = null;
    Process onHost = null;
    try (TestNetns netns = TestNetns.create("podnetns");
        KubeletPodCgroup pod = KubeletPodCgroup.create(podUid);
        KubeletPodCgroup hostNetworkPod = KubeletPodCgroup.create(hostNetworkUid)) {
      try {
        inNamespace =
            new ProcessBuilder("ip", "netns", "exec", netns.name(), "sleep", "60").start();
        onHost = new ProcessBuilder("sleep", "60").start();
        pod.add(inNamespace.pid());
        hostNetworkPod.add(onHost.pid());
        long inode = namespaceInode(inNamespace.pid());
        assertThat(inode).isNotEqualTo(namespaceInode(onHost.pid()));

        assertThat(PodNetworkNamespaces.open(RootPaths.host()).podUidsByInode())
            .containsEntry(inode, podUid)
            .doesNotContainValue(hostNetworkUid);
      } finally {
        for (Process process : new Process[] {inNamespace, onHost}) {
          if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          }
        }
      }
    }
  }

  /**
   * The network namespace of a process as util-linux's lsns reports it. `ip netns exec` replaces
   * itself with the command once it has entered the namespace, so the test waits for that.
   */
  private static long namespaceInode(long pid) throws Exception {
    String line = "";
    for (int attempt = 0; attempt < 100 && line.isEmpty(); attempt++) {
      String command = Shell.output("cat", "/proc/" + pid + "/comm").strip();
      if (command.equals("sleep")) {
        line = Shell.output("lsns", "-t", "net", "-n", "-o", "NS", "-p", Long.toString(pid));
      } else {
        Thread.sleep(50);
      }
    }
    return Long.parseLong(line.strip());
  }
}
