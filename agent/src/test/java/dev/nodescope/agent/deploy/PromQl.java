package dev.nodescope.agent.deploy;

import java.util.Set;
import java.util.TreeSet;

/**
 * The metric names a PromQL expression selects, found by a small lexer: string literals, label
 * matchers ({@code {...}}), ranges ({@code [...]}), label lists after grouping keywords and numbers
 * or durations are skipped; an identifier followed by {@code (} is a function or aggregation; what
 * remains names a metric. Enough for the expressions we write; Prometheus itself checks the syntax.
 */
public final class PromQl {
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "inf",
          "nan",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "atan2",
          // aggregation operators, which may come before their "by (...)" rather than before "("
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile");
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  private PromQl() {}

  public static Set<String> metricNames(String expression) {
    Set<String> names = new TreeSet<>();
    int i = 0;
    int length = expression.length();
    while (i < length) {
      char c = expression.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = skipString(expression, i);
      } else if (c == '{') {
        i = skipPast(expression, i, '}');
      } else if (c == '[') {
        i = skipPast(expression, i, ']');
      } else if (Character.isDigit(c)
          || (c == '.' && i + 1 < length && Character.isDigit(expression.charAt(i + 1)))) {
        while (i < length
            && (Character.isLetterOrDigit(expression.charAt(i)) || expression.charAt(i) == '.')) {
          i++;
        }
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int start = i;
        while (i < length
            && (Character.isLetterOrDigit(expression.charAt(i))
                || expression.charAt(i) == '_'
                || expression.charAt(i) == ':')) {
          i++;
        }
        String word = expression.substring(start, i);
        int next = i;
        while (next < length && Character.isWhitespace(expression.charAt(next))) {
          next++;
        }
        boolean call = next < length && expression.charAt(next) == '(';
        if (LABEL_LISTS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
          i = call ? skipPast(expression, next, ')') : i;
        } else if (!call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
          names.add(word);
        }
      } else {
        i++;
      }
    }
    return names;
  }

  private static int skipString(String text, int open) {
    char quote = text.charAt(open);
    int i = open + 1;
    while (i < text.length() && text.charAt(i) != quote) {
      i += text.charAt(i) == '\\' && quote != '`' ? 2 : 1;
    }
    return i + 1;
  }

  /**
   * Index after the closing character, skipping strings inside (label values may hold any
   * character).
   */
  private static int skipPast(String text, int open, char close) {
    int i = open + 1;
    while (i < text.length() && text.charAt(i) != close) {
      char c = text.charAt(i);
      i = c == '"' || c == '\'' || c == '`' ? skipString(text, i) : i + 1;
    }
    return i + 1;
  }
}
