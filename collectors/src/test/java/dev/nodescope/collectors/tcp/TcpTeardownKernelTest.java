package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.Eventually;
import dev.nodescope.collectors.testing.Shell;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * After a process holding the tcp collector is killed with SIGKILL, none of its programs or links
 * remains in the kernel, as bpftool lists them (the ids come from the process's /proc fdinfo);
 * while it ran, its sock_ops program was attached to the host's cgroup v2 root, found without
 * mounting anything.
 */
class TcpTeardownKernelTest {

  @Test
  void noProgramOrLinkRemainsAfterSigkill() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("bpftool");
    Capabilities.require(Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF");
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                TcpHoldingProcess.class.getName())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("loaded")) {
        System.err.println(line);
      }
      assertThat(line).startsWith("loaded");

      // the health part's sock_ops and two reset tracepoints, then the drops part's kfree_skb
      List<String> programs = heldBy(holder.pid(), "prog_id");
      assertThat(programs).hasSize(4);
      List<String> links = heldBy(holder.pid(), "link_id");
      assertThat(links).hasSize(4);
      String listedPrograms = Shell.output("bpftool", "prog", "show");
      assertThat(programs).allMatch(id -> listed(listedPrograms, id));
      assertThat(listedPrograms)
          .containsPattern("(?m)^" + programs.get(0) + ": sock_ops\\s+name nodescope_tcp");
      assertThat(listedPrograms)
          .containsPattern("(?m)^" + programs.get(3) + ": tracing\\s+name nodescope_drops");
      String root =
          Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))
              ? "/sys/fs/cgroup"
              : "/sys/fs/cgroup/unified";
      String attached = Shell.output("bpftool", "cgroup", "show", root);
      assertThat(attached)
          .containsPattern("(?m)^\\s*" + programs.get(0) + "\\s+cgroup_sock_ops\\b");

      Shell.sh("kill -9 " + holder.pid());
      assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
      Eventually.await(
          "programs and links of the killed process gone",
          () -> {
            try {
              String allPrograms = Shell.output("bpftool", "prog", "show");
              String allLinks = Shell.output("bpftool", "link", "show");
              return programs.stream().noneMatch(id -> listed(allPrograms, id))
                  && links.stream().noneMatch(id -> listed(allLinks, id));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
    } finally {
      holder.destroyForcibly();
    }
  }

  /**
   * Ids ("prog_id" or "link_id") of the BPF objects a process holds, from its /proc fdinfo; the
   * programs come sock_ops first since the collector loads it first.
   */
  private static List<String> heldBy(long pid, String field) throws Exception {
    Set<String> ids = new TreeSet<>(Comparator.comparingLong(Long::parseLong));
    try (DirectoryStream<Path> fds =
        Files.newDirectoryStream(Path.of("/proc/" + pid + "/fdinfo"))) {
      for (Path fd : fds) {
        String info;
        try {
          info = Files.readString(fd);
        } catch (java.io.IOException closed) {
          continue;
        }
        Matcher matcher = Pattern.compile("(?m)^" + field + ":\\s+(\\d+)").matcher(info);
        if (matcher.find() && (field.equals("link_id") || !info.contains("link_id:"))) {
          ids.add(matcher.group(1));
        }
      }
    }
    return new ArrayList<>(ids);
  }

  private static boolean listed(String listing, String id) {
    return Pattern.compile("(?m)^" + id + ": ").matcher(listing).find();
  }
}
