package dev.nodescope.collectors.podresources;

import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.podresources.v1.PodResourcesApi;
import dev.nodescope.collectors.podresources.v1.PodResourcesListerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The kubelet PodResources v1 API ({@code List}) over its unix socket. */
public final class KubeletPodResources implements PodResources {
  private static final Logger LOG = LoggerFactory.getLogger(KubeletPodResources.class);
  public static final String DEFAULT_SOCKET = "/var/lib/kubelet/pod-resources/kubelet.sock";
  private static final long DEADLINE_SECONDS = 5;

  private final ManagedChannel channel;
  private final EpollEventLoopGroup eventLoop;
  private final PodResourcesListerGrpc.PodResourcesListerBlockingStub stub;

  private KubeletPodResources(Path socket) {
    eventLoop = new EpollEventLoopGroup(1);
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .eventLoopGroup(eventLoop)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .maxInboundMessageSize(16 * 1024 * 1024)
            .build();
    stub = PodResourcesListerGrpc.newBlockingStub(channel);
  }

  /**
   * A client of the socket, or a PodResources that says once that there is none and lists nothing.
   */
  public static PodResources open(Path socket) {
    if (!Files.exists(socket)) {
      LOG.info(
          "no kubelet pod-resources socket at {}: GPU and Neuron series carry no pod labels",
          socket);
      return PodResources.NONE;
    }
    return new KubeletPodResources(socket);
  }

  @Override
  public List<ContainerDevices> list() throws IOException {
    PodResourcesApi.ListPodResourcesResponse response;
    try {
      response =
          stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .list(PodResourcesApi.ListPodResourcesRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw new IOException("kubelet pod-resources List failed: " + e.getStatus(), e);
    }
    List<ContainerDevices> devices = new ArrayList<>();
    for (PodResourcesApi.PodResources pod : response.getPodResourcesList()) {
      for (PodResourcesApi.ContainerResources container : pod.getContainersList()) {
        for (PodResourcesApi.ContainerDevices assigned : container.getDevicesList()) {
          devices.add(
              new ContainerDevices(
                  pod.getNamespace(),
                  pod.getName(),
                  container.getName(),
                  assigned.getResourceName(),
                  assigned.getDeviceIdsList()));
        }
      }
    }
    return devices;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    // close() does not wait for the event loop: its threads are daemons.
    var unused = eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
