package dev.nodescope.collectors.bpf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads enumerations from a BTF file such as the running kernel's {@code /sys/kernel/btf/vmlinux}:
 * the header, the type section (every kind is walked so that the next type is found) and the string
 * section. Only what the agent needs is kept: the values and names of one named enum, so that
 * numbers whose meaning changes between kernels (drop reasons) are named from the kernel that
 * produced them. The layout is the kernel's UAPI {@code include/uapi/linux/btf.h}; the blob's own
 * magic says its byte order.
 *
 * <p>The file is read through two small windows, never whole: the kernel's BTF is several
 * megabytes, and holding it once would grow the agent's heap (and, read through NIO, its cached
 * native buffers) by that much for the life of the process. The type section is walked in order
 * through {@value #TYPE_WINDOW_BYTES} bytes; strings are looked up here and there (one per enum's
 * name) through {@value #STRING_WINDOW_BYTES}.
 */
public final class Btf implements AutoCloseable {
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

  private static final int TYPE_WINDOW_BYTES = 64 * 1024;
  private static final int STRING_WINDOW_BYTES = 4 * 1024;

  private final FileChannel file;
  private final Section types;
  private final Section strings;

  private Btf(FileChannel file, Section types, Section strings) {
    this.file = file;
    this.types = types;
    this.strings = strings;
  }

  /**
   * The values of the enum (ENUM or ENUM64) with this name in a BTF file, each with its
   * enumerator's name, in the order BTF lists them; empty when no such enum exists. Values of an
   * unsigned ENUM are read as unsigned 32-bit numbers, those of a signed one (kind flag set) as
   * signed. Fails with the reason when the file is not BTF or is cut short.
   */
  public static Optional<Map<Long, String>> enumValues(Path file, String name) throws IOException {
    try (Btf btf = open(file)) {
      return btf.enumValues(name);
    }
  }

  private static Btf open(Path path) throws IOException {
    FileChannel file = FileChannel.open(path, StandardOpenOption.READ);
    try {
      String source = path.toString();
      ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
      int read = 0;
      while (header.hasRemaining() && read >= 0) {
        read = file.read(header, header.position());
      }
      if (header.hasRemaining()) {
        throw new IOException(
            source + ": " + header.position() + " bytes, shorter than a BTF header");
      }
      short magic = header.getShort(0);
      if (magic != MAGIC) {
        header.order(ByteOrder.BIG_ENDIAN);
        if (header.getShort(0) != MAGIC) {
          throw new IOException(
              source + ": not BTF (magic 0x" + Integer.toHexString(magic & 0xffff) + ")");
        }
      }
      long size = file.size();
      long headerLength = Integer.toUnsignedLong(header.getInt(4));
      long typeStart = headerLength + Integer.toUnsignedLong(header.getInt(8));
      long typeLength = Integer.toUnsignedLong(header.getInt(12));
      long stringStart = headerLength + Integer.toUnsignedLong(header.getInt(16));
      long stringLength = Integer.toUnsignedLong(header.getInt(20));
      if (headerLength < HEADER_SIZE
          || typeStart + typeLength > size
          || stringStart + stringLength > size
          || typeLength > Integer.MAX_VALUE
          || stringLength > Integer.MAX_VALUE) {
        throw new IOException(source + ": BTF sections run past the end of its " + size + " bytes");
      }
      return new Btf(
          file,
          new Section(file, typeStart, (int) typeLength, TYPE_WINDOW_BYTES, header.order(), source),
          new Section(
              file, stringStart, (int) stringLength, STRING_WINDOW_BYTES, header.order(), source));
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }

  private Optional<Map<Long, String>> enumValues(String name) throws IOException {
    int at = 0;
    while (at < types.length) {
      if (at + 12 > types.length) {
        throw new IOException("BTF type at offset " + at + " is cut short");
      }
      int nameOffset = types.getInt(at);
      int info = types.getInt(at + 4);
      int vlen = info & 0xffff;
      int kind = (info >>> 24) & 0x1f;
      boolean kindFlag = info < 0;
      int members = at + 12;
      if ((kind == KIND_ENUM || kind == KIND_ENUM64) && strings.equalsAt(nameOffset, name)) {
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
    if (at + (long) count * size > types.length) {
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
      values.putIfAbsent(value, strings.string(types.getInt(entry)));
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

  /** One section of the file, read through a window that moves to whatever offset is asked for. */
  private static final class Section {
    private final FileChannel file;
    private final long start;
    private final int length;
    private final String source;
    private final ByteBuffer window;
    private int windowStart;

    Section(
        FileChannel file, long start, int length, int windowBytes, ByteOrder order, String source) {
      this.file = file;
      this.start = start;
      this.length = length;
      this.source = source;
      this.window = ByteBuffer.allocate(Math.min(windowBytes, length)).order(order).limit(0);
    }

    int getInt(int offset) throws IOException {
      return window.getInt(move(offset, 4));
    }

    /** Whether the NUL-terminated string at this offset is {@code expected} (ASCII). */
    boolean equalsAt(int offset, String expected) throws IOException {
      checkOffset(offset);
      for (int i = 0; i <= expected.length(); i++) {
        int c = i < expected.length() ? expected.charAt(i) : 0;
        if (offset + i >= length || byteAt(offset + i) != c) {
          return false;
        }
      }
      return true;
    }

    String string(int offset) throws IOException {
      checkOffset(offset);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (int at = offset; at < length; at++) {
        int b = byteAt(at);
        if (b == 0) {
          break;
        }
        bytes.write(b);
      }
      return bytes.toString(StandardCharsets.UTF_8);
    }

    private void checkOffset(int offset) throws IOException {
      if (offset < 0 || offset >= length) {
        throw new IOException("BTF string offset " + offset + " outside its " + length);
      }
    }

    private int byteAt(int offset) throws IOException {
      return window.get(move(offset, 1)) & 0xff;
    }

    /** The window's index of the section's {@code offset}, after reading when it is not in view. */
    private int move(int offset, int bytes) throws IOException {
      if (offset < windowStart || offset + bytes > windowStart + window.limit()) {
        window.clear().limit(Math.min(window.capacity(), length - offset));
        long position = start + offset;
        while (window.hasRemaining()) {
          if (file.read(window, position + window.position()) < 0) {
            throw new IOException(source + ": ends inside its BTF sections");
          }
        }
        windowStart = offset;
      }
      return offset - windowStart;
    }
  }
}
