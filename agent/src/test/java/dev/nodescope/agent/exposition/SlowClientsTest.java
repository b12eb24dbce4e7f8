package dev.nodescope.agent.exposition;

import static dev.nodescope.agent.exposition.ExpositionFixture.BYTES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.core.CollectorHealth;
import dev.nodescope.collectors.core.SnapshotBuilder;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.Sockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Slow and hostile clients against the real server on loopback: probes and a normal scrape still
 * answer, and the server closes the bad connections at its deadlines. The JDK server reads its
 * deadlines once per JVM, so this class runs in its own surefire fork with short ones
 * (agent/pom.xml: 2 s to read a request, 2 s to send a response), and only there.
 */
@EnabledIfSystemProperty(named = AgentHttpServer.MAX_REQUEST_TIME_PROPERTY, matches = "2")
@EnabledIfSystemProperty(named = AgentHttpServer.MAX_RESPONSE_TIME_PROPERTY, matches = "2")
class SlowClientsTest {
  /** More than the 4 threads the server once had: each of these used to hold one. */
  private static final int BAD_CLIENTS = 12;

  private static final Duration ANSWER_BOUND = Duration.ofSeconds(2);

  /**
   * The deadline, plus the JDK timer's one-second tick, plus scheduling slack on a shared CI
   * machine.
   */
  private static final Duration CLOSE_BOUND = Duration.ofSeconds(2 + 1 + 2);

  private static final int CLOSED = -1;

  private ExpositionFixture fixture;
  private final List<Socket> sockets = new ArrayList<>();
  private final ExecutorService clients = Executors.newCachedThreadPool();

  /**
   * Serves, and answers one untimed probe so that the first timed one does not pay for loading the
   * HTTP client.
   */
  private ExpositionFixture serve(int seriesLimitPerMetric, int maxRequests) throws Exception {
    ExpositionFixture served = new ExpositionFixture(seriesLimitPerMetric, maxRequests);
    served.publish(ExpositionFixture.run(), new CollectorHealth("test", 0.01, true, true, 0, 1));
    assertThat(served.get("/healthz").statusCode()).isEqualTo(200);
    return served;
  }

