package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.netlink.NetlinkSocket;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to conntrack NEW and DESTROY events on its own thread, so that connections that open and
 * close between two dumps still count with their final counters. Events wait in a bounded queue
 * until the next collection drains them; when it is full, or the kernel reports ENOBUFS, the loss
 * is counted instead of growing memory.
 */
public final class ConntrackEventListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConntrackEventListener.class);
  private static final long STOP_MILLIS = 1000;

  private final NetlinkSocket socket;
  private final BlockingQueue<ConntrackEntry> queue;
  private final AtomicLong droppedQueueFull = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  private ConntrackEventListener(NetlinkSocket socket, int capacity, String threadName) {
    this.socket = socket;
    // Linked, not an array: the bound is for a burst, and an array of that bound would hold its
    // ~800 KB on every node for the life of the agent, however quiet the node.
    this.queue = new LinkedBlockingQueue<>(capacity);
    this.thread = new Thread(this::loop, threadName);
    this.thread.setDaemon(true);
  }

  /** Opens the event socket in the calling thread's network namespace and starts listening. */
  public static ConntrackEventListener start(int receiveBufferBytes, int queueCapacity)
      throws IOException {
    NetlinkSocket socket =
        NetlinkSocket.subscribe(
            receiveBufferBytes, NetlinkSocket.GROUP_NEW, NetlinkSocket.GROUP_DESTROY);
    ConntrackEventListener listener =
        new ConntrackEventListener(socket, queueCapacity, "conntrack-events");
    listener.thread.start();
    return listener;
  }

  private void loop() {
    byte[] buf = new byte[ConntrackClient.DATAGRAM_BYTES];
    while (running) {
      try {
        int n = socket.receive(buf);
        if (n < 0) {
          continue; // ENOBUFS: the kernel dropped events; the socket counts the report
        }
        if (n == 0) {
          continue; // woken up by close
        }
        CtnetlinkCodec.Decoded d = CtnetlinkCodec.decode(buf, n);
        malformed.addAndGet(d.malformed());
        for (ConntrackEntry e : d.entries()) {
          if (!queue.offer(e)) {
            droppedQueueFull.incrementAndGet();
          }
        }
      } catch (IOException e) {
        LOG.warn("conntrack event socket failed, events stop until restart: {}", e.getMessage());
        running = false;
      }
    }
  }

  /** Everything received since the previous drain, in arrival order. */
  public List<ConntrackEntry> drain() {
    List<ConntrackEntry> out = new ArrayList<>(queue.size());
    queue.drainTo(out);
    return out;
  }

  /** ENOBUFS reports plus events dropped because the queue was full. */
  public long lostEvents() {
    return droppedQueueFull.get() + socket.overruns();
  }

  public long malformed() {
    return malformed.get();
  }

  /**
   * Stops the thread (it waits for events without a timeout; the socket wakes it up) and closes the
   * socket. Should the wake-up fail, the socket stays open rather than close under the waiting
   * thread.
   */
  @Override
  public void close() throws InterruptedException {
    running = false;
    try {
      socket.wakeUp();
    } catch (IOException e) {
      LOG.warn("cannot wake the conntrack event thread, its socket stays open: {}", e.getMessage());
      return;
    }
    thread.join(STOP_MILLIS);
    socket.close();
  }
}
