package dev.nodescope.collectors.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CgroupNamesTest {
  private static final String UID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
  private static final String ID = "3f4e".repeat(16);

  @Test
  void podUidsUnderBothDriversAndAllQosClasses() {
    assertThat(CgroupNames.podUid("pod" + UID)).contains(UID);
    String systemdUid = UID.replace('-', '_');
    assertThat(CgroupNames.podUid("kubepods-pod" + systemdUid + ".slice")).contains(UID);
    assertThat(CgroupNames.podUid("kubepods-burstable-pod" + systemdUid + ".slice")).contains(UID);
    assertThat(CgroupNames.podUid("kubepods-besteffort-pod" + systemdUid + ".slice")).contains(UID);
    // static pods have a 32-hex UID (a hash of the manifest)
    assertThat(CgroupNames.podUid("pod6b3f0c8e6d3a4d1e9b0c2a1f3e5d7c9b"))
        .contains("6b3f0c8e6d3a4d1e9b0c2a1f3e5d7c9b");
    assertThat(CgroupNames.podUid("kubepods-burstable.slice")).isEmpty();
    assertThat(CgroupNames.podUid("burstable")).isEmpty();
  }

  @Test
  void podUidOfAProcessFromEitherCgroupVersion() {
    assertThat(uidOfProcess("4:memory:/kubepods/besteffort/pod" + UID + "/" + ID)).contains(UID);
    assertThat(
            uidOfProcess(
                "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                    + UID.replace('-', '_')
                    + ".slice/cri-containerd-"
                    + ID
                    + ".scope"))
        .contains(UID);
    assertThat(uidOfProcess("1:name=systemd:/system.slice/kubelet.service")).isEmpty();
    assertThat(uidOfProcess("0::/")).isEmpty();
    assertThat(
            CgroupNames.podCgroupOfProcess(
                List.of(
                    "1:name=systemd:/system.slice/kubelet.service",
                    "4:memory:/kubepods/besteffort/pod" + UID + "/" + ID)))
        .contains(new CgroupNames.PodCgroup(UID, Optional.of(ID)));
  }

  private static Optional<String> uidOfProcess(String line) {
    return CgroupNames.podCgroupOfProcess(List.of(line)).map(CgroupNames.PodCgroup::podUid);
  }

  @Test
  void containerIdsOfContainerdCrioAndDocker() {
    assertThat(CgroupNames.containerId(ID)).contains(ID);
    assertThat(CgroupNames.containerId("cri-containerd-" + ID + ".scope")).contains(ID);
    assertThat(CgroupNames.containerId("crio-" + ID + ".scope")).contains(ID);
    assertThat(CgroupNames.containerId("docker-" + ID + ".scope")).contains(ID);
    assertThat(CgroupNames.containerId("crio-conmon-" + ID + ".scope")).isEmpty();
    assertThat(CgroupNames.containerId("cri-containerd-" + ID.substring(1) + ".scope")).isEmpty();
  }

  @Test
  void podAndContainerOfAProcessCgroupPath() {
    String systemdUid = UID.replace('-', '_');
    assertThat(
            CgroupNames.podCgroup(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                    + systemdUid
                    + ".slice/cri-containerd-"
                    + ID
                    + ".scope"))
        .contains(new CgroupNames.PodCgroup(UID, Optional.of(ID)));
    assertThat(CgroupNames.podCgroup("/kubepods/besteffort/pod" + UID + "/" + ID))
        .contains(new CgroupNames.PodCgroup(UID, Optional.of(ID)));
    assertThat(CgroupNames.podCgroup("/kubepods/pod" + UID))
        .contains(new CgroupNames.PodCgroup(UID, Optional.empty()));
    assertThat(CgroupNames.podCgroup("/system.slice/containerd.service")).isEmpty();
    assertThat(CgroupNames.podCgroup("/")).isEmpty();
  }
}
