package dev.nodescope.collectors.neuron;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where report lines come from: neuron-monitor run by us, or a file/FIFO written by a sidecar. */
interface ReportSource {
  /** Opens the stream of report lines; each call after the previous stream ended starts afresh. */
  InputStream open() throws IOException;

  /** Ends the current stream (a hung monitor, or shutdown); the reader then sees end of stream. */
  void abort();

  /**
   * A FIFO is read as a stream; a regular file is followed like {@code tail -f} (from its start,
   * again from the start when it is truncated), so a sidecar may append to it.
   */
  static ReportSource file(Path path) {
    return new ReportSource() {
      private volatile InputStream current;
      private volatile boolean aborted;

      /**
       * Where reading a regular file stopped: reopening resumes there, so no report is counted
       * twice.
       */
      private final AtomicLong position = new AtomicLong();

      @Override
      public InputStream open() throws IOException {
        aborted = false;
        InputStream stream = Files.newInputStream(path);
        if (Files.isRegularFile(path)) {
          if (Files.size(path) < position.get()) {
            position.set(0);
          }
          stream.skipNBytes(position.get());
          stream = new FollowingStream(path, stream);
        }
        current = stream;
        return current;
      }

      @Override
      public void abort() {
        aborted = true;
        InputStream stream = current;
        if (stream != null) {
          try {
            stream.close();
          } catch (IOException ignored) {
            // Closing only to unblock the reader.
          }
        }
      }

      final class FollowingStream extends java.io.FilterInputStream {
        private final Path path;

        FollowingStream(Path path, InputStream in) {
          super(in);
          this.path = path;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
          while (!aborted) {
            int read = in.read(buffer, offset, length);
            if (read > 0) {
              position.addAndGet(read);
              return read;
            }
            if (Files.size(path) < position.get()) {
              position.set(0);
              throw new IOException(path + " was truncated: reading it again from the start");
            }
            try {
              Thread.sleep(200);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return -1;
            }
          }
          return -1;
        }
      }
    };
  }

  /** neuron-monitor's metric groups: the first four are per runtime, the rest per system. */
  List<String> RUNTIME_GROUPS =
      List.of("neuroncore_counters", "memory_used", "neuron_runtime_vcpu_usage", "execution_stats");

  List<String> GROUPS =
      List.of(
          "neuroncore_counters",
          "memory_used",
          "neuron_runtime_vcpu_usage",
          "execution_stats",
          "vcpu_usage",
          "memory_info",
          "neuron_hw_counters");

  static ReportSource command(List<String> command, Duration period, List<String> groups) {
    return new MonitorProcess(command, period, groups);
  }

  /** Runs neuron-monitor with a config we write; its stderr goes to the log, rate-limited. */
  final class MonitorProcess implements ReportSource {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorProcess.class);
    private static final long STDERR_LOG_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();
    private static final int STDERR_LINES_PER_INTERVAL = 5;

    private final List<String> command;
    private final Duration period;
    private final List<String> groups;
    private volatile Process process;

    MonitorProcess(List<String> command, Duration period, List<String> groups) {
      this.command = List.copyOf(command);
      this.period = period;
      this.groups = List.copyOf(groups);
    }

    /**
     * The config neuron-monitor reads: the chosen groups; hardware counters carry their own period,
     * as documented.
     */
    static String config(Duration period, List<String> groups) {
      String seconds =
          period.toMillis() % 1000 == 0 ? period.toSeconds() + "s" : period.toMillis() + "ms";
      String runtime =
          groups.stream()
              .filter(RUNTIME_GROUPS::contains)
              .map(group -> "{\"type\":\"" + group + "\"}")
              .collect(java.util.stream.Collectors.joining(","));
      String system =
          groups.stream()
              .filter(group -> !RUNTIME_GROUPS.contains(group))
              .map(
                  group ->
                      group.equals("neuron_hw_counters")
                          ? "{\"period\":\"" + seconds + "\",\"type\":\"" + group + "\"}"
                          : "{\"type\":\"" + group + "\"}")
              .collect(java.util.stream.Collectors.joining(","));
      return "{\"period\":\""
          + seconds
          + "\",\"neuron_runtimes\":[{\"tag_filter\":\".*\",\"metrics\":["
          + runtime
          + "]}],\"system_metrics\":["
          + system
          + "]}";
    }

    @Override
    public InputStream open() throws IOException {
      Path config = Files.createTempFile("nodescope-neuron-monitor", ".json");
      config.toFile().deleteOnExit();
      Files.writeString(config, config(period, groups));
      List<String> argv = new ArrayList<>(command);
      argv.add("-c");
      argv.add(config.toString());
      Process started =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      process = started;
      Thread stderr = new Thread(() -> logStderr(started), "neuron-monitor-stderr");
      stderr.setDaemon(true);
      stderr.start();
      // Cleanup once neuron-monitor exits; nothing waits for it.
      var unused =
          started
              .onExit()
              .thenRun(
                  () -> {
                    try {
                      Files.deleteIfExists(config);
                    } catch (IOException ignored) {
                      // A stray temp file is harmless.
                    }
                  });
      return started.getInputStream();
    }

    private void logStderr(Process started) {
      long windowStart = System.nanoTime();
      int logged = 0;
      long suppressed = 0;
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(started.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          long now = System.nanoTime();
          if (now - windowStart > STDERR_LOG_INTERVAL_NANOS) {
            if (suppressed > 0) {
              LOG.warn("neuron-monitor: {} more stderr lines not logged", suppressed);
            }
            windowStart = now;
            logged = 0;
            suppressed = 0;
          }
          if (logged < STDERR_LINES_PER_INTERVAL) {
            logged++;
            LOG.warn(
                "neuron-monitor: {}", line.length() > 500 ? line.substring(0, 500) + "…" : line);
          } else {
            suppressed++;
          }
        }
      } catch (IOException ignored) {
        // The process is gone.
      }
    }

    @Override
    public void abort() {
      Process current = process;
      if (current != null) {
        current.descendants().forEach(ProcessHandle::destroyForcibly);
        current.destroyForcibly();
      }
    }
  }
}
