package dev.nodescope.collectors.testing;

import dev.nodescope.collectors.podresources.v1.PodResourcesApi;
import dev.nodescope.collectors.podresources.v1.PodResourcesListerGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real kubelet PodResources v1 gRPC server on a unix socket, answering List with a fixed
 * response.
 */
public final class FakeKubelet implements AutoCloseable {
  private final EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
  private final AtomicInteger listCalls = new AtomicInteger();
  private final Server server;

  public FakeKubelet(Path socket, PodResourcesApi.ListPodResourcesResponse response)
      throws IOException {
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(loop)
            .workerEventLoopGroup(loop)
            .addService(
                new PodResourcesListerGrpc.PodResourcesListerImplBase() {
                  @Override
                  public void list(
                      PodResourcesApi.ListPodResourcesRequest request,
                      StreamObserver<PodResourcesApi.ListPodResourcesResponse> observer) {
                    listCalls.incrementAndGet();
                    observer.onNext(response);
                    observer.onCompleted();
                  }
                })
            .build()
            .start();
  }

  public static PodResourcesApi.ContainerDevices devices(String resource, String... ids) {
    return PodResourcesApi.ContainerDevices.newBuilder()
        .setResourceName(resource)
        .addAllDeviceIds(List.of(ids))
        .build();
  }

  public int listCalls() {
    return listCalls.get();
  }

  /** Stops serving, as a kubelet restart would, while the test goes on. */
  public void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    server.shutdownNow();
    var unused = loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
