package dev.nodescope.collectors.testing;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** What a server did to a test's client connection. */
public final class Sockets {
  private Sockets() {}

  /**
   * Whether the server closed the connection (end of stream or reset) within wait, without sending
   * a byte first; false while it is still open.
   */
  public static boolean closedUnanswered(Socket socket, Duration wait) throws IOException {
    socket.setSoTimeout((int) wait.toMillis());
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }
}
