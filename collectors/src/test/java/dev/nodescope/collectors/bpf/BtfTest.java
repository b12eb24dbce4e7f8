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
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader against blobs built here, type by type, in either byte order; and against the running
 * kernel's BTF, whose truth is bpftool's own dump of it.
 */
class BtfTest {
  @TempDir Path dir;
  private int files;

  @Test
  void findsAnEnumPastEveryOtherKind() throws IOException {
    for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
      Path btf = write(sampleBlob(order));

      assertThat(Btf.enumValues(btf, "skb_drop_reason").orElseThrow())
          .containsExactly(
              Map.entry(0L, "SKB_NOT_DROPPED_YET"),
              Map.entry(1L, "SKB_CONSUMED"),
              Map.entry(6L, "SKB_DROP_REASON_NETFILTER_DROP"),
              Map.entry(0xffff0001L, "SKB_DROP_REASON_HIGH"));
      assertThat(Btf.enumValues(btf, "signed_enum").orElseThrow())
          .containsExactly(Map.entry(-2L, "MINUS_TWO"));
      assertThat(Btf.enumValues(btf, "wide_enum").orElseThrow())
          .containsExactly(Map.entry(0x1_0000_0002L, "WIDE"));
      assertThat(Btf.enumValues(btf, "no_such_enum")).isEmpty();
      assertThat(Btf.enumValues(btf, "skb_drop")).as("a prefix is not the name").isEmpty();
      assertThat(Btf.enumValues(btf, "some_struct")).as("a struct is not an enum").isEmpty();
    }
  }

  @Test
  void rejectsWhatIsNotBtf() throws IOException {
    Path shortFile = write(ByteBuffer.allocate(10));
    assertThatThrownBy(() -> Btf.enumValues(shortFile, "e"))
        .hasMessageContaining("shorter than a BTF header");
    Path zeros = write(ByteBuffer.allocate(64));
    assertThatThrownBy(() -> Btf.enumValues(zeros, "e")).hasMessageContaining("not BTF");
    ByteBuffer blob = sampleBlob(ByteOrder.LITTLE_ENDIAN);
    Path truncated = write(blob.limit(blob.limit() - 5));
    assertThatThrownBy(() -> Btf.enumValues(truncated, "e"))
        .hasMessageContaining("run past the end");
  }

  /**
   * An enum whose name and enumerators sit past the first window of each section, with types and
   * strings far larger than a window: the reader finds it as it does in a small blob.
   */
  @Test
  void findsAnEnumInABlobLargerThanItsWindows() throws IOException {
    BtfBlob blob = new BtfBlob(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 20_000; i++) {
      blob.type("filler_struct_with_a_long_name_" + i, Btf.KIND_STRUCT, 1, 4).member("m" + i, 1, 0);
    }
    blob.type("late_enum", Btf.KIND_ENUM, 2, 4).member("LATE_ONE", 1).member("LATE_TWO", 2);
    Path btf = write(blob.build());
    assertThat(Files.size(btf)).isGreaterThan(4L * 64 * 1024);

    assertThat(Btf.enumValues(btf, "late_enum").orElseThrow())
        .containsExactly(Map.entry(1L, "LATE_ONE"), Map.entry(2L, "LATE_TWO"));
  }

  @Test
  void rejectsAnUnknownKind() throws IOException {
    BtfBlob blob = new BtfBlob(ByteOrder.LITTLE_ENDIAN);
    blob.type("odd", 31, 0, 0);
    Path btf = write(blob.build());
    assertThatThrownBy(() -> Btf.enumValues(btf, "anything"))
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

    Map<Long, String> read = Btf.enumValues(Btf.KERNEL, "skb_drop_reason").orElseThrow();

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

  private Path write(ByteBuffer blob) throws IOException {
    byte[] bytes = new byte[blob.remaining()];
    blob.get(bytes);
    return Files.write(dir.resolve("btf" + files++), bytes);
  }
}
