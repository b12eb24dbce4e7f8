package dev.nodescope.collectors.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nodescope.collectors.core.DaemonThreads;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small Kubernetes API server on loopback that serves list and watch (HTTP streaming) of pods,
 * nodes, Services and EndpointSlices from objects the test puts, updates and deletes. It honours
 * the one field selector the agent uses ({@code spec.nodeName=}) and rejects any other, records
 * every request, and can go down and come back on the same port with its state (and resource
 * versions) intact, as a restarted API server would.
 */
public final class FakeApiServer implements AutoCloseable {
  private static final Map<String, String> COLLECTIONS =
      Map.of(
          "/api/v1/pods", "PodList",
          "/api/v1/nodes", "NodeList",
          "/api/v1/services", "ServiceList",
          "/apis/discovery.k8s.io/v1/endpointslices", "EndpointSliceList");

  private record Event(long version, String collection, String type, HasMetadata object) {}

  private final Map<String, Map<String, HasMetadata>> objects = new LinkedHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final java.util.Set<String> forbidden =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private long version = 1;

  /**
   * Watches from before this version get 410 Gone, as after etcd compaction or a watch-cache
   * restart.
   */
  private long oldestWatchable = 0;

  private int port;
  private HttpServer server;
  private ExecutorService executor;
  private volatile boolean up;

  public FakeApiServer() throws IOException {
    COLLECTIONS.keySet().forEach(path -> objects.put(path, new LinkedHashMap<>()));
    start();
  }

