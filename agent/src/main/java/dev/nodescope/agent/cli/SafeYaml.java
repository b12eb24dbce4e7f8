package dev.nodescope.agent.cli;

import java.io.InputStream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the YAML (or JSON) files the user names with flags: plain maps, lists, strings and numbers
 * only. In a class of its own so that snakeyaml's classes load only when such a file is read, not
 * while the classes that read them are verified.
 */
public final class SafeYaml {
  private SafeYaml() {}

  /** The document, or null for an empty one; a malformed one throws snakeyaml's YAMLException. */
  public static Object load(InputStream in) {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
  }
}
