package dev.nodescope.collectors.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.testing.BtfBlob;
import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.Shell;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The reader against blobs built here, type by type, in either byte order; and against the running
 * kernel's BTF, whose truth is bpftool's own dump of it.
 */
class BtfTest {
  @Test
  void findsAnEnumPastEveryOtherKind() throws IOException {
    for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
      Btf btf = Btf.parse(sampleBlob(order), "sample");

      assertThat(btf.enumValues("skb_drop_reason").orElseThrow())
          .containsExactly(
              Map.entry(0L, "SKB_NOT_DROPPED_YET"),
              Map.entry(1L, "SKB_CONSUMED"),
              Map.entry(6L, "SKB_DROP_REASON_NETFILTER_DROP"),
              Map.entry(0xffff0001L, "SKB_DROP_REASON_HIGH"));
      assertThat(btf.enumValues("signed_enum").orElseThrow())
          .containsExactly(Map.entry(-2L, "MINUS_TWO"));
      assertThat(btf.enumValues("wide_enum").orElseThrow())
          .containsExactly(Map.entry(0x1_0000_0002L, "WIDE"));
      assertThat(btf.enumValues("no_such_enum")).isEmpty();
      assertThat(btf.enumValues("some_struct")).as("a struct is not an enum").isEmpty();
    }
  }

  @Test
  void rejectsWhatIsNotBtf() {
    assertThatThrownBy(() -> Btf.parse(ByteBuffer.allocate(10), "short"))
        .hasMessageContaining("shorter than a BTF header");
    assertThatThrownBy(() -> Btf.parse(ByteBuffer.allocate(64), "zeros"))
        .hasMessageContaining("not BTF");
    ByteBuffer truncated = sampleBlob(ByteOrder.LITTLE_ENDIAN);
    assertThatThrownBy(() -> Btf.parse(truncated.limit(truncated.limit() - 5), "cut"))
        .hasMessageContaining("run past the end");
  }

  @Test
  void rejectsAnUnknownKind() throws IOException {
    BtfBlob blob = new BtfBlob(ByteOrder.LITTLE_ENDIAN);
    blob.type("odd", 31, 0, 0);
    Btf btf = Btf.parse(blob.build(), "odd");
    assertThatThrownBy(() -> btf.enumValues("anything"))
        .hasMessageContaining("unknown BTF kind 31");
  }

  @Test
  void readsTheRunningKernelsDropReasonsAsBpftoolDoes() throws Exception {
    Capabilities.require(Files.isReadable(Btf.KERNEL), "kernel BTF at " + Btf.KERNEL);
    Capabilities.requireCommand("bpftool");
    Map<Long, String> expected = new LinkedHashMap<>();
    String dump =
        Shell.output("bpftool", "btf", "dump", "file", Btf.KERNEL.toString(), "format", "raw");
    Matcher enumHeader =
        Pattern.compile("^\\[\\d+\\] ENUM 'skb_drop_reason' .*vlen=(\\d+)$", Pattern.MULTILINE)
            .matcher(dump);
    Capabilities.require(enumHeader.find(), "enum skb_drop_reason in kernel BTF (kernel 5.17+)");
    Matcher value = Pattern.compile("^\\s+'(\\w+)' val=(-?\\d+)$", Pattern.MULTILINE).matcher(dump);
    value.region(enumHeader.end(), dump.length());
    for (int i = 0; i < Integer.parseInt(enumHeader.group(1)); i++) {
      assertThat(value.find()).isTrue();
      expected.put(Long.parseLong(value.group(2)), value.group(1));
      value.region(value.end(), dump.length());
    }

    Map<Long, String> read = Btf.read(Btf.KERNEL).enumValues("skb_drop_reason").orElseThrow();

    assertThat(read)
        .containsExactlyEntriesOf(expected)
        .containsValue("SKB_DROP_REASON_NETFILTER_DROP");
  }

  /**
   * One type of each size class before the enums: INT (4 extra bytes), PTR (none), ARRAY (12), a
   * STRUCT of two members (12 each), FUNC_PROTO of one parameter (8), VAR (4), DATASEC of one (12),
   * DECL_TAG (4), then the enums.
   */
  static ByteBuffer sampleBlob(ByteOrder order) {
    BtfBlob blob = new BtfBlob(order);
    blob.type("int", Btf.KIND_INT, 0, 4).ints(0x01000020);
    blob.type("", Btf.KIND_PTR, 0, 1);
    blob.type("", Btf.KIND_ARRAY, 0, 0).ints(1, 1, 4);
    blob.type("some_struct", Btf.KIND_STRUCT, 2, 8).member("a", 1, 0).member("b", 1, 32);
    blob.type("", Btf.KIND_FUNC_PROTO, 1, 1).member("x", 1);
    blob.type("v", Btf.KIND_VAR, 0, 1).ints(1);
    blob.type(".data", Btf.KIND_DATASEC, 1, 4).ints(6, 0, 4);
    blob.type("tag", Btf.KIND_DECL_TAG, 0, 4).ints(-1);
    blob.type("skb_drop_reason", Btf.KIND_ENUM, 4, 4)
        .member("SKB_NOT_DROPPED_YET", 0)
        .member("SKB_CONSUMED", 1)
        .member("SKB_DROP_REASON_NETFILTER_DROP", 6)
        .member("SKB_DROP_REASON_HIGH", 0xffff0001);
    blob.type("signed_enum", Btf.KIND_ENUM, 1, 4, true).member("MINUS_TWO", -2);
    blob.type("wide_enum", Btf.KIND_ENUM64, 1, 8).member("WIDE", 2, 1);
    return blob.build();
  }
}
