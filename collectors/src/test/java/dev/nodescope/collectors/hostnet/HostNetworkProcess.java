package dev.nodescope.collectors.hostnet;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The process of a hand-made hostNetwork pod, run by {@link HostNetworkAttributionKernelTest} in
 * its own JVM so that it can sit in the pod's cgroup: it listens, connects out, sends and answers
 * known amounts, and holds its sockets open until its stdin closes.
 *
 * <p>Arguments: listenAddress listenPort bindAddress targetAddress targetPort bytes.
 */
public final class HostNetworkProcess {
  private HostNetworkProcess() {}

  public static void main(String[] args) throws Exception {
    int bytes = Integer.parseInt(args[5]);
    try (ServerSocket server = new ServerSocket();
        Socket client = new Socket()) {
      server.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
      client.bind(new InetSocketAddress(args[2], 0));
      client.connect(new InetSocketAddress(args[3], Integer.parseInt(args[4])), 5000);
      client.getOutputStream().write(new byte[bytes]);
      System.out.println("ready");
      server.setSoTimeout(30_000);
      try (Socket accepted = server.accept()) {
        accepted.getInputStream().readNBytes(bytes);
        accepted.getOutputStream().write(new byte[2 * bytes]);
        System.out.println("served");
        InputStream stdin = System.in;
        while (stdin.read() >= 0) {
          // hold every socket until the test closes our stdin
        }
      }
    }
  }
}
