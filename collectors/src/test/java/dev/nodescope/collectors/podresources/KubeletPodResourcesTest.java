package dev.nodescope.collectors.podresources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.podresources.PodResources.ContainerDevices;
import dev.nodescope.collectors.podresources.v1.PodResourcesApi;
import dev.nodescope.collectors.podresources.v1.PodResourcesListerGrpc;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletPodResourcesTest {
  @TempDir Path dir;

  private static PodResourcesApi.ContainerDevices devices(String resource, String... ids) {
    return PodResourcesApi.ContainerDevices.newBuilder().setResourceName(resource).addAllDeviceIds(List.of(ids)).build();
  }

  @Test
  void listsEveryContainersDevicesFromARealServerOnAUnixSocket() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    PodResourcesApi.ListPodResourcesResponse response = PodResourcesApi.ListPodResourcesResponse.newBuilder()
        .addPodResources(PodResourcesApi.PodResources.newBuilder().setName("trainer-0").setNamespace("ml")
            .addContainers(PodResourcesApi.ContainerResources.newBuilder().setName("main")
                .addDevices(devices("nvidia.com/gpu", "GPU-1a2b", "GPU-3c4d"))
                .addDevices(devices("nvidia.com/mig-1g.10gb", "MIG-5e6f"))
                .addCpuIds(3))
            .addContainers(PodResourcesApi.ContainerResources.newBuilder().setName("sidecar")))
        .addPodResources(PodResourcesApi.PodResources.newBuilder().setName("bert-0").setNamespace("serving")
            .addContainers(PodResourcesApi.ContainerResources.newBuilder().setName("server")
                .addDevices(devices("aws.amazon.com/neuroncore", "0", "1"))
                .addDevices(devices("aws.amazon.com/neurondevice", "3"))
                .addDevices(devices("aws.amazon.com/neuron", "5"))))
        .build();
    Path socket = dir.resolve("kubelet.sock");
    EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
        .addService(new PodResourcesListerGrpc.PodResourcesListerImplBase() {
          @Override
          public void list(PodResourcesApi.ListPodResourcesRequest request,
              StreamObserver<PodResourcesApi.ListPodResourcesResponse> observer) {
            calls.incrementAndGet();
            observer.onNext(response);
            observer.onCompleted();
          }
        })
        .build().start();
    try (PodResources client = KubeletPodResources.open(socket)) {
      assertThat(client).isInstanceOf(KubeletPodResources.class);
      assertThat(client.list()).containsExactly(
          new ContainerDevices("ml", "trainer-0", "main", "nvidia.com/gpu", List.of("GPU-1a2b", "GPU-3c4d")),
          new ContainerDevices("ml", "trainer-0", "main", "nvidia.com/mig-1g.10gb", List.of("MIG-5e6f")),
          new ContainerDevices("serving", "bert-0", "server", "aws.amazon.com/neuroncore", List.of("0", "1")),
          new ContainerDevices("serving", "bert-0", "server", "aws.amazon.com/neurondevice", List.of("3")),
          new ContainerDevices("serving", "bert-0", "server", "aws.amazon.com/neuron", List.of("5")));
      assertThat(calls).hasValue(1);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      assertThatThrownBy(client::list).isInstanceOf(IOException.class).hasMessageContaining("UNAVAILABLE");
    } finally {
      server.shutdownNow();
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void absentSocketListsNothing() throws IOException {
    PodResources none = KubeletPodResources.open(dir.resolve("missing.sock"));
    assertThat(none).isSameAs(PodResources.NONE);
    assertThat(none.list()).isEmpty();
  }
}
