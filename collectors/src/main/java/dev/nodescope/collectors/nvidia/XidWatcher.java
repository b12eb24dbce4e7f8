package dev.nodescope.collectors.nvidia;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for XID critical errors on its own daemon thread, so that collection never blocks on NVML's
 * event wait. The wait has a timeout so that {@link #close} can stop the thread before NVML is shut
 * down. Collection reads the counts and the last XID of each GPU (and of each MIG GPU instance an
 * event named) from concurrent maps.
 */
final class XidWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(XidWatcher.class);
  static final int WAIT_MILLIS = 1000;

  private final Nvml nvml;
  private final int gpuCount;
  private final NvmlErrors errors;
  private final Map<XidSource, Map<Long, LongAdder>> counts = new ConcurrentHashMap<>();
  private final Map<XidSource, Long> last = new ConcurrentHashMap<>();
  private final Set<Integer> watched = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  private volatile boolean running = true;

  /** Where an XID happened: a GPU, and its MIG GPU instance or {@link Nvml#NO_GPU_INSTANCE}. */
  record XidSource(int gpuIndex, int gpuInstanceId) {}

  private XidWatcher(Nvml nvml, int gpuCount, NvmlErrors errors) {
    this.nvml = nvml;
    this.gpuCount = gpuCount;
    this.errors = errors;
    this.thread = new Thread(this::watch, "nvidia-xid-events");
    this.thread.setDaemon(true);
  }

  static XidWatcher start(Nvml nvml, int gpuCount, NvmlErrors errors) {
    XidWatcher watcher = new XidWatcher(nvml, gpuCount, errors);
    watcher.thread.start();
    return watcher;
  }

  private void watch() {
    Nvml.XidEvents events;
    try {
      events = nvml.xidEvents();
    } catch (NvmlException e) {
      fail(NvmlErrors.NO_GPU, e, "no XID events on any GPU");
      return;
    }
    try (events) {
      for (int index = 0; index < gpuCount; index++) {
        try {
          events.register(index);
          watched.add(index);
        } catch (NvmlException e) {
          if (e.notSupported()) {
            LOG.info("GPU {} does not report XID events ({})", index, e.getMessage());
          } else {
            fail(Integer.toString(index), e, "no XID events from this GPU");
          }
        }
      }
      while (running) {
        try {
          events.next(WAIT_MILLIS).ifPresent(this::count);
        } catch (NvmlException e) {
          fail(NvmlErrors.NO_GPU, e, "retrying in " + WAIT_MILLIS + " ms");
          pause();
        }
      }
    }
  }

  private void count(Nvml.XidEvent event) {
    XidSource gpu = new XidSource(event.gpuIndex(), Nvml.NO_GPU_INSTANCE);
    XidSource source = new XidSource(event.gpuIndex(), event.gpuInstanceId());
    counts
        .computeIfAbsent(source, key -> new ConcurrentHashMap<>())
        .computeIfAbsent(event.xid(), key -> new LongAdder())
        .increment();
    last.put(gpu, event.xid());
    last.put(source, event.xid());
  }

  private void fail(String gpu, NvmlException e, String consequence) {
    if (errors.record(gpu, e)) {
      LOG.warn(
          "NVML XID events{}: {}; {}",
          gpu.isEmpty() ? "" : " of GPU " + gpu,
          e.getMessage(),
          consequence);
    }
  }

  private void pause() {
    try {
      Thread.sleep(WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /**
   * GPUs whose XID events are watched: a GPU that cannot report them shows no "0, No Error" either.
   */
  Set<Integer> watchedGpus() {
    return watched;
  }

  /** XIDs counted per source and XID since start. */
  Map<XidSource, Map<Long, LongAdder>> counts() {
    return counts;
  }

  /**
   * The last XID of each GPU (gpuInstanceId {@link Nvml#NO_GPU_INSTANCE}) and of each MIG instance
   * an XID named.
   */
  Map<XidSource, Long> lastXids() {
    return last;
  }

  /**
   * Stops the thread; it returns within one wait, then frees the event set, before NVML may be shut
   * down.
   */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(3L * WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
