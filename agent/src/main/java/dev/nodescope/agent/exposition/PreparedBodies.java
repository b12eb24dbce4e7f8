package dev.nodescope.agent.exposition;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.zip.GZIPOutputStream;

/**
 * The telemetry body for each text format and encoding, rendered at most once per generation of the
 * data and shared by every scrape until the next one. The generation changes whenever anything the
 * body shows changes (a collector publishes or reports its health, the HTTP server counts a
 * refusal), and always after the change is visible, so a body rendered from a generation is never
 * older than it. Rendering is lazy: a generation that no scraper asks for is never rendered, and a
 * format nobody asks for costs nothing.
 */
public final class PreparedBodies {
  private final PrometheusRegistry registry;
  private final LongSupplier generation;
  private final ExpositionFormats formats = ExpositionFormats.init(PrometheusProperties.get());
  private final AtomicReference<Prepared> current = new AtomicReference<>(new Prepared(-1));
  private final AtomicLong renders = new AtomicLong();

  /** One format, escaping and encoding of the body. */
  private record Key(ExpositionFormatWriter writer, EscapingScheme escaping, boolean gzip) {}

  /** A response body with its content type; the bytes are never changed once rendered. */
  public static final class Body {
    private final String contentType;
    private final boolean gzip;
    private final byte[] bytes;

    Body(String contentType, boolean gzip, byte[] bytes) {
      this.contentType = contentType;
      this.gzip = gzip;
      this.bytes = bytes;
    }

    public String contentType() {
      return contentType;
    }

    public boolean gzip() {
      return gzip;
    }

    public int length() {
      return bytes.length;
    }

    public void writeTo(OutputStream out) throws IOException {
      out.write(bytes);
    }

    byte[] bytes() {
      return bytes;
    }
  }

  /** The bodies of one generation, each made by the first scrape that asks for it. */
  private static final class Prepared {
    final long generation;
    final Map<Key, Body> bodies = new ConcurrentHashMap<>();

    Prepared(long generation) {
      this.generation = generation;
    }
  }

  PreparedBodies(PrometheusRegistry registry, LongSupplier generation) {
    this.registry = registry;
    this.generation = generation;
  }

  /** The registry behind the bodies, for requests a prepared body cannot answer. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * The body for a request's Accept header, or null when it asks for a format other than the two
   * text formats (the protobuf format is then served by client_java's handler).
   */
  public Body body(String accept, boolean gzip) {
    ExpositionFormatWriter writer = formats.findWriter(accept);
    if (writer != formats.getPrometheusTextFormatWriter()
        && writer != formats.getOpenMetricsTextFormatWriter()) {
      return null;
    }
    long now = generation.getAsLong();
    Prepared prepared = current.get();
    if (prepared.generation != now) {
      Prepared fresh = new Prepared(now);
      prepared = current.compareAndSet(prepared, fresh) ? fresh : current.get();
    }
    return body(prepared, new Key(writer, EscapingScheme.fromAcceptHeader(accept), gzip));
  }

  private Body body(Prepared prepared, Key key) {
    Body body = prepared.bodies.get(key);
    if (body != null) {
      return body;
    }
    if (key.gzip()) {
      byte[] identity = body(prepared, new Key(key.writer(), key.escaping(), false)).bytes();
      return prepared.bodies.computeIfAbsent(key, k -> render(k, () -> gzip(identity)));
    }
    return prepared.bodies.computeIfAbsent(
        key,
        k ->
            render(
                k,
                () -> {
                  ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
                  k.writer().write(out, registry.scrape(), k.escaping());
                  return out.toByteArray();
                }));
  }

  private interface Render {
    byte[] bytes() throws IOException;
  }

  private Body render(Key key, Render render) {
    renders.incrementAndGet();
    try {
      return new Body(key.writer().getContentType(), key.gzip(), render.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] gzip(byte[] identity) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(identity.length / 4 + 64);
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(identity);
    }
    return out.toByteArray();
  }

  /** Bodies rendered or compressed so far. */
  long renders() {
    return renders.get();
  }
}
