package dev.nodescope.collectors.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nodescope.collectors.bpf.Btf;
import dev.nodescope.collectors.core.SourceUnavailableException;
import dev.nodescope.collectors.testing.BtfBlob;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reason names from a BTF written here with the kernel's own enumerator names and another kernel's
 * numbering, and the part's refusal on a kernel whose BTF has no drop reasons (before 5.17).
 */
class DropReasonsTest {
  @TempDir Path dir;

  @Test
  void namesComeFromTheBtfWithoutThePrefixAndWithoutTheNormalFrees() throws Exception {
    BtfBlob blob = new BtfBlob(ByteOrder.LITTLE_ENDIAN);
    blob.type("int", Btf.KIND_INT, 0, 4).ints(0x01000020);
    blob.type(DropReasons.ENUM, Btf.KIND_ENUM, 5, 4)
        .member("SKB_NOT_DROPPED_YET", 0)
        .member("SKB_CONSUMED", 1)
        .member("SKB_DROP_REASON_NOT_SPECIFIED", 2)
        .member("SKB_DROP_REASON_NETFILTER_DROP", 12)
        .member("SKB_DROP_REASON_NO_SOCKET", 3);

    DropReasons reasons = DropReasons.of(write(blob.build())).orElseThrow();

    assertThat(reasons.name(12)).isEqualTo("NETFILTER_DROP");
    assertThat(reasons.name(3)).isEqualTo("NO_SOCKET");
    assertThat(reasons.name(2)).isEqualTo("NOT_SPECIFIED");
    assertThat(reasons.size()).as("the normal frees are not drop reasons").isEqualTo(3);
    assertThat(reasons.name(1)).isEqualTo("UNKNOWN_0x1");
    assertThat(reasons.name(0x10001)).as("a subsystem's own reason").isEqualTo("UNKNOWN_0x10001");
  }

  @Test
  void aKernelWithoutDropReasonsMakesThePartUnavailableBeforeLoadingAnything() throws Exception {
    BtfBlob blob = new BtfBlob(ByteOrder.LITTLE_ENDIAN);
    blob.type("int", Btf.KIND_INT, 0, 4).ints(0x01000020);
    blob.type("other_enum", Btf.KIND_ENUM, 1, 4).member("OTHER", 1);
    Path btf = write(blob.build());

    assertThatThrownBy(() -> DropsPart.load(new byte[0], btf, Map::of))
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageContaining("no drop reasons")
        .hasMessageContaining("kernel 5.17");
  }

  private Path write(ByteBuffer blob) throws Exception {
    byte[] bytes = new byte[blob.remaining()];
    blob.get(bytes);
    return Files.write(dir.resolve("vmlinux"), bytes);
  }
}
