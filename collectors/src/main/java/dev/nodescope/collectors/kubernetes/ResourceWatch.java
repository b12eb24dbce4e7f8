package dev.nodescope.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One list-and-watch of a resource into a light store, with its health: errors counted, an outage
 * logged once when it starts and once when it heals. fabric8 retries on its own with exponential
 * backoff (capped at 32 times the watch reconnect interval); the informer is told to retry even
 * when the very first list fails, so that an agent started while the API server is down catches up
 * by itself. The informer has no event handler: the store is all the agent reads, and a handler
 * would be sent every object of a list (a full one during the first), queued until it ran.
 */
final class ResourceWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceWatch.class);

  private final String resource;
  private final SharedIndexInformer<? extends HasMetadata> informer;
  private final LightStore<?, ?> store;
  private final AtomicLong errors = new AtomicLong();
  private boolean failing;
  private boolean closed;
  private volatile boolean synced;

  <T extends HasMetadata> ResourceWatch(
      String resource, Informable<T> source, LightStore<T, ?> store) {
    this.resource = resource;
    this.store = store;
    SharedIndexInformer<T> informer = source.runnableInformer(0);
    informer.removeNamespaceIndex();
    informer.itemStore(store);
    informer.exceptionHandler(
        (started, error) -> {
          onError(describe(error));
          return true; // retry; close() stops the informer, and with it the retries
        });
    this.informer = informer;
    informer.start();
  }

  String resource() {
    return resource;
  }

  /** Listed and watching, as of the last {@link #check}: the store follows the API server. */
  boolean synced() {
    return synced;
  }

  /**
   * Looks at the connection. fabric8 re-opens a dropped watch by itself, without telling the
   * exception handler, so a lost watch is noticed here: counted as an error and logged like a
   * failed list. Called by the health check, every second.
   */
  synchronized void check() {
    boolean now = informer.hasSynced() && informer.isWatching();
    if (synced && !now) {
      onError("watch connection lost");
    } else if (now) {
      healed();
    }
    synced = now;
  }

  long errors() {
    return errors.get();
  }

  int objects() {
    return store.size();
  }

  /** Counts and logs a failure; a closed watch's late failures (its stopping) are neither. */
  private synchronized void onError(String cause) {
    if (closed) {
      return;
    }
    errors.incrementAndGet();
    if (!failing) {
      failing = true;
      LOG.warn(
          "Kubernetes API: cannot list or watch {} ({}); the agent keeps what it knows and retries with "
              + "backoff, and says so when it recovers",
          resource,
          cause);
    }
  }

  private synchronized void healed() {
    if (failing) {
      failing = false;
      LOG.info("Kubernetes API: {} listed and watched again ({} objects)", resource, store.size());
    }
  }

  private static String describe(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null
        ? cause.getClass().getSimpleName()
        : cause.getClass().getSimpleName() + ": " + message;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    informer.stop();
  }
}
