package dev.nodescope.collectors.bpf;

import com.kenai.jffi.MemoryIO;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The reading end of a BPF ring buffer ({@code BPF_MAP_TYPE_RINGBUF}, Linux 5.8+), through its
 * memory mapping as libbpf's {@code ring_buffer__consume} reads it: a page with the consumer's
 * position (written here), a page with the producer's, then the data. The data is mapped once, not
 * twice in a row as libbpf maps it (the mapped pages count in the process's RSS), so a record that
 * wraps around the end is copied together before it is handed on. A drain costs no system call. Not
 * thread-safe: one reader at a time. The map itself stays its owner's.
 */
public final class BpfRingBuffer implements AutoCloseable {
  private static final int PROT_READ = 1;
  private static final int PROT_WRITE = 2;
  private static final int MAP_SHARED = 1;
  private static final long MAP_FAILED = -1;

  /** The record header's first word: its length, and these two flags. */
  private static final int BUSY = 1 << 31;

  private static final int DISCARDED = 1 << 30;
  private static final int HEADER_BYTES = 8;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle INTS =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  /** Receives one record: its bytes at offset in data, in native byte order, until it returns. */
  @FunctionalInterface
  public interface RecordVisitor {
    void record(ByteBuffer data, int offset, int length);
  }

  private final Pointer consumerPage;
  private final Pointer producerAndData;
  private final int pageSize;
  private final int size;
  private final ByteBuffer consumer;
  private final ByteBuffer producer;
  private final ByteBuffer data;
  private ByteBuffer wrapped;
  private boolean closed;

  private BpfRingBuffer(Pointer consumerPage, Pointer producerAndData, int pageSize, int size) {
    this.consumerPage = consumerPage;
    this.producerAndData = producerAndData;
    this.pageSize = pageSize;
    this.size = size;
    MemoryIO memory = MemoryIO.getInstance();
    this.consumer = buffer(memory, consumerPage.address(), pageSize);
    this.producer = buffer(memory, producerAndData.address(), pageSize);
    this.data = buffer(memory, producerAndData.address() + pageSize, size);
  }

  private static ByteBuffer buffer(MemoryIO memory, long address, int bytes) {
    return memory.newDirectByteBuffer(address, bytes).order(ByteOrder.nativeOrder());
  }

  /** Maps the ring buffer map; the map's descriptor may be closed afterwards. */
  public static BpfRingBuffer map(BpfMap ring) throws BpfException {
    int size = ring.info().maxEntries();
    Libbpf.LibC libc = Libbpf.libc();
    int pageSize = libc.getpagesize();
    Pointer consumer =
        libc.mmap64(null, pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, ring.fd(), 0);
    if (consumer.address() == MAP_FAILED) {
      throw new BpfException(
          "mmap the consumer page of " + ring.info().name(),
          Runtime.getSystemRuntime().getLastError());
    }
    Pointer producer =
        libc.mmap64(null, pageSize + (long) size, PROT_READ, MAP_SHARED, ring.fd(), pageSize);
    if (producer.address() == MAP_FAILED) {
      int errno = Runtime.getSystemRuntime().getLastError();
      libc.munmap(consumer, pageSize);
      throw new BpfException("mmap the data of " + ring.info().name(), errno);
    }
    return new BpfRingBuffer(consumer, producer, pageSize, size);
  }

  /**
   * Hands every record written since the last drain to the visitor, up to the first one still being
   * written, and gives their space back to the producer; returns how many it handed on.
   */
  public int drain(RecordVisitor visitor) {
    if (closed) {
      throw new IllegalStateException("ring buffer closed");
    }
    long position = (long) LONGS.getAcquire(consumer, 0);
    long end = (long) LONGS.getAcquire(producer, 0);
    int mask = size - 1;
    int records = 0;
    while (position < end) {
      int at = (int) (position & mask);
      int header = (int) INTS.getAcquire(data, at);
      if ((header & BUSY) != 0) {
        break;
      }
      int length = header & ~(BUSY | DISCARDED);
      if ((header & DISCARDED) == 0) {
        int start = at + HEADER_BYTES; // a header never wraps: records are 8-byte aligned
        if (start + length <= size) {
          visitor.record(data, start, length);
        } else {
          visitor.record(joined(start, length), 0, length);
        }
        records++;
      }
      position += (HEADER_BYTES + length + 7) & ~7L;
      LONGS.setRelease(consumer, 0, position);
    }
    return records;
  }

  /** A record that wraps around the end of the data, copied into one buffer. */
  private ByteBuffer joined(int start, int length) {
    if (wrapped == null || wrapped.capacity() < length) {
      wrapped = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
    }
    int head = size - start;
    wrapped.put(0, data, start, head);
    wrapped.put(head, data, 0, length - head);
    return wrapped;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Libbpf.LibC libc = Libbpf.libc();
      libc.munmap(producerAndData, pageSize + (long) size);
      libc.munmap(consumerPage, pageSize);
    }
  }
}
