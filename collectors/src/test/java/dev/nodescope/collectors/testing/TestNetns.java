package dev.nodescope.collectors.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A network namespace a test makes (`ip netns add`) and always deletes, with everything that lives
 * in it (veth ends, addresses, rules, conntrack entries). Its name carries the test process's id,
 * so parallel runs of the suite do not collide. Requires root and `ip` (see {@link Capabilities}).
 * Either one for a whole class, made before its {@code @BeforeAll} methods and deleted after its
 * {@code @AfterAll} ones: {@code @RegisterExtension static final TestNetns NETNS =
 * TestNetns.perClass("nsena");}, or one made by {@link #create} and closed by the test.
 */
public final class TestNetns implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private final String name;
  private boolean made;

  private TestNetns(String purpose) {
    this.name = purpose + "-" + ProcessHandle.current().pid();
  }

  /** A fresh namespace named {@code purpose-PID}. */
  public static TestNetns create(String purpose) throws Exception {
    TestNetns netns = new TestNetns(purpose);
    netns.make();
    return netns;
  }

  /** A namespace named {@code purpose-PID} for the test class that registers it as an extension. */
  public static TestNetns perClass(String purpose) {
    return new TestNetns(purpose);
  }

  private void make() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("ip");
    Shell.sh("ip netns add " + name);
    made = true;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    make();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  public String name() {
    return name;
  }

  /**
   * Runs a command line inside the namespace (`ip netns exec`); fails unless it exits 0 in time.
   */
  public void run(String command) throws Exception {
    Shell.sh("ip netns exec " + name + " " + command);
  }

  /**
   * Runs a command inside the namespace and returns its standard output; fails unless it exits 0 in
   * time.
   */
  public String output(String... command) throws Exception {
    List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", name));
    line.addAll(List.of(command));
    return Shell.output(line.toArray(String[]::new));
  }

  /**
   * Loopback up with the given addresses (each a /32 on lo), conntrack accounting on, and a
   * conntrack match in OUTPUT: the match registers the namespace's conntrack hooks, without which
   * nothing local is tracked.
   */
  public TestNetns trackLoopback(String... addresses) throws Exception {
    Capabilities.requireCommand("iptables");
    run("ip link set lo up");
    for (String address : addresses) {
      run("ip addr add " + address + "/32 dev lo");
    }
    run("sysctl -qw net.netfilter.nf_conntrack_acct=1");
    run("iptables -A OUTPUT -m conntrack --ctstate NEW -j ACCEPT");
    return this;
  }

  /**
   * Threads that each enter the namespace before running anything, so that every socket they open
   * lives there. The caller shuts the pool down.
   */
  public ExecutorService threads() {
    return Executors.newCachedThreadPool(
        task -> {
          Thread thread =
              new Thread(
                  () -> {
                    try {
                      NetworkNamespace.enterOnCurrentThread("/var/run/netns/" + name);
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                    task.run();
                  },
                  "netns-" + name);
          thread.setDaemon(true);
          return thread;
        });
  }

  /**
   * Runs a task on a thread inside the namespace and returns its result; fails unless it ends in
   * time.
   */
  public <T> T call(long seconds, Callable<T> task) throws Exception {
    ExecutorService thread = threads();
    try {
      return thread.submit(task).get(seconds, TimeUnit.SECONDS);
    } finally {
      thread.shutdownNow();
    }
  }

  /** Deletes the namespace, if it was made. */
  @Override
  public void close() throws Exception {
    if (made) {
      made = false;
      Shell.sh("ip netns del " + name);
    }
  }
}