  public synchronized void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    port = server.getAddress().getPort();
    executor = Executors.newCachedThreadPool(DaemonThreads.named("fake-api-server"));
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    up = true;
    server.start();
  }

  /** Goes down: the port refuses connections and open watches are cut. */
  public void stop() {
    HttpServer stopping;
    synchronized (this) {
      up = false;
      notifyAll();
      stopping = server;
    }
    stopping.stop(0);
    executor.shutdownNow();
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** A kubeconfig file that points at this server, as --kubernetes.kubeconfig would name it. */
  public Path writeKubeconfig(Path directory) throws IOException {
    Path file = directory.resolve("kubeconfig");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "%s"}}]
        users: [{name: fake, user: {token: fake-token}}]
        contexts: [{name: fake, context: {cluster: fake, user: fake}}]
        current-context: fake
        """
            .formatted(url()));
    return file;
  }

  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Creates or replaces the object (ADDED or MODIFIED on watches). */
  public synchronized void put(HasMetadata object) {
    String collection = collectionOf(object);
    HasMetadata copy = copyWithVersion(object);
    boolean existed = objects.get(collection).put(key(copy), copy) != null;
    record(collection, existed ? "MODIFIED" : "ADDED", copy);
  }

  public synchronized void delete(HasMetadata object) {
    String collection = collectionOf(object);
    HasMetadata removed = objects.get(collection).remove(key(object));
    if (removed != null) {
      record(collection, "DELETED", copyWithVersion(removed));
    }
  }

  /** Answers 403 on this collection, as when the ClusterRole lacks it. */
  public void forbid(String collectionPath) {
    forbidden.add(collectionPath);
  }

  /** Forgets the event history: watches must start again from a fresh list. */
  public synchronized void compact() {
    events.clear();
    oldestWatchable = version;
  }

  private void record(String collection, String type, HasMetadata object) {
    events.add(new Event(version, collection, type, object));
    notifyAll();
  }

  private HasMetadata copyWithVersion(HasMetadata object) {
    HasMetadata copy = Serialization.unmarshal(Serialization.asJson(object), object.getClass());
    copy.getMetadata().setResourceVersion(Long.toString(++version));
    return copy;
  }

  private static String key(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }

  private static String collectionOf(HasMetadata object) {
    return switch (object.getKind()) {
      case "Pod" -> "/api/v1/pods";
      case "Node" -> "/api/v1/nodes";
      case "Service" -> "/api/v1/services";
      case "EndpointSlice" -> "/apis/discovery.k8s.io/v1/endpointslices";
      default -> throw new IllegalArgumentException("not served: " + object.getKind());
    };
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      if (!COLLECTIONS.containsKey(path) || !"GET".equals(exchange.getRequestMethod())) {
        respond(exchange, 404, status(404, "NotFound", "not served here: " + path));
        return;
      }
      if (forbidden.contains(path)) {
        respond(exchange, 403, status(403, "Forbidden", "cannot list resource at " + path));
        return;
      }
      String selector = query.get("fieldSelector");
      if (selector != null
          && !(path.equals("/api/v1/pods") && selector.startsWith("spec.nodeName="))) {
        respond(
            exchange, 400, status(400, "BadRequest", "field selector not supported: " + selector));
        return;
      }
      String nodeName = selector == null ? null : selector.substring("spec.nodeName=".length());
      if ("websocket".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Upgrade"))) {
        // Like kubectl proxy: no WebSocket here, and the client falls back to an HTTP streaming
        // watch.
        respond(
            exchange, 503, status(503, "ServiceUnavailable", "websocket watches are not served"));
      } else if ("true".equals(query.get("watch"))) {
        watch(exchange, path, nodeName, Long.parseLong(query.getOrDefault("resourceVersion", "0")));
      } else {
        respond(exchange, 200, list(path, nodeName, query));
      }
    }
  }

  /**
   * One page of the list: {@code limit} items from the offset in the continue token, as a real
   * server pages.
   */
  private synchronized String list(String path, String nodeName, Map<String, String> query) {
    List<HasMetadata> matching =
        objects.get(path).values().stream().filter(object -> matches(object, nodeName)).toList();
    int from = Integer.parseInt(query.getOrDefault("continue", "0"));
    int limit = Integer.parseInt(query.getOrDefault("limit", "0"));
    int to = limit > 0 ? Math.min(matching.size(), from + limit) : matching.size();
    StringBuilder items = new StringBuilder();
    for (HasMetadata object : matching.subList(from, to)) {
      items.append(items.length() == 0 ? "" : ",").append(Serialization.asJson(object));
    }
    String next = to < matching.size() ? ",\"continue\":\"" + to + "\"" : "";
    return "{\"apiVersion\":\"v1\",\"kind\":\"%s\",\"metadata\":{\"resourceVersion\":\"%d\"%s},\"items\":[%s]}"
        .formatted(COLLECTIONS.get(path), version, next, items);
  }

  private void watch(HttpExchange exchange, String path, String nodeName, long since)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, 0);
    OutputStream body = exchange.getResponseBody();
    synchronized (this) {
      if (since < oldestWatchable) {
        body.write(
            ("{\"type\":\"ERROR\",\"object\":"
                    + status(
                        410,
                        "Expired",
                        "too old resource version: " + since + " (" + oldestWatchable + ")")
                    + "}\n")
                .getBytes(StandardCharsets.UTF_8));
        return;
      }
    }
    // A bookmark at once (the client asks for them): fabric8 over the JDK client counts the watch
    // as open only
    // when the first bytes of the body arrive.
    body.write(
        ("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"resourceVersion\":\"%d\"}}}\n")
            .formatted(COLLECTIONS.get(path).replace("List", ""), since)
            .getBytes(StandardCharsets.UTF_8));
    body.flush();
    long sent = since;
    while (true) {
      List<Event> pending = new ArrayList<>();
      synchronized (this) {
        while (up && version <= sent) {
          try {
            wait(100);
          } catch (InterruptedException e) {
            return;
          }
        }
        if (!up) {
          return;
        }
        for (Event event : events) {
          if (event.version() > sent
              && event.collection().equals(path)
              && matches(event.object(), nodeName)) {
            pending.add(event);
          }
        }
        sent = version;
      }
      for (Event event : pending) {
        body.write(
            "{\"type\":\"%s\",\"object\":%s}\n"
                .formatted(event.type(), Serialization.asJson(event.object()))
                .getBytes(StandardCharsets.UTF_8));
      }
      body.flush();
    }
  }

  private static boolean matches(HasMetadata object, String nodeName) {
    return nodeName == null
        || (object instanceof Pod pod
            && pod.getSpec() != null
            && nodeName.equals(pod.getSpec().getNodeName()));
  }

  private static String status(int code, String reason, String message) {
    return ("{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"code\":%d,"
            + "\"reason\":\"%s\",\"message\":\"%s\"}")
        .formatted(code, reason, message);
  }

  private static void respond(HttpExchange exchange, int code, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&", -1)) {
        int equals = pair.indexOf('=');
        String name =
            URLDecoder.decode(
                equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
        String value =
            equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
        parameters.put(name, value);
      }
    }
    return parameters;
  }

  @Override
  public void close() {
    if (up) {
      stop();
    }
  }
}
