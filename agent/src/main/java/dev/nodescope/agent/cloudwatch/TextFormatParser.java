package dev.nodescope.agent.cloudwatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pure parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0 text. Malformed lines are
 * skipped and counted rather than thrown, so one bad exporter line never loses the rest of a
 * scrape. Every loop advances the cursor, so any input terminates.
 */
public final class TextFormatParser {

  /** Samples that parsed, and how many non-comment lines did not. */
  public record Result(List<ScrapedSample> samples, int malformedLines) {}

  private TextFormatParser() {}

  public static Result parse(String text) {
    List<ScrapedSample> samples = new ArrayList<>();
    Map<String, String> familyTypes = new HashMap<>();
    int malformed = 0;
    for (String rawLine : text.split("\n", -1)) {
      String line = rawLine.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        recordType(line, familyTypes);
        continue;
      }
      ScrapedSample sample = parseSample(line, familyTypes);
      if (sample == null) {
        malformed++;
      } else {
        samples.add(sample);
      }
    }
    return new Result(List.copyOf(samples), malformed);
  }

  private static void recordType(String line, Map<String, String> familyTypes) {
    String[] parts = line.split("\\s+", -1);
    if (parts.length >= 4 && parts[1].equals("TYPE")) {
      familyTypes.put(parts[2], parts[3].toLowerCase(Locale.ROOT));
    }
  }

  private static ScrapedSample parseSample(String line, Map<String, String> familyTypes) {
    int nameEnd = 0;
    while (nameEnd < line.length() && isNameChar(line.charAt(nameEnd), nameEnd == 0)) {
      nameEnd++;
    }
    if (nameEnd == 0) {
      return null;
    }
    String name = line.substring(0, nameEnd);
    Map<String, String> labels = new LinkedHashMap<>();
    int cursor = nameEnd;
    if (cursor < line.length() && line.charAt(cursor) == '{') {
      cursor = parseLabels(line, cursor + 1, labels);
      if (cursor < 0) {
        return null;
      }
    }
    String rest = line.substring(cursor).strip();
    if (rest.isEmpty()) {
      return null;
    }
    String valueText = rest.split("\\s+", 2)[0];
    Double value = parseValue(valueText);
    if (value == null) {
      return null;
    }
    return new ScrapedSample(name, labels, value, typeOf(name, familyTypes));
  }

  /** Returns the index after the closing brace, or -1 when the label set is malformed. */
  private static int parseLabels(String line, int start, Map<String, String> labels) {
    int cursor = start;
    while (cursor < line.length()) {
      char c = line.charAt(cursor);
      if (c == '}') {
        return cursor + 1;
      }
      if (c == ',' || c == ' ') {
        cursor++;
        continue;
      }
      int keyStart = cursor;
      while (cursor < line.length() && isNameChar(line.charAt(cursor), cursor == keyStart)) {
        cursor++;
      }
      if (cursor == keyStart
          || cursor + 1 >= line.length()
          || line.charAt(cursor) != '='
          || line.charAt(cursor + 1) != '"') {
        return -1;
      }
      String key = line.substring(keyStart, cursor);
      cursor += 2;
      StringBuilder value = new StringBuilder();
      boolean closed = false;
      while (cursor < line.length()) {
        char v = line.charAt(cursor++);
        if (v == '"') {
          closed = true;
          break;
        }
        if (v == '\\' && cursor < line.length()) {
          char escaped = line.charAt(cursor++);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(v);
        }
      }
      if (!closed) {
        return -1;
      }
      labels.put(key, value.toString());
    }
    return -1;
  }

  private static Double parseValue(String text) {
    switch (text) {
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          return null;
        }
    }
  }

  private static String typeOf(String sampleName, Map<String, String> familyTypes) {
    String exact = familyTypes.get(sampleName);
    if (exact != null) {
      return exact;
    }
    for (String suffix :
        new String[] {"_total", "_bucket", "_count", "_sum", "_created", "_info"}) {
      if (sampleName.endsWith(suffix)) {
        String family =
            familyTypes.get(sampleName.substring(0, sampleName.length() - suffix.length()));
        if (family != null) {
          return family;
        }
      }
    }
    return "untyped";
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_'
        || c == ':'
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (!first && c >= '0' && c <= '9');
  }
}
