package dev.nodescope.collectors.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.TestNetns;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The event listener on a real ctnetlink socket: its thread sleeps in the kernel while no event
 * comes, close stops it at once, and events that come after a quiet spell still arrive.
 */
class ConntrackEventListenerKernelTest {
  private static final String THREAD = "conntrack-events";

  /** The thread's name as the kernel keeps it (comm holds 15 characters). */
  private static final String TASK_COMM = THREAD.substring(0, 15);

  private static final int PORT = 21000;

  @RegisterExtension static final TestNetns NETNS = TestNetns.perClass("nsflows-events");

  @BeforeAll
  static void trackLoopback() throws Exception {
    Capabilities.requireCommand("conntrack");
    NETNS.trackLoopback();
  }

  @Test
  void aQuietListenerSleepsUntilCloseStopsIt() throws Exception {
    // A namespace of its own without conntrack hooks: no event can come.
    try (TestNetns quiet = TestNetns.create("nsflows-quiet")) {
      quiet.call(
          30,
          () -> {
            Set<Thread> threadsBefore = listenerThreads();
            Set<Long> tasksBefore = listenerTasks();
            ConntrackEventListener listener = ConntrackEventListener.start(1 << 20, 100);
            long closeMillis;
            Thread thread;
            try {
              Set<Thread> started = listenerThreads();
              started.removeAll(threadsBefore);
              assertThat(started).hasSize(1);
              thread = started.iterator().next();
              List<Long> tasks = new ArrayList<>();
              Eventually.await(
                  "the listener's thread named in /proc/self/task",
                  () -> {
                    tasks.clear();
                    tasks.addAll(listenerTasks());
                    tasks.removeAll(tasksBefore);
                    return !tasks.isEmpty();
                  });
              assertThat(tasks).hasSize(1);
              Thread.sleep(300); // into its wait for the first event
              long switches = voluntarySwitches(tasks.get(0));
              Thread.sleep(2000);
              assertThat(voluntarySwitches(tasks.get(0)) - switches)
                  .as("times the listener's thread woke up in 2 s without an event")
                  .isZero();
            } finally {
              long closing = System.nanoTime();
              listener.close();
              closeMillis = (System.nanoTime() - closing) / 1_000_000;
            }
            assertThat(thread.isAlive()).as("listener thread alive after close").isFalse();
            assertThat(closeMillis).isLessThan(1000);
            return null;
          });
    }
  }

  @Test
  void eventsAfterAQuietSpellArrive() throws Exception {
    List<ConntrackEntry> events = new ArrayList<>();
    NETNS.call(
        30,
        () -> {
          try (ConntrackEventListener listener = ConntrackEventListener.start(1 << 20, 10_000)) {
            Thread.sleep(1000);
            assertThat(listener.drain()).isEmpty();
            NETNS.run("bash -c 'printf %050d 0 > /dev/udp/127.0.0.1/" + PORT + "'");
            NETNS.run("conntrack -D -p udp --dport " + PORT + " > /dev/null 2>&1");
            Eventually.await(
                "the DESTROY event",
                () -> {
                  events.addAll(listener.drain());
                  return events.stream().anyMatch(e -> e.event() == ConntrackEntry.Event.DESTROY);
                });
            assertThat(listener.lostEvents()).isZero();
          }
          return null;
        });
    assertThat(events)
        .filteredOn(e -> e.original().destinationPort() == PORT)
        .extracting(ConntrackEntry::event)
        .containsExactly(ConntrackEntry.Event.NEW, ConntrackEntry.Event.DESTROY);
  }

  private static Set<Thread> listenerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(THREAD))
        .collect(Collectors.toCollection(HashSet::new));
  }

  /** The ids of this process's tasks named like the listener's thread. */
  private static Set<Long> listenerTasks() {
    Set<Long> out = new HashSet<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        try {
          if (Files.readString(task.resolve("comm")).strip().equals(TASK_COMM)) {
            out.add(Long.parseLong(task.getFileName().toString()));
          }
        } catch (NoSuchFileException e) {
          // the task ended while we listed
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot list /proc/self/task", e);
    }
    return out;
  }

  private static long voluntarySwitches(long task) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/task/" + task + "/status")).stream()
        .filter(line -> line.startsWith("voluntary_ctxt_switches:"))
        .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).strip()))
        .findFirst()
        .orElseThrow();
  }
}