  @AfterEach
  void tearDown() throws IOException {
    clients.shutdownNow();
    for (Socket socket : sockets) {
      socket.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void slowlorisConnectionsNeitherStarveProbesNorOutliveTheRequestDeadline() throws Exception {
    fixture = serve(1000, 40);
    List<Future<Long>> closedAfter = new ArrayList<>();
    for (int i = 0; i < BAD_CLIENTS; i++) {
      Socket socket = connect(0);
      closedAfter.add(clients.submit(() -> dripHeadersUntilClosed(socket)));
    }
    Thread.sleep(500); // every slowloris has sent its first bytes and holds a worker, as it used to

    assertAnswersPromptly("/healthz");
    assertAnswersPromptly("/readyz");
    assertAnswersPromptly("/metrics");

    for (Future<Long> closed : closedAfter) {
      assertThat(closed.get(30, TimeUnit.SECONDS)).isLessThanOrEqualTo(CLOSE_BOUND.toMillis());
    }
    awaitSeries("nodescope_http_connections_timed_out_total{phase=\"request\"}", BAD_CLIENTS);
  }

  @Test
  void scrapersThatNeverReadAreCutAtTheResponseDeadline() throws Exception {
    fixture = serve(100_000, 40);
    publishRegistryLargerThanSocketBuffers();
    List<Future<Boolean>> cut = new ArrayList<>();
    for (Socket socket : scrapesThatNeverRead(BAD_CLIENTS)) {
      cut.add(clients.submit(() -> cutBeforeTheEnd(socket)));
    }

    assertAnswersPromptly("/healthz");
    assertAnswersPromptly("/readyz");
    assertAnswersPromptly("/metrics");

    for (Future<Boolean> response : cut) {
      assertThat(response.get(30, TimeUnit.SECONDS))
          .as("the response was cut at the deadline")
          .isTrue();
    }
    // Had the body fitted in the socket buffers, the writes would have completed and nothing would
    // have timed out.
    awaitSeries("nodescope_http_connections_timed_out_total{phase=\"response\"}", BAD_CLIENTS);
  }

  @Test
  void scrapesPastTheConcurrencyLimitAreRefusedWhileProbesStillAnswer() throws Exception {
    int maxRequests = 3;
    fixture = serve(100_000, maxRequests);
    publishRegistryLargerThanSocketBuffers();
    scrapesThatNeverRead(maxRequests);

    HttpResponse<byte[]> refused = fixture.get("/metrics");

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(text(refused)).contains("--web.max-requests");
    assertAnswersPromptly("/healthz");
    int[] refusals = {1};
    Eventually.await(
        "scrapes are served again once the stuck ones are cut",
        () -> {
          int status = status("/metrics");
          refusals[0] += status == 503 ? 1 : 0;
          return status == 200;
        });
    assertThat(series("nodescope_http_requests_rejected_total{reason=\"max_requests\"}"))
        .isEqualTo(refusals[0]);
  }

  @Test
  void aConnectionPastEveryWorkerIsClosedAndTheServerRecovers() throws Exception {
    fixture = serve(1000, 40);
    for (int i = 0; i < AgentHttpServer.MAX_WORKERS; i++) {
      send(connect(0), "GET /healthz HTTP/1.1\r\n"); // holds a worker until the request deadline
    }
    Thread.sleep(500);
    Socket oneTooMany = connect(0);
    send(oneTooMany, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    assertThat(Sockets.closedUnanswered(oneTooMany, Duration.ofSeconds(1))).isTrue();
    int[] refusals = {1};
    Eventually.await(
        "probes answered again once the request deadline frees the workers",
        () -> {
          int status = status("/healthz");
          refusals[0] += status == CLOSED ? 1 : 0;
          return status == 200;
        });
    awaitSeries("nodescope_http_requests_rejected_total{reason=\"workers_busy\"}", refusals[0]);
  }

  @Test
  void idleConnectionsAreClosedAtTheRequestDeadline() throws Exception {
    fixture = serve(1000, 40);
    List<Future<Long>> closedAfter = new ArrayList<>();
    for (int i = 0; i < BAD_CLIENTS; i++) {
      Socket socket = connect(0);
      closedAfter.add(clients.submit(() -> awaitClosed(socket)));
    }

    assertAnswersPromptly("/healthz");
    assertAnswersPromptly("/metrics");

    for (Future<Long> closed : closedAfter) {
      assertThat(closed.get(30, TimeUnit.SECONDS)).isLessThanOrEqualTo(CLOSE_BOUND.toMillis());
    }
  }

  /**
   * Twice as much exposition as the server's send buffer can grow to (the largest net.ipv4.tcp_wmem
   * allows), so a client that reads nothing blocks the writer. Few series with long values, because
   * rendering costs per series and must not compete with the scrapes under test on a 2-core
   * machine. One scrape first, so that rendering is compiled before the clocks of the assertions
   * start.
   */
  private void publishRegistryLargerThanSocketBuffers() throws IOException, InterruptedException {
    // Through a buffered reader: a sysctl file answers only a read at offset 0, and
    // Files.readString reads in pieces.
    String[] tcpWmem =
        Files.readAllLines(Path.of("/proc/sys/net/ipv4/tcp_wmem")).get(0).trim().split("\\s+", -1);
    long bodyBytes = 2 * Long.parseLong(tcpWmem[2]);
    String padding = "x".repeat(2_000);
    SnapshotBuilder run = ExpositionFixture.run();
    for (int i = 0; i < bodyBytes / padding.length() + 1; i++) {
      run.add(BYTES, i, "device-" + i + "-" + padding);
    }
    fixture.publish(run, new CollectorHealth("test", 0.01, true, true, 0, 1));
    assertThat((long) fixture.get("/metrics").body().length).isGreaterThan(bodyBytes);
  }

  /**
   * Sends scrapes on connections with a small receive window that are never read, and waits until
   * the server has begun answering every one: their rendering is over, so what follows measures
   * whether stuck writers starve the server, not how fast a shared CPU renders.
   */
  private List<Socket> scrapesThatNeverRead(int count) throws IOException {
    List<Socket> requests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Socket socket = connect(4096);
      send(socket, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      requests.add(socket);
    }
    Eventually.await(
        "the server begins every response",
        () ->
            requests.stream()
                .allMatch(
                    socket -> {
                      try {
                        return socket.getInputStream().available() > 0;
                      } catch (IOException e) {
                        throw new AssertionError(e);
                      }
                    }));
    return requests;
  }

  private Socket connect(int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer); // before connecting, so the window stays small
    }
    sockets.add(socket);
    socket.connect(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), fixture.server.address().getPort()),
        2000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /**
   * Sends a request line, then headers one byte every 300 ms, never ending them; returns when the
   * server hangs up.
   */
  private static long dripHeadersUntilClosed(Socket socket)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    send(socket, "GET /metrics HTTP/1.1\r\n");
    byte[] header =
        "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            .getBytes(StandardCharsets.US_ASCII);
    socket.setSoTimeout(300);
    InputStream in = socket.getInputStream();
    for (int i = 0; i < 100; i++) { // 30 s at most
      try {
        socket.getOutputStream().write(header[i % header.length]);
        if (in.read() == -1) {
          break;
        }
      } catch (SocketTimeoutException stillOpen) {
        // still open: write the next byte
      } catch (IOException closed) {
        break;
      }
    }
    return Duration.ofNanos(System.nanoTime() - start).toMillis();
  }

