package dev.nodescope.collectors.neuron;

import dev.nodescope.collectors.core.Collector;
import dev.nodescope.collectors.core.PodResources;
import dev.nodescope.collectors.core.SnapshotBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads reports on its own thread (restarting the source with backoff from 1 s to 10 s) into {@link
 * NeuronState}; {@link #collect} only copies that state and the problems seen since the last run.
 */
final class NeuronCollector implements Collector {
  private static final Logger LOG = LoggerFactory.getLogger(NeuronCollector.class);
  static final int MAX_REPORT_BYTES = 16 * 1024 * 1024;
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final ReportSource source;
  private final PodResources podResources;
  private final Duration silenceLimit;
  private final NeuronState state = new NeuronState();
  private final BlockingQueue<String> problems = new ArrayBlockingQueue<>(1000);
  private final Thread reader;
  private volatile long lastReportNanos = System.nanoTime();
  private volatile boolean closed;

  NeuronCollector(ReportSource source, PodResources podResources, Duration silenceLimit) {
    this.source = source;
    this.podResources = podResources;
    this.silenceLimit = silenceLimit;
    this.reader = new Thread(this::readForever, "neuron-reports");
    reader.setDaemon(true);
    reader.start();
  }

  @Override
  public void collect(SnapshotBuilder out) {
    long silentNanos = System.nanoTime() - lastReportNanos;
    if (silentNanos > silenceLimit.toNanos()) {
      // A hung monitor: end it so that the reader restarts it.
      problem(
          "no report from neuron-monitor for over "
              + silenceLimit.toSeconds()
              + " s: restarting it");
      lastReportNanos = System.nanoTime();
      source.abort();
    }
    List<String> seen = new ArrayList<>();
    problems.drainTo(seen);
    seen.forEach(out::partialFailure);
    state.writeTo(out);
  }

  long reports() {
    return state.reports();
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    reader.interrupt();
    source.abort();
    reader.join(5000);
  }

  private void readForever() {
    Duration backoff = FIRST_BACKOFF;
    while (!closed) {
      long before = state.reports();
      try (InputStream in = source.open()) {
        readLines(in);
        if (!closed) {
          problem("neuron-monitor report stream ended: restarting");
        }
      } catch (IOException e) {
        if (!closed) {
          problem("neuron-monitor report stream failed: " + e.getMessage());
        }
      }
      source.abort();
      if (state.reports() > before) {
        backoff = FIRST_BACKOFF;
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    }
  }

  private void readLines(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64 * 1024);
    boolean oversized = false;
    byte[] buffer = new byte[64 * 1024];
    int read;
    while ((read = in.read(buffer)) >= 0) {
      int start = 0;
      for (int i = 0; i < read; i++) {
        if (buffer[i] != '\n') {
          continue;
        }
        if (!oversized) {
          line.write(buffer, start, i - start);
          handle(line.toByteArray());
        }
        line.reset();
        oversized = false;
        start = i + 1;
      }
      if (!oversized) {
        line.write(buffer, start, read - start);
        if (line.size() > MAX_REPORT_BYTES) {
          problem("neuron-monitor report over " + MAX_REPORT_BYTES + " bytes skipped");
          oversized = true;
          line.reset();
        }
      }
    }
    if (line.size() > 0 && !oversized) {
      problem("truncated neuron-monitor report at end of stream skipped");
    }
  }

  private void handle(byte[] line) {
    if (line.length == 0 || (line.length == 1 && line[0] == '\r')) {
      return;
    }
    try {
      List<String> found = state.apply(NeuronReportDecoder.decode(line), owners());
      lastReportNanos = System.nanoTime();
      found.forEach(this::problem);
    } catch (IOException e) {
      problem("malformed neuron-monitor report skipped: " + e.getMessage());
    }
  }

  /**
   * Asked once per report: assignments change as pods come and go, and reports are seconds apart.
   */
  private NeuronOwners owners() {
    try {
      return NeuronOwners.from(podResources.list());
    } catch (IOException | RuntimeException e) {
      problem("kubelet pod resources unavailable, Neuron series carry no pod: " + e.getMessage());
      return NeuronOwners.NONE;
    }
  }

  private void problem(String message) {
    if (!problems.offer(message)) {
      LOG.debug("neuron problem queue full, dropped: {}", message);
    }
  }
}
