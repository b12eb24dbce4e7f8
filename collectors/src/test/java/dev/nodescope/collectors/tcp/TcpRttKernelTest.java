package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.Histogram;
import dev.nodescope.collectors.core.MetricDescriptor;
import dev.nodescope.collectors.core.Sample;
import dev.nodescope.collectors.core.Snapshot;
import dev.nodescope.collectors.testing.Capabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RTT against ss -ti: a bulk transfer through a tbf queue (tens of ms of queueing delay) has the
 * histogram's median over a window within 25% of the median of ss's rtt sampled in that window; a
 * connection within one namespace lands in the lowest buckets. Connect time against the client's
 * own clock: connects whose SYNs wait in that queue average what connect() took in the client.
 */
class TcpRttKernelTest {
  private static final Pattern SS_SOCKET =
      Pattern.compile("rtt:([0-9.]+)/[0-9.]+.*bytes_acked:(\\d+)");

  @Test
  void histogramMedianAgreesWithSsOverAShapedLinkAndLoopbackIsFast(@TempDir Path dir)
      throws Exception {
    Capabilities.requireCommand("iperf3");
    Capabilities.requireCommand("tc");
    try (TcpLab lab = TcpLab.create("rtt");
        Collector collector = lab.collector(Map.of())) {
      lab.client.run(
          "tc qdisc add dev " + lab.clientVeth + " root tbf rate 4mbit burst 10kb latency 100ms");
      lab.start(lab.server, "iperf3 -s -1 -B " + TcpLab.SERVER_IP);
      lab.start(
          lab.server,
          "python3 -c \"import socket; s=socket.socket(); s.bind(('"
              + TcpLab.SERVER_IP
              + "',7003)); s.listen(64)\n"
              + "while True: s.accept()[0].close()\"");
      TcpCollectorKernelTest.waitForListener(lab, 5201);
      TcpCollectorKernelTest.waitForListener(lab, 7003);
      lab.start(lab.client, "iperf3 -c " + TcpLab.SERVER_IP + " -t 9");
      Thread.sleep(2500);
      // Connects while the transfer keeps the queue full: their SYNs wait in it.
      Path clientMeanSeconds = dir.resolve("connect-seconds");
      lab.run(
          lab.client,
          "python3 -c \"import socket, time\n"
              + "took = []\n"
              + "for i in range(5):\n"
              + "  c = socket.socket(); t = time.perf_counter()\n"
              + "  c.connect(('"
              + TcpLab.SERVER_IP
              + "', 7003)); took.append(time.perf_counter() - t); c.close()\n"
              + "open('"
              + clientMeanSeconds
              + "', 'w').write(str(sum(took) / len(took)))\"",
          30);
      Histogram connects =
          histogram(TcpLab.collect(collector), TcpMetrics.CONNECT, "client", "7003");
      double clientMean = Double.parseDouble(Files.readString(clientMeanSeconds));
      Histogram before = rtt(TcpLab.collect(collector), "client", "5201");
      List<Double> ssMillis = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ssMillis.add(busiestRttMillis(lab));
        Thread.sleep(200);
      }
      Histogram after = rtt(TcpLab.collect(collector), "client", "5201");
      Histogram window = minus(after, before);
      Collections.sort(ssMillis);
      double ssMedian = ssMillis.get(ssMillis.size() / 2) / 1000;
      assertThat(window.count()).isGreaterThan(20);
      assertThat(ssMedian).isGreaterThan(0.010);
      assertThat(median(window)).isCloseTo(ssMedian, within(ssMedian * 0.25));
      // The sum is exact where the buckets are coarse: the mean sample agrees more closely.
      assertThat(window.sum() / window.count()).isCloseTo(ssMedian, within(ssMedian * 0.15));
      assertThat(connects.count()).isEqualTo(5);
      assertThat(clientMean).isGreaterThan(0.005);
      assertThat(connects.sum() / connects.count()).isCloseTo(clientMean, within(clientMean * 0.1));

      lab.start(lab.server, "iperf3 -s -1 -p 5202 -B " + TcpLab.SERVER_IP);
      TcpCollectorKernelTest.waitForListener(lab, 5202);
      lab.run(lab.server, "iperf3 -c " + TcpLab.SERVER_IP + " -p 5202 -n 20M", 30);
      Histogram local = rtt(TcpLab.collect(collector), "server", "5202");
      long underOneMillisecond = 0;
      for (int i = 0; TcpMetrics.BUCKETS_SECONDS.get(i) <= 1e-3; i++) {
        underOneMillisecond += local.counts().get(i);
      }
      assertThat(local.count()).isPositive();
      assertThat(underOneMillisecond).isGreaterThanOrEqualTo(local.count() * 9 / 10);
    }
  }

  /** The rtt of the client socket that moved the most bytes, in ms, as ss -ti shows it. */
  private static double busiestRttMillis(TcpLab lab) throws Exception {
    double rtt = 0;
    long most = -1;
    for (String line : lab.client.output("ss", "-Htin", "dport = :5201").lines().toList()) {
      Matcher matcher = SS_SOCKET.matcher(line);
      if (matcher.find() && Long.parseLong(matcher.group(2)) > most) {
        most = Long.parseLong(matcher.group(2));
        rtt = Double.parseDouble(matcher.group(1));
      }
    }
    return rtt;
  }

  private static Histogram rtt(Snapshot snapshot, String pod, String port) {
    return histogram(snapshot, TcpMetrics.RTT, pod, port);
  }

  private static Histogram histogram(
      Snapshot snapshot, MetricDescriptor metric, String pod, String port) {
    Histogram sum = Histogram.empty(TcpMetrics.BUCKETS_SECONDS);
    for (Sample sample : snapshot.family(metric).samples()) {
      if (TcpLab.matches(metric, sample, "pod", pod, "port", port)) {
        sum = sum.plus(sample.histogram());
      }
    }
    return sum;
  }

  private static Histogram minus(Histogram after, Histogram before) {
    List<Long> counts = new ArrayList<>();
    for (int i = 0; i < after.counts().size(); i++) {
      counts.add(after.counts().get(i) - before.counts().get(i));
    }
    return new Histogram(after.upperBounds(), counts, after.sum() - before.sum());
  }

  /** The median as Prometheus's histogram_quantile(0.5, ...) interpolates it within its bucket. */
  private static double median(Histogram histogram) {
    double rank = histogram.count() / 2.0;
    long below = 0;
    for (int i = 0; i < histogram.upperBounds().size(); i++) {
      long inBucket = histogram.counts().get(i);
      if (below + inBucket >= rank) {
        double lower = i == 0 ? 0 : histogram.upperBounds().get(i - 1);
        double upper = histogram.upperBounds().get(i);
        return lower + (upper - lower) * (rank - below) / inBucket;
      }
      below += inBucket;
    }
    return histogram.upperBounds().get(histogram.upperBounds().size() - 1);
  }
}