  /**
   * Reads nothing until the server's deadline has passed, then drains what was sent: true if the
   * connection ended (end of stream or reset) before the whole body its Content-Length announced.
   */
  private static boolean cutBeforeTheEnd(Socket socket) throws IOException, InterruptedException {
    Thread.sleep(CLOSE_BOUND.toMillis());
    socket.setSoTimeout(5000);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try (InputStream in = socket.getInputStream()) {
      in.transferTo(received);
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      // ended all the same
    }
    String head = received.toString(StandardCharsets.ISO_8859_1);
    int bodyStart = head.indexOf("\r\n\r\n") + 4;
    Matcher length =
        Pattern.compile("(?i)content-length: *(\\d+)")
            .matcher(head.substring(0, Math.max(bodyStart, 0)));
    return bodyStart < 4
        || (length.find() && received.size() - bodyStart < Long.parseLong(length.group(1)));
  }

  /** Blocks reading a connection that sends nothing; returns when the server hangs up. */
  private static long awaitClosed(Socket socket) throws IOException {
    long start = System.nanoTime();
    socket.setSoTimeout(30_000);
    try {
      socket.getInputStream().read();
    } catch (SocketTimeoutException stillOpen) {
      // reported by the duration
    } catch (IOException reset) {
      // closed
    }
    return Duration.ofNanos(System.nanoTime() - start).toMillis();
  }

  private void assertAnswersPromptly(String path) throws Exception {
    Future<HttpResponse<byte[]>> response = clients.submit(() -> fixture.get(path));
    assertThat(response.get(ANSWER_BOUND.toMillis(), TimeUnit.MILLISECONDS).statusCode())
        .as(path)
        .isEqualTo(200);
  }

  /**
   * Waits for a counter to reach its expected value, then checks that it stays there: the server
   * counts a connection just after closing it, so a client may see the close first.
   */
  private void awaitSeries(String series, double expected)
      throws IOException, InterruptedException {
    Eventually.await(
        series + " reaches " + expected,
        () -> {
          try {
            return series(series) >= expected;
          } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
          }
        });
    Thread.sleep(200);
    assertThat(series(series)).as(series).isEqualTo(expected);
  }

  /**
   * The value of one series in a scrape (whose body is too large to print when an assertion fails).
   */
  private double series(String series) throws IOException, InterruptedException {
    return text(fixture.get("/metrics"))
        .lines()
        .filter(line -> line.startsWith(series + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError(series + " is not exposed"));
  }

  /**
   * The status of one request to path on a connection of its own, or {@link #CLOSED} if the server
   * closed it unanswered. A raw socket, because the JDK client retries such a request once, which
   * would be counted twice.
   */
  private int status(String path) {
    try (Socket socket =
        new Socket(InetAddress.getLoopbackAddress(), fixture.server.address().getPort())) {
      socket.setSoTimeout(5000);
      send(socket, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      String statusLine =
          new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      return statusLine.length() < 12 ? CLOSED : Integer.parseInt(statusLine.substring(9, 12));
    } catch (SocketException reset) {
      return CLOSED;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }
}
