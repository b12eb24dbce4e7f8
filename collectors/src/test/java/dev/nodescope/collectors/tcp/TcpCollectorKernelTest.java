package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.testing.Capabilities;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tcp collector against the kernel's own counts, in namespaces and a cgroup the test makes:
 * retransmits and timeouts against nstat's TcpRetransSegs and TcpExtTCPTimeouts, failed connects
 * and resets against the attempts made and TcpOutRsts, RTT against ss -ti, a full map, and closed
 * sockets' rows through their ring buffer, wrapping around and full.
 */
class TcpCollectorKernelTest {
  private static final int CONNECTS = 5;

  @Test
  void retransmitsAndTimeoutsEqualTheSendersKernelCounters() throws Exception {
    Capabilities.requireCommand("iperf3");
    try (TcpLab lab = TcpLab.create("rtx");
        Collector collector = lab.collector(Map.of())) {
      // Random loss of data segments on their way to the server: the client retransmits them.
      lab.server.run(
          "iptables -A INPUT -p tcp -m length --length 1000:65535 -m statistic --mode random"
              + " --probability 0.03 -j DROP");
      lab.start(lab.server, "iperf3 -s -1 -B " + TcpLab.SERVER_IP);
      waitForListener(lab, 5201);
      lab.run(lab.client, "iperf3 -c " + TcpLab.SERVER_IP + " -n 30M", 60);
      waitForNoOpenSockets(lab);
      Snapshot snapshot = TcpLab.collect(collector);

      long retransSegs = TcpLab.kernelCounter(lab.client, "Tcp", "RetransSegs");
      long timeouts = TcpLab.kernelCounter(lab.client, "TcpExt", "TCPTimeouts");
      assertThat(retransSegs).isPositive();
      assertThat(TcpLab.sum(snapshot, TcpMetrics.RETRANSMITTED, "pod", "client"))
          .isEqualTo((double) retransSegs);
      assertThat(TcpLab.sum(snapshot, TcpMetrics.TIMEOUTS, "pod", "client"))
          .isEqualTo((double) timeouts);
      assertThat(
              TcpLab.sum(
                  snapshot,
                  TcpMetrics.RETRANSMITTED,
                  "pod",
                  "client",
                  "remote_pod",
                  "server",
                  "port",
                  "5201",
                  "role",
                  "client"))
          .isEqualTo((double) retransSegs);
      // The iperf3 control and data connections were both established: two connect times.
      assertThat(TcpLab.sum(snapshot, TcpMetrics.CONNECT, "pod", "client")).isEqualTo(2);
    }
  }

  @Test
  void failedConnectsAndResetsEqualTheAttemptsAndTcpOutRsts() throws Exception {
    try (TcpLab lab = TcpLab.create("rst");
        Collector collector = lab.collector(Map.of())) {
      lab.server.run("iptables -A INPUT -p tcp --dport 9 --syn -j DROP");
      lab.client.run("sysctl -qw net.ipv4.tcp_syn_retries=1");
      String dropped = connectAttempts(TcpLab.SERVER_IP, 9);
      String refused = connectAttempts(TcpLab.SERVER_IP, 9999);
      lab.run(lab.client, "bash -c '" + dropped + " " + refused + " wait'", 30);
      Snapshot snapshot = TcpLab.collect(collector);

      assertThat(TcpLab.sum(snapshot, TcpMetrics.FAILED, "pod", "client", "port", "9"))
          .isEqualTo(CONNECTS);
      assertThat(TcpLab.sum(snapshot, TcpMetrics.FAILED, "pod", "client", "port", "9999"))
          .isEqualTo(CONNECTS);
      assertThat(TcpLab.sum(snapshot, TcpMetrics.RESETS, "pod", "client", "direction", "received"))
          .isEqualTo(CONNECTS);
      // one reset per refused attempt, and one more for a SYN the client sent again because the
      // first reset came after its retransmission timer (a loaded machine)
      long outRsts = TcpLab.kernelCounter(lab.server, "Tcp", "OutRsts");
      assertThat(outRsts).isGreaterThanOrEqualTo(CONNECTS);
      assertThat(
              TcpLab.sum(
                  snapshot,
                  TcpMetrics.RESETS,
                  "pod",
                  "server",
                  "remote_pod",
                  "client",
                  "port",
                  "9999",
                  "role",
                  "server",
                  "direction",
                  "sent"))
          .isEqualTo((double) outRsts);
    }
  }

