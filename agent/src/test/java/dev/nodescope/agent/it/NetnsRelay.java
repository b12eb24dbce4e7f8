package dev.nodescope.agent.it;

import dev.nodescope.collectors.testing.TestNetns;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Carries TCP connections across a network namespace boundary on loopback: each connection accepted
 * on 127.0.0.1:port on one side is opened to 127.0.0.1 at the same port on the other, and bytes are
 * copied both ways until either end closes. A socket stays in the namespace it was made in, so the
 * listening and connecting sockets are made there and then served by ordinary threads.
 */
final class NetnsRelay implements AutoCloseable {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final ServerSocket listener;
  private final Callable<Socket> connect;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "netns-relay");
            thread.setDaemon(true);
            return thread;
          });

  private NetnsRelay(ServerSocket listener, Callable<Socket> connect) {
    this.listener = listener;
    this.connect = connect;
    threads.execute(this::accept);
  }

  /** Listens here on a free loopback port and connects inside the namespace, at the same port. */
  static NetnsRelay into(TestNetns netns) throws IOException {
    ServerSocket listener = new ServerSocket(0, 50, LOOPBACK);
    int port = listener.getLocalPort();
    return new NetnsRelay(listener, () -> netns.call(5, () -> new Socket(LOOPBACK, port)));
  }

  /** Listens inside the namespace on loopback at {@code port} and connects here, at that port. */
  static NetnsRelay outOf(TestNetns netns, int port) throws Exception {
    ServerSocket listener = netns.call(5, () -> new ServerSocket(port, 50, LOOPBACK));
    return new NetnsRelay(listener, () -> new Socket(LOOPBACK, port));
  }

  int port() {
    return listener.getLocalPort();
  }

  private void accept() {
    while (!listener.isClosed()) {
      Socket accepted;
      try {
        accepted = listener.accept();
      } catch (IOException closed) {
        return;
      }
      try {
        Socket onward = connect.call();
        Object connection = new Object();
        threads.execute(() -> copy(accepted, onward, connection));
        threads.execute(() -> copy(onward, accepted, connection));
      } catch (Exception refused) {
        // the caller sees its connection closed, as if the far side refused it
        closeQuietly(accepted);
      }
    }
  }

  /**
   * Copies one direction; at its end half-closes the other side, and closes both once both ended.
   */
  private static void copy(Socket from, Socket to, Object connection) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      in.transferTo(out);
      synchronized (connection) {
        to.shutdownOutput();
        if (from.isOutputShutdown()) {
          closeQuietly(from);
          closeQuietly(to);
        }
      }
    } catch (IOException broken) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    threads.shutdownNow();
  }
}
