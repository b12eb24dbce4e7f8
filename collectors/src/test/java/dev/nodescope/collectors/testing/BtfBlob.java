package dev.nodescope.collectors.testing;

import dev.nodescope.collectors.bpf.Btf;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes BTF as the kernel lays it out: header, types, strings (offset 0 is the empty name). */
public final class BtfBlob {
  private final ByteOrder order;
  private final ByteArrayOutputStream types = new ByteArrayOutputStream();
  private final ByteArrayOutputStream strings = new ByteArrayOutputStream();

  public BtfBlob(ByteOrder order) {
    this.order = order;
    strings.write(0);
  }

  public BtfBlob type(String name, int kind, int vlen, int sizeOrType) {
    return type(name, kind, vlen, sizeOrType, false);
  }

  public BtfBlob type(String name, int kind, int vlen, int sizeOrType, boolean kindFlag) {
    return ints(string(name), (kindFlag ? 1 << 31 : 0) | kind << 24 | vlen, sizeOrType);
  }

  /** A member, parameter or enumerator: its name, then its numbers. */
  public BtfBlob member(String name, int... numbers) {
    ints(string(name));
    return ints(numbers);
  }

  public BtfBlob ints(int... values) {
    ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(order);
    for (int value : values) {
      buffer.putInt(value);
    }
    types.writeBytes(buffer.array());
    return this;
  }

  private int string(String s) {
    if (s.isEmpty()) {
      return 0;
    }
    int offset = strings.size();
    strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    strings.write(0);
    return offset;
  }

  public ByteBuffer build() {
    ByteBuffer out =
        ByteBuffer.allocate(Btf.HEADER_SIZE + types.size() + strings.size()).order(order);
    out.putShort(Btf.MAGIC).put((byte) 1).put((byte) 0).putInt(Btf.HEADER_SIZE);
    out.putInt(0).putInt(types.size()).putInt(types.size()).putInt(strings.size());
    out.put(types.toByteArray()).put(strings.toByteArray());
    return out.flip();
  }
}
