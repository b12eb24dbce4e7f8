package dev.nodescope.collectors.netlink;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * A NETLINK_NETFILTER (or NETLINK_SOCK_DIAG) socket over libc (jnr-ffi). Receive timeouts bound
 * every recv so a silent kernel can never hang a collection; ENOBUFS (the kernel dropped messages
 * because our buffer was full) is counted, not fatal.
 */
public final class NetlinkSocket implements Closeable {
  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int NETLINK_SOCK_DIAG = 4;
  private static final int NETLINK_NETFILTER = 12;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVBUF = 8;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_RCVBUFFORCE = 33;
  private static final int SOL_NETLINK = 270;
  private static final int NETLINK_ADD_MEMBERSHIP = 1;
  static final int EAGAIN = 11;
  static final int EINTR = 4;
  static final int ENOBUFS = 105;

  /** Multicast groups of conntrack events (NFNLGRP_CONNTRACK_*). */
  public static final int GROUP_NEW = 1;

  public static final int GROUP_DESTROY = 3;

  public interface LibC {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] address, int length);

    @SaveError
    long sendto(int fd, @In byte[] buf, long len, int flags, @In byte[] address, int addressLength);

    @SaveError
    long recv(int fd, @Out byte[] buf, long len, int flags);

    @SaveError
    int setsockopt(int fd, int level, int name, @In byte[] value, int length);

    int close(int fd);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private final LibC libc;
  private final int fd;
  private long enobufs;

  private NetlinkSocket(LibC libc, int fd) {
    this.libc = libc;
    this.fd = fd;
  }

  /**
   * Opens and binds a socket on the calling thread's network namespace, joined to the given
   * multicast groups (none for a dump socket), with the receive buffer asked for and a receive
   * timeout.
   */
  public static NetlinkSocket open(int receiveBufferBytes, long receiveTimeoutMillis, int... groups)
      throws IOException {
    return open(NETLINK_NETFILTER, receiveBufferBytes, receiveTimeoutMillis, groups);
  }

  /** A NETLINK_SOCK_DIAG socket for dumping the calling thread's network namespace's sockets. */
  public static NetlinkSocket openSockDiag(int receiveBufferBytes, long receiveTimeoutMillis)
      throws IOException {
    return open(NETLINK_SOCK_DIAG, receiveBufferBytes, receiveTimeoutMillis);
  }

  private static NetlinkSocket open(
      int protocol, int receiveBufferBytes, long receiveTimeoutMillis, int... groups)
      throws IOException {
    LibC libc = Holder.LIBC;
    int fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      throw new NetlinkException("netlink socket", errno());
    }
    NetlinkSocket socket = new NetlinkSocket(libc, fd);
    try {
      // SO_RCVBUFFORCE passes rmem_max when we have CAP_NET_ADMIN; fall back to the capped
      // SO_RCVBUF otherwise.
      if (libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, nativeInt(receiveBufferBytes), 4) < 0) {
        libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, nativeInt(receiveBufferBytes), 4);
      }
      ByteBuffer timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
      timeval.putLong(receiveTimeoutMillis / 1000).putLong((receiveTimeoutMillis % 1000) * 1000);
      socket.check(
          libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval.array(), 16), "SO_RCVTIMEO");
      socket.check(libc.bind(fd, sockaddr(0), 12), "bind");
      for (int group : groups) {
        socket.check(
            libc.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, nativeInt(group), 4),
            "join group");
      }
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  public void send(byte[] message) throws IOException {
    byte[] kernel = sockaddr(0);
    long sent = libc.sendto(fd, message, message.length, 0, kernel, kernel.length);
    if (sent != message.length) {
      throw new NetlinkException("netlink sendto", errno());
    }
  }

  /**
   * Receives one datagram into buf. Returns its length, 0 on timeout, or -1 when the kernel
   * reported ENOBUFS (messages were lost; counted in {@link #overruns()}).
   */
  public int receive(byte[] buf) throws IOException {
    while (true) {
      long n = libc.recv(fd, buf, buf.length, 0);
      if (n >= 0) {
        return (int) n;
      }
      int errno = errno();
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        return 0;
      }
      if (errno == ENOBUFS) {
        enobufs++;
        return -1;
      }
      throw new NetlinkException("netlink recv", errno);
    }
  }

  public long overruns() {
    return enobufs;
  }

  @Override
  public void close() {
    libc.close(fd);
  }

  private void check(int rc, String what) throws IOException {
    if (rc < 0) {
      throw new NetlinkException("netlink " + what, errno());
    }
  }

  private static int errno() {
    return Runtime.getSystemRuntime().getLastError();
  }

  private static byte[] nativeInt(int value) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
  }

  private static byte[] sockaddr(int groups) {
    return ByteBuffer.allocate(12)
        .order(ByteOrder.nativeOrder())
        .putShort((short) AF_NETLINK)
        .putShort((short) 0)
        .putInt(0)
        .putInt(groups)
        .array();
  }
}
