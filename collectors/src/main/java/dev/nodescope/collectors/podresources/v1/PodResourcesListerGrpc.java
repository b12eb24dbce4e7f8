package dev.nodescope.collectors.podresources.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/** */
@io.grpc.stub.annotations.GrpcGenerated
public final class PodResourcesListerGrpc {

  private PodResourcesListerGrpc() {}

  public static final java.lang.String SERVICE_NAME = "v1.PodResourcesLister";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<
          dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest,
          dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse>
      getListMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "List",
      requestType =
          dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest.class,
      responseType =
          dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<
          dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest,
          dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse>
      getListMethod() {
    io.grpc.MethodDescriptor<
            dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest,
            dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse>
        getListMethod;
    if ((getListMethod = PodResourcesListerGrpc.getListMethod) == null) {
      synchronized (PodResourcesListerGrpc.class) {
        if ((getListMethod = PodResourcesListerGrpc.getListMethod) == null) {
          PodResourcesListerGrpc.getListMethod =
              getListMethod =
                  io.grpc.MethodDescriptor
                      .<dev.nodescope.collectors.podresources.v1.PodResourcesApi
                              .ListPodResourcesRequest,
                          dev.nodescope.collectors.podresources.v1.PodResourcesApi
                              .ListPodResourcesResponse>
                          newBuilder()
                      .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                      .setFullMethodName(generateFullMethodName(SERVICE_NAME, "List"))
                      .setSampledToLocalTracing(true)
                      .setRequestMarshaller(
                          io.grpc.protobuf.ProtoUtils.marshaller(
                              dev.nodescope.collectors.podresources.v1.PodResourcesApi
                                  .ListPodResourcesRequest.getDefaultInstance()))
                      .setResponseMarshaller(
                          io.grpc.protobuf.ProtoUtils.marshaller(
                              dev.nodescope.collectors.podresources.v1.PodResourcesApi
                                  .ListPodResourcesResponse.getDefaultInstance()))
                      .setSchemaDescriptor(new PodResourcesListerMethodDescriptorSupplier("List"))
                      .build();
        }
      }
    }
    return getListMethod;
  }

  /** Creates a new async stub that supports all call types for the service */
  public static PodResourcesListerStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PodResourcesListerStub> factory =
        new io.grpc.stub.AbstractStub.StubFactory<PodResourcesListerStub>() {
          @java.lang.Override
          public PodResourcesListerStub newStub(
              io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
            return new PodResourcesListerStub(channel, callOptions);
          }
        };
    return PodResourcesListerStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static PodResourcesListerBlockingStub newBlockingStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PodResourcesListerBlockingStub> factory =
        new io.grpc.stub.AbstractStub.StubFactory<PodResourcesListerBlockingStub>() {
          @java.lang.Override
          public PodResourcesListerBlockingStub newStub(
              io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
            return new PodResourcesListerBlockingStub(channel, callOptions);
          }
        };
    return PodResourcesListerBlockingStub.newStub(factory, channel);
  }

  /** Creates a new ListenableFuture-style stub that supports unary calls on the service */
  public static PodResourcesListerFutureStub newFutureStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PodResourcesListerFutureStub> factory =
        new io.grpc.stub.AbstractStub.StubFactory<PodResourcesListerFutureStub>() {
          @java.lang.Override
          public PodResourcesListerFutureStub newStub(
              io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
            return new PodResourcesListerFutureStub(channel, callOptions);
          }
        };
    return PodResourcesListerFutureStub.newStub(factory, channel);
  }

  /** */
  public interface AsyncService {

    /** */
    default void list(
        dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest request,
        io.grpc.stub.StreamObserver<
                dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse>
            responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListMethod(), responseObserver);
    }
  }

  /** Base class for the server implementation of the service PodResourcesLister. */
  public abstract static class PodResourcesListerImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override
    public final io.grpc.ServerServiceDefinition bindService() {
      return PodResourcesListerGrpc.bindService(this);
    }
  }

  /** A stub to allow clients to do asynchronous rpc calls to service PodResourcesLister. */
  public static final class PodResourcesListerStub
      extends io.grpc.stub.AbstractAsyncStub<PodResourcesListerStub> {
    private PodResourcesListerStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PodResourcesListerStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PodResourcesListerStub(channel, callOptions);
    }

    /** */
    public void list(
        dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest request,
        io.grpc.stub.StreamObserver<
                dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse>
            responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /** A stub to allow clients to do synchronous rpc calls to service PodResourcesLister. */
  public static final class PodResourcesListerBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<PodResourcesListerBlockingStub> {
    private PodResourcesListerBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PodResourcesListerBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PodResourcesListerBlockingStub(channel, callOptions);
    }

    /** */
    public dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse list(
        dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service PodResourcesLister.
   */
  public static final class PodResourcesListerFutureStub
      extends io.grpc.stub.AbstractFutureStub<PodResourcesListerFutureStub> {
    private PodResourcesListerFutureStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PodResourcesListerFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PodResourcesListerFutureStub(channel, callOptions);
    }

    /** */
    public com.google.common.util.concurrent.ListenableFuture<
            dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesResponse>
        list(
            dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest
                request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LIST = 0;

  private static final class MethodHandlers<Req, Resp>
      implements io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
          io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
          io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
          io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_LIST:
          serviceImpl.list(
              (dev.nodescope.collectors.podresources.v1.PodResourcesApi.ListPodResourcesRequest)
                  request,
              (io.grpc.stub.StreamObserver<
                      dev.nodescope.collectors.podresources.v1.PodResourcesApi
                          .ListPodResourcesResponse>)
                  responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
            getListMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
                new MethodHandlers<
                    dev.nodescope.collectors.podresources.v1.PodResourcesApi
                        .ListPodResourcesRequest,
                    dev.nodescope.collectors.podresources.v1.PodResourcesApi
                        .ListPodResourcesResponse>(service, METHODID_LIST)))
        .build();
  }

  private abstract static class PodResourcesListerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier,
          io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    PodResourcesListerBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nodescope.collectors.podresources.v1.PodResourcesApi.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("PodResourcesLister");
    }
  }

  private static final class PodResourcesListerFileDescriptorSupplier
      extends PodResourcesListerBaseDescriptorSupplier {
    PodResourcesListerFileDescriptorSupplier() {}
  }

  private static final class PodResourcesListerMethodDescriptorSupplier
      extends PodResourcesListerBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    PodResourcesListerMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (PodResourcesListerGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor =
              result =
                  io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
                      .setSchemaDescriptor(new PodResourcesListerFileDescriptorSupplier())
                      .addMethod(getListMethod())
                      .build();
        }
      }
    }
    return result;
  }
}
