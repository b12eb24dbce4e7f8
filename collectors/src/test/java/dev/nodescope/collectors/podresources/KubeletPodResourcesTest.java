package dev.nodescope.collectors.podresources;

import static dev.nodescope.collectors.testing.FakeKubelet.devices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.PodResources.ContainerDevices;
import dev.nodescope.collectors.podresources.v1.PodResourcesApi;
import dev.nodescope.collectors.testing.FakeKubelet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletPodResourcesTest {
  @TempDir Path dir;

  @Test
  void listsEveryContainersDevicesFromARealServerOnAUnixSocket() throws Exception {
    PodResourcesApi.ListPodResourcesResponse response =
        PodResourcesApi.ListPodResourcesResponse.newBuilder()
            .addPodResources(
                PodResourcesApi.PodResources.newBuilder()
                    .setName("trainer-0")
                    .setNamespace("ml")
                    .addContainers(
                        PodResourcesApi.ContainerResources.newBuilder()
                            .setName("main")
                            .addDevices(devices("nvidia.com/gpu", "GPU-1a2b", "GPU-3c4d"))
                            .addDevices(devices("nvidia.com/mig-1g.10gb", "MIG-5e6f"))
                            .addCpuIds(3))
                    .addContainers(
                        PodResourcesApi.ContainerResources.newBuilder().setName("sidecar")))
            .addPodResources(
                PodResourcesApi.PodResources.newBuilder()
                    .setName("bert-0")
                    .setNamespace("serving")
                    .addContainers(
                        PodResourcesApi.ContainerResources.newBuilder()
                            .setName("server")
                            .addDevices(devices("aws.amazon.com/neuroncore", "0", "1"))
                            .addDevices(devices("aws.amazon.com/neurondevice", "3"))
                            .addDevices(devices("aws.amazon.com/neuron", "5"))))
            .build();
    Path socket = dir.resolve("kubelet.sock");
    try (FakeKubelet kubelet = new FakeKubelet(socket, response);
        PodResources client = KubeletPodResources.open(socket)) {
      assertThat(client).isInstanceOf(KubeletPodResources.class);
      assertThat(client.list())
          .containsExactly(
              new ContainerDevices(
                  "ml", "trainer-0", "main", "nvidia.com/gpu", List.of("GPU-1a2b", "GPU-3c4d")),
              new ContainerDevices(
                  "ml", "trainer-0", "main", "nvidia.com/mig-1g.10gb", List.of("MIG-5e6f")),
              new ContainerDevices(
                  "serving", "bert-0", "server", "aws.amazon.com/neuroncore", List.of("0", "1")),
              new ContainerDevices(
                  "serving", "bert-0", "server", "aws.amazon.com/neurondevice", List.of("3")),
              new ContainerDevices(
                  "serving", "bert-0", "server", "aws.amazon.com/neuron", List.of("5")));
      assertThat(kubelet.listCalls()).isEqualTo(1);
      kubelet.stop();
      assertThatThrownBy(client::list)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("UNAVAILABLE");
    }
  }

  @Test
  void absentSocketListsNothing() throws IOException {
    PodResources none = KubeletPodResources.open(dir.resolve("missing.sock"));
    assertThat(none).isSameAs(PodResources.NONE);
    assertThat(none.list()).isEmpty();
  }
}
