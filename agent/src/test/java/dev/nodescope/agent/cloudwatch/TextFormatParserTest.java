package dev.nodescope.agent.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextFormatParserTest {

  private static final String DCGM_SAMPLE =
      String.join(
          "\n",
          "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).",
          "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
          "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-1\",Hostname=\"n1\"} 87",
          "# TYPE nodescope_flow_bytes counter",
          "nodescope_flow_bytes_total{namespace=\"a\",pod=\"p \\\"q\\\"\",direction=\"tx\"} 1.5e3 1700000000000",
          "up 1",
          "# EOF",
          "");

  @Test
  void parsesTypedLabelledSamplesWithEscapesAndTimestamps() {
    TextFormatParser.Result result = TextFormatParser.parse(DCGM_SAMPLE);

    assertThat(result.malformedLines()).isZero();
    assertThat(result.samples())
        .containsExactly(
            new ScrapedSample(
                "DCGM_FI_DEV_GPU_UTIL",
                Map.of("gpu", "0", "UUID", "GPU-1", "Hostname", "n1"),
                87,
                "gauge"),
            new ScrapedSample(
                "nodescope_flow_bytes_total",
                Map.of("namespace", "a", "pod", "p \"q\"", "direction", "tx"),
                1500,
                "counter"),
            new ScrapedSample("up", Map.of(), 1, "untyped"));
  }

  @Test
  void keepsGoodLinesAroundMalformedOnes() {
    TextFormatParser.Result result =
        TextFormatParser.parse("a 1\nb{x=\"1\" 2\nc notanumber\n{} 3\nd{y=\"2\"} +Inf\n");

    assertThat(result.malformedLines()).isEqualTo(3);
    assertThat(result.samples()).extracting(ScrapedSample::name).containsExactly("a", "d");
    assertThat(result.samples().get(1).value()).isInfinite();
  }

  @Test
  void randomAndMutatedInputNeverThrowsAndAccountsForEveryLine() {
    Random random = new Random(42);
    String alphabet = "ab_:{}=\",\\ \n#019.e+-InfNaTYPE";
    for (int round = 0; round < 20_000; round++) {
      String input = round % 2 == 0 ? randomText(random, alphabet) : mutate(random, DCGM_SAMPLE);
      TextFormatParser.Result result = TextFormatParser.parse(input);
      long candidateLines =
          input.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
      assertThat(result.samples().size() + result.malformedLines())
          .as(input)
          .isEqualTo((int) candidateLines);
    }
  }

  @Test
  void parsedSamplesRoundTripThroughRendering() {
    Random random = new Random(7);
    for (int round = 0; round < 2_000; round++) {
      String name = "m_" + random.nextInt(1000);
      String labelValue = randomText(random, "ab \"\\,}={");
      double value = random.nextDouble() * 1e9;
      String rendered =
          name
              + "{l=\""
              + labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
              + "\"} "
              + value;
      List<ScrapedSample> samples = TextFormatParser.parse(rendered).samples();
      assertThat(samples)
          .containsExactly(new ScrapedSample(name, Map.of("l", labelValue), value, "untyped"));
    }
  }

  private static String randomText(Random random, String alphabet) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(80);
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }

  private static String mutate(Random random, String base) {
    StringBuilder text = new StringBuilder(base);
    for (int edits = 1 + random.nextInt(5); edits > 0 && text.length() > 0; edits--) {
      int at = random.nextInt(text.length());
      switch (random.nextInt(3)) {
        case 0 -> text.deleteCharAt(at);
        case 1 -> text.insert(at, (char) (32 + random.nextInt(95)));
        default -> text.setCharAt(at, (char) (32 + random.nextInt(95)));
      }
    }
    return text.toString();
  }
}