  @Test
  void aFullMapCountsInsertFailuresAndTheRestIsStillMeasured() throws Exception {
    int rows = 64;
    int connections = 150;
    try (TcpLab lab = TcpLab.create("cap");
        Collector collector = lab.collector(Map.of(TcpCollectorFactory.MAX_SOCKETS, rows))) {
      listen(lab, 7000, "time.sleep(60)"); // never accepts: the sockets stay open
      // The client holds its sockets open: a closed socket's row leaves the map.
      lab.start(
          lab.client,
          "bash -c 'for i in $(seq "
              + connections
              + "); do exec {fd}<>/dev/tcp/"
              + TcpLab.SERVER_IP
              + "/7000; done; sleep 60'");
      for (int i = 0;
          i < 100
              && lab.client
                      .output("ss", "-Htn", "state", "established", "dport = :7000")
                      .lines()
                      .count()
                  < connections;
          i++) {
        Thread.sleep(50);
      }
      Snapshot snapshot = TcpLab.collect(collector);

      assertThat(TcpLab.sum(snapshot, TcpMetrics.MAP_CAPACITY, "map", "tcp_rows")).isEqualTo(rows);
      assertThat(TcpLab.sum(snapshot, TcpMetrics.MAP_ENTRIES, "map", "tcp_rows")).isEqualTo(rows);
      // Each connection has two sockets here, the client's and the server's: each one that got no
      // row counts once.
      assertThat(TcpLab.sum(snapshot, TcpMetrics.INSERT_FAILURES, "map", "tcp_rows"))
          .isEqualTo(2 * connections - rows);
      // The sockets that got a row are still measured: their connect times are there.
      assertThat(TcpLab.sum(snapshot, TcpMetrics.CONNECT, "pod", "client")).isPositive();
    }
  }

  @Test
  void closedSocketsReachTheAgentThroughTheRingAcrossReadsAndAFullRingCountsWhatItLost()
      throws Exception {
    int rows = 64; // tcp_closed: 16 KiB, 102 records of 160 bytes
    int ringRecords = SockOpsPart.closedRingBytes(rows, 4096) / SockOpsPart.CLOSED_RECORD_BYTES;
    assertThat(ringRecords).isEqualTo(102);
    try (TcpLab lab = TcpLab.create("ring");
        Collector collector = lab.collector(Map.of(TcpCollectorFactory.MAX_SOCKETS, rows))) {
      listen(lab, 7001, "while True: c,_=s.accept(); c.close()");
      // 4 reads of 40 connections each: 80 closed rows (client and server) a read, 320 through a
      // ring of 102, so it wraps around; every connect time arrives.
      for (int read = 1; read <= 4; read++) {
        connectAndClose(lab, 40);
        Snapshot snapshot = TcpLab.collect(collector);
        assertThat(TcpLab.sum(snapshot, TcpMetrics.CONNECT, "pod", "client")).isEqualTo(40 * read);
        assertThat(TcpLab.sum(snapshot, TcpMetrics.INSERT_FAILURES, "map", "tcp_closed")).isZero();
      }
      // 100 connections between two reads: 200 closed rows, of which the ring holds 102.
      connectAndClose(lab, 100);
      Snapshot snapshot = TcpLab.collect(collector);
      assertThat(TcpLab.sum(snapshot, TcpMetrics.INSERT_FAILURES, "map", "tcp_closed"))
          .isEqualTo(200 - ringRecords);
      assertThat(TcpLab.sum(snapshot, TcpMetrics.MAP_ENTRIES, "map", "tcp_rows")).isZero();
      assertThat(TcpLab.sum(snapshot, TcpMetrics.INSERT_FAILURES, "map", "tcp_rows")).isZero();
    }
  }

  /**
   * Connections from the client to port 7001, one after the other (each waits for the server's
   * close, so that few rows are in the map at once), until all have closed.
   */
  private static void connectAndClose(TcpLab lab, int connections) throws Exception {
    lab.run(
        lab.client,
        "bash -c 'for i in $(seq "
            + connections
            + "); do exec 3<>/dev/tcp/"
            + TcpLab.SERVER_IP
            + "/7001; cat <&3; exec 3>&-; done'",
        30);
    waitForNoOpenSockets(lab);
    for (int i = 0; i < 100; i++) {
      if (lab.server
          .output("ss", "-Htan", "sport = :7001")
          .lines()
          .allMatch(
              line ->
                  line.isBlank() || line.startsWith("TIME-WAIT") || line.startsWith("LISTEN"))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("server sockets still open");
  }

  private static String connectAttempts(String ip, int port) {
    return ("for i in $(seq "
        + CONNECTS
        + "); do (exec 3<>/dev/tcp/"
        + ip
        + "/"
        + port
        + ") 2>/dev/null & done;");
  }

  /** A Python listener on the server's address and port that then runs the statement given. */
  private static void listen(TcpLab lab, int port, String then) throws Exception {
    lab.start(
        lab.server,
        "python3 -c \"import socket, time\ns=socket.socket(); s.bind(('"
            + TcpLab.SERVER_IP
            + "',"
            + port
            + ")); s.listen(1024)\n"
            + then
            + "\"");
    waitForListener(lab, port);
  }

  static void waitForListener(TcpLab lab, int port) throws Exception {
    for (int i = 0; i < 100; i++) {
      if (lab.server.output("ss", "-Htln", "sport = :" + port).contains(":" + port)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no listener on port " + port);
  }

  /** Until the client has no socket that could still retransmit (TIME-WAIT ones cannot). */
  static void waitForNoOpenSockets(TcpLab lab) throws Exception {
    for (int i = 0; i < 200; i++) {
      List<String> open = new ArrayList<>();
      for (String line : lab.client.output("ss", "-Htan").lines().toList()) {
        if (!line.isBlank() && !line.startsWith("TIME-WAIT")) {
          open.add(line);
        }
      }
      if (open.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("client sockets still open");
  }

  static List<Sample> samples(Snapshot snapshot) {
    return snapshot.family(TcpMetrics.RTT).samples();
  }
}
