package dev.nodescope.agent.exposition;

import dev.nodescope.collectors.core.MetricDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Version and revision stamped into the jar by the build. */
public record BuildInfo(String version, String revision) {
  public static final MetricDescriptor METRIC =
      MetricDescriptor.info(
          "nodescope_build_info",
          "The labels name the agent's version and revision and the Java runtime.",
          "version",
          "revision",
          "javaversion");

  public static BuildInfo load() {
    Properties properties = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/nodescope-build.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new BuildInfo(
        properties.getProperty("version", "unknown"),
        properties.getProperty("revision", "unknown"));
  }
}
