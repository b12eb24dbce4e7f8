package dev.nodescope.collectors.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads enumerations from a BTF blob such as the running kernel's {@code /sys/kernel/btf/vmlinux}:
 * the header, the type section (every kind is walked so that the next type is found) and the string
 * section. Only what the agent needs is kept: the values and names of one named enum, so that
 * numbers whose meaning changes between kernels (drop reasons) are named from the kernel that
 * produced them. The layout is the kernel's UAPI {@code include/uapi/linux/btf.h}; the blob's own
 * magic says its byte order.
 */
public final class Btf {
  /** The running kernel's BTF; present with {@code CONFIG_DEBUG_INFO_BTF}. */
  public static final Path KERNEL = Path.of("/sys/kernel/btf/vmlinux");

  public static final short MAGIC = (short) 0xEB9F;
  public static final int HEADER_SIZE = 24;
  public static final int KIND_INT = 1;
  public static final int KIND_PTR = 2;
  public static final int KIND_ARRAY = 3;
  public static final int KIND_STRUCT = 4;
  public static final int KIND_UNION = 5;
  public static final int KIND_ENUM = 6;
  public static final int KIND_FWD = 7;
  public static final int KIND_TYPEDEF = 8;
  public static final int KIND_VOLATILE = 9;
  public static final int KIND_CONST = 10;
  public static final int KIND_RESTRICT = 11;
  public static final int KIND_FUNC = 12;
  public static final int KIND_FUNC_PROTO = 13;
  public static final int KIND_VAR = 14;
  public static final int KIND_DATASEC = 15;
  public static final int KIND_FLOAT = 16;
  public static final int KIND_DECL_TAG = 17;
  public static final int KIND_TYPE_TAG = 18;
  public static final int KIND_ENUM64 = 19;

  private final ByteBuffer types;
  private final ByteBuffer strings;

  private Btf(ByteBuffer types, ByteBuffer strings) {
    this.types = types;
    this.strings = strings;
  }

  /** Reads a BTF file; fails with the reason when it is not BTF or is cut short. */
  public static Btf read(Path file) throws IOException {
    return parse(ByteBuffer.wrap(Files.readAllBytes(file)), file.toString());
  }

  static Btf parse(ByteBuffer blob, String source) throws IOException {
    ByteBuffer in = blob.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < HEADER_SIZE) {
      throw new IOException(source + ": " + in.remaining() + " bytes, shorter than a BTF header");
    }
    short magic = in.getShort(0);
    if (magic != MAGIC) {
      in.order(ByteOrder.BIG_ENDIAN);
      if (in.getShort(0) != MAGIC) {
        throw new IOException(
            source + ": not BTF (magic 0x" + Integer.toHexString(magic & 0xffff) + ")");
      }
    }
    long headerLength = Integer.toUnsignedLong(in.getInt(4));
    long typeStart = headerLength + Integer.toUnsignedLong(in.getInt(8));
    long typeLength = Integer.toUnsignedLong(in.getInt(12));
    long stringStart = headerLength + Integer.toUnsignedLong(in.getInt(16));
    long stringLength = Integer.toUnsignedLong(in.getInt(20));
    if (headerLength < HEADER_SIZE
        || typeStart + typeLength > in.limit()
        || stringStart + stringLength > in.limit()) {
      throw new IOException(
          source + ": BTF sections run past the end of its " + in.limit() + " bytes");
    }
    return new Btf(
        in.slice((int) typeStart, (int) typeLength).order(in.order()),
        in.slice((int) stringStart, (int) stringLength).order(in.order()));
  }

  /**
   * The values of the enum (ENUM or ENUM64) with this name, each with its enumerator's name, in the
   * order BTF lists them; empty when no such enum exists. Values of an unsigned ENUM are read as
   * unsigned 32-bit numbers, those of a signed one (kind flag set) as signed.
   */
  public Optional<Map<Long, String>> enumValues(String name) throws IOException {
    int at = 0;
    while (at < types.limit()) {
      if (at + 12 > types.limit()) {
        throw new IOException("BTF type at offset " + at + " is cut short");
      }
      int nameOffset = types.getInt(at);
      int info = types.getInt(at + 4);
      int vlen = info & 0xffff;
      int kind = (info >>> 24) & 0x1f;
      boolean kindFlag = info < 0;
      int members = at + 12;
      if ((kind == KIND_ENUM || kind == KIND_ENUM64) && name.equals(string(nameOffset))) {
        return Optional.of(enumerators(members, vlen, kind == KIND_ENUM64, kindFlag));
      }
      at = members + extraLength(kind, vlen, at);
    }
    return Optional.empty();
  }

  private Map<Long, String> enumerators(int at, int count, boolean wide, boolean signed)
      throws IOException {
    Map<Long, String> values = new LinkedHashMap<>();
    int size = wide ? 12 : 8;
    if (at + (long) count * size > types.limit()) {
      throw new IOException("BTF enum at offset " + at + " is cut short");
    }
    for (int i = 0; i < count; i++) {
      int entry = at + i * size;
      long value;
      if (wide) {
        value =
            (Integer.toUnsignedLong(types.getInt(entry + 8)) << 32)
                | Integer.toUnsignedLong(types.getInt(entry + 4));
      } else {
        int raw = types.getInt(entry + 4);
        value = signed ? raw : Integer.toUnsignedLong(raw);
      }
      values.putIfAbsent(value, string(types.getInt(entry)));
    }
    return values;
  }

  /** Bytes after the 12-byte common part of a type, by kind ({@code btf.h}). */
  private static int extraLength(int kind, int vlen, int at) throws IOException {
    switch (kind) {
      case KIND_INT:
      case KIND_VAR:
      case KIND_DECL_TAG:
        return 4;
      case KIND_ARRAY:
        return 12;
      case KIND_STRUCT:
      case KIND_UNION:
      case KIND_DATASEC:
      case KIND_ENUM64:
        return 12 * vlen;
      case KIND_ENUM:
      case KIND_FUNC_PROTO:
        return 8 * vlen;
      case KIND_PTR:
      case KIND_FWD:
      case KIND_TYPEDEF:
      case KIND_VOLATILE:
      case KIND_CONST:
      case KIND_RESTRICT:
      case KIND_FUNC:
      case KIND_FLOAT:
      case KIND_TYPE_TAG:
        return 0;
      default:
        throw new IOException("unknown BTF kind " + kind + " at type offset " + at);
    }
  }

  private String string(int offset) throws IOException {
    if (offset < 0 || offset >= strings.limit()) {
      throw new IOException("BTF string offset " + offset + " outside its " + strings.limit());
    }
    int end = offset;
    while (end < strings.limit() && strings.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - offset];
    strings.get(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
