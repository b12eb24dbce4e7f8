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
 * A NETLINK_NETFILTER (or NETLINK_SOCK_DIAG) socket over libc (jnr-ffi). A dump socket has a
 * receive timeout, so a silent kernel can never hang a collection. A subscription socket (multicast
 * events) has none: its receive blocks in poll(2) on the socket and on an eventfd until a message
 * comes or {@link #wakeUp} writes the eventfd, so a quiet node never wakes its thread. ENOBUFS (the
 * kernel dropped messages because our buffer was full) is counted, not fatal.
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
  private static final int EFD_CLOEXEC = 0x80000;
  private static final short POLLIN = 1;
  private static final int POLLFD_BYTES = 8;
  private static final int REVENTS_OFFSET = 6;
  private static final int MSG_DONTWAIT = 0x40;
  private static final int NO_WAKE_FD = -1;
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

    @SaveError
    int eventfd(int initialValue, int flags);

    /** {@code fds}: struct pollfd {int fd; short events; short revents;} per descriptor. */
    @SaveError
    int poll(@In @Out byte[] fds, long count, int timeoutMillis);

    @SaveError
    long write(int fd, @In byte[] buf, long len);

    int close(int fd);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  }

  private final LibC libc;
  private final int fd;

  /** The eventfd that {@link #wakeUp} writes, on a subscription socket; else NO_WAKE_FD. */
  private final int wakeFd;

  private long enobufs;

  private NetlinkSocket(LibC libc, int fd, int wakeFd) {
    this.libc = libc;
    this.fd = fd;
    this.wakeFd = wakeFd;
  }

  /**
   * Opens and binds a dump socket on the calling thread's network namespace, with the receive
   * buffer asked for and a receive timeout.
   */
  public static NetlinkSocket open(int receiveBufferBytes, long receiveTimeoutMillis)
      throws IOException {
    return openDump(NETLINK_NETFILTER, receiveBufferBytes, receiveTimeoutMillis);
  }

  /** A NETLINK_SOCK_DIAG socket for dumping the calling thread's network namespace's sockets. */
  public static NetlinkSocket openSockDiag(int receiveBufferBytes, long receiveTimeoutMillis)
      throws IOException {
    return openDump(NETLINK_SOCK_DIAG, receiveBufferBytes, receiveTimeoutMillis);
  }

  /**
   * Opens and binds a socket on the calling thread's network namespace, joined to the given
   * multicast groups, with the receive buffer asked for and no receive timeout: {@link #receive}
   * waits until a message comes or another thread calls {@link #wakeUp}.
   */
  public static NetlinkSocket subscribe(int receiveBufferBytes, int... groups) throws IOException {
    LibC libc = Holder.LIBC;
    int wakeFd = libc.eventfd(0, EFD_CLOEXEC);
    if (wakeFd < 0) {
      throw new NetlinkException("eventfd", errno());
    }
    NetlinkSocket socket = bound(libc, NETLINK_NETFILTER, receiveBufferBytes, wakeFd);
    try {
      for (int group : groups) {
        socket.check(
            libc.setsockopt(socket.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, nativeInt(group), 4),
            "join group");
      }
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static NetlinkSocket openDump(
      int protocol, int receiveBufferBytes, long receiveTimeoutMillis) throws IOException {
    LibC libc = Holder.LIBC;
    NetlinkSocket socket = bound(libc, protocol, receiveBufferBytes, NO_WAKE_FD);
    try {
      ByteBuffer timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
      timeval.putLong(receiveTimeoutMillis / 1000).putLong((receiveTimeoutMillis % 1000) * 1000);
      socket.check(
          libc.setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, timeval.array(), 16), "SO_RCVTIMEO");
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * A socket bound with the receive buffer asked for; it owns wakeFd from here on, closing it on
   * failure too.
   */
  private static NetlinkSocket bound(LibC libc, int protocol, int receiveBufferBytes, int wakeFd)
      throws IOException {
    int fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      int errno = errno();
      if (wakeFd != NO_WAKE_FD) {
        libc.close(wakeFd);
      }
      throw new NetlinkException("netlink socket", errno);
    }
    NetlinkSocket socket = new NetlinkSocket(libc, fd, wakeFd);
    try {
      // SO_RCVBUFFORCE passes rmem_max when we have CAP_NET_ADMIN; fall back to the capped
      // SO_RCVBUF otherwise.
      if (libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, nativeInt(receiveBufferBytes), 4) < 0) {
        libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, nativeInt(receiveBufferBytes), 4);
      }
      socket.check(libc.bind(fd, sockaddr(0), 12), "bind");
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
   * Receives one datagram into buf. Returns its length; 0 when a dump socket's receive timed out or
   * a subscription socket was woken up; -1 when the kernel reported ENOBUFS (messages were lost;
   * counted in {@link #overruns()}).
   */
  public int receive(byte[] buf) throws IOException {
    int flags = 0;
    if (wakeFd != NO_WAKE_FD) {
      if (!awaitMessage()) {
        return 0;
      }
      flags = MSG_DONTWAIT; // poll said a message or an error waits: never block past it
    }
    while (true) {
      long n = libc.recv(fd, buf, buf.length, flags);
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

  /**
   * Waits in poll(2), without a timeout, until the socket has something to report (true: a message,
   * or an error such as ENOBUFS) or the eventfd was written (false).
   */
  private boolean awaitMessage() throws IOException {
    byte[] fds = new byte[2 * POLLFD_BYTES];
    ByteBuffer pollfds = ByteBuffer.wrap(fds).order(ByteOrder.nativeOrder());
    pollfds.putInt(fd).putShort(POLLIN).putShort((short) 0);
    pollfds.putInt(wakeFd).putShort(POLLIN).putShort((short) 0);
    while (true) {
      if (libc.poll(fds, 2, -1) < 0) {
        int errno = errno();
        if (errno == EINTR) {
          continue;
        }
        throw new NetlinkException("netlink poll", errno);
      }
      if (pollfds.getShort(POLLFD_BYTES + REVENTS_OFFSET) != 0) {
        return false;
      }
      if (pollfds.getShort(REVENTS_OFFSET) != 0) {
        return true;
      }
    }
  }

  /**
   * Makes the receive another thread waits in on this subscription socket return 0 now, and every
   * later receive return 0 at once. Close the socket only once that thread has stopped receiving.
   */
  public void wakeUp() throws IOException {
    byte[] one = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(1).array();
    if (libc.write(wakeFd, one, one.length) != one.length) {
      throw new NetlinkException("eventfd write", errno());
    }
  }

  public long overruns() {
    return enobufs;
  }

  @Override
  public void close() {
    libc.close(fd);
    if (wakeFd != NO_WAKE_FD) {
      libc.close(wakeFd);
    }
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
