package dev.nodescope.collectors.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlagTest {
  @Test
  void parsesPrometheusDurations() {
    assertThat(Flag.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Flag.parseDuration("15s")).isEqualTo(Duration.ofSeconds(15));
    assertThat(Flag.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Flag.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Flag.parseDuration("0s")).isZero();
  }

  @Test
  void formatsDurationsAsTheyAreTyped() {
    for (String text : new String[] {"0s", "500ms", "15s", "1m30s", "2h", "1h1m1s1ms"}) {
      assertThat(Flag.formatDuration(Flag.parseDuration(text))).isEqualTo(text);
    }
    assertThat(Flag.duration("d", Duration.ofMinutes(1), "D.").defaultText()).isEqualTo("1m");
    assertThat(Flag.path("p", null, "P.").defaultText()).isNull();
  }

  @Test
  void rejectsDurationsWithoutUnitsOrWithTrailingText() {
    for (String bad : new String[] {"10", "s", "1x", "1m garbage", "", "-5s", "1.5s"}) {
      assertThatThrownBy(() -> Flag.parseDuration(bad))
          .as(bad)
          .hasMessage("must be a duration such as 500ms, 10s, 1m or 1h");
    }
  }

  @Test
  void parsesTypedValuesWithOneLineReasons() {
    assertThat(Flag.bool("b", false, "B.").parse(" yes ")).isTrue();
    assertThat(Flag.bool("b", true, "B.").parse("0")).isFalse();
    assertThatThrownBy(() -> Flag.bool("b", true, "B.").parse("maybe"))
        .hasMessage("must be true or false");
    assertThat(Flag.integer("i", 1, "I.").parse("42")).isEqualTo(42);
    assertThatThrownBy(() -> Flag.integer("i", 1, "I.").parse("4x"))
        .hasMessage("must be an integer");
    Flag<String> format = Flag.oneOf("log.format", "logfmt", "Format.", "logfmt", "json");
    assertThat(format.parse("json")).isEqualTo("json");
    assertThat(format.help()).isEqualTo("Format. One of: logfmt, json.");
    assertThatThrownBy(() -> format.parse("xml")).hasMessage("must be one of logfmt, json");
  }

  @Test
  void aRequirementRefusesParsedValuesWithItsReasonAndKeepsTheRest() {
    Flag<Integer> positive = Flag.integer("n", 5, "N.").requiring(n -> n > 0, "must be positive");
    assertThat(positive.parse("3")).isEqualTo(3);
    assertThatThrownBy(() -> positive.parse("0")).hasMessage("must be positive");
    assertThatThrownBy(() -> positive.parse("-1")).hasMessage("must be positive");
    assertThatThrownBy(() -> positive.parse("x")).hasMessage("must be an integer");
    assertThat(positive.name()).isEqualTo("n");
    assertThat(positive.defaultValue()).isEqualTo(5);
    assertThat(positive.placeholder()).isEqualTo("INT");
    assertThat(positive.help()).isEqualTo("N.");
  }

  @Test
  void listsParseCommaSeparatedWordsAndShowTheirDefaultAsTyped() {
    Flag<java.util.List<String>> groups =
        Flag.listOf("g", java.util.List.of("a", "b"), "Groups.", "a", "b", "c");
    assertThat(groups.defaultText()).isEqualTo("a,b");
    assertThat(groups.parse("c, a,c")).containsExactly("c", "a");
    assertThatThrownBy(() -> groups.parse("a,z")).hasMessage("'z' is not one of a, b, c");
    assertThatThrownBy(() -> groups.parse(",")).hasMessage("must name at least one of a, b, c");
  }
}
