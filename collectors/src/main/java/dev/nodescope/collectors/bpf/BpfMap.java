package dev.nodescope.collectors.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A map of a loaded {@link BpfObject}, read from user space: whole in batches
 * (BPF_MAP_LOOKUP_BATCH, kernel 5.6), one key at a time, and deleted from by key. Values come in
 * the host's byte order. Not thread-safe: one collector thread reads it.
 */
public final class BpfMap {
  /** Entries per batch call, as Cilium reads its maps; grown when a hash bucket holds more. */
  private static final int INITIAL_BATCH = 4096;

  private final String name;
  private final int fd;
  private final int keySize;
  private final int valueSize;
  private final int capacity;
  private int batch = INITIAL_BATCH;

  /** A callback for each entry; the buffers are reused after it returns. */
  @FunctionalInterface
  public interface EntryVisitor {
    void visit(ByteBuffer key, ByteBuffer value);
  }

  BpfMap(String name, int fd, int keySize, int valueSize, int capacity) {
    this.name = name;
    this.fd = fd;
    this.keySize = keySize;
    this.valueSize = valueSize;
    this.capacity = capacity;
  }

  public String name() {
    return name;
  }

  /** max_entries as loaded. */
  public int capacity() {
    return capacity;
  }

  /** A callback for each key of a per-CPU counter map, with the sum of its CPUs' counts. */
  @FunctionalInterface
  public interface CounterVisitor {
    void visit(ByteBuffer key, long sum);
  }

  /** Visits every entry; returns how many there were. */
  public int forEach(EntryVisitor visitor) throws BpfException {
    return readAll(valueSize, visitor);
  }

  /**
   * Visits every key of a per-CPU hash whose values are u64 counters (the kernel returns one
   * 8-byte-aligned slot per possible CPU) with the sum over CPUs; returns how many keys there were.
   */
  public int forEachSummedOverCpus(CounterVisitor visitor) throws BpfException {
    int cpus = LibBpf.possibleCpus();
    int stride = (valueSize + 7) / 8 * 8;
    return readAll(
        cpus * stride,
        (key, values) -> {
          long sum = 0;
          for (int cpu = 0; cpu < cpus; cpu++) {
            sum += values.getLong(cpu * stride);
          }
          visitor.visit(key, sum);
        });
  }

  private int readAll(int entrySize, EntryVisitor visitor) throws BpfException {
    LibBpfMaps lib = LibBpf.maps();
    Runtime runtime = Runtime.getRuntime(lib);
    Pointer inBatch = Memory.allocateDirect(runtime, 8, true);
    Pointer outBatch = Memory.allocateDirect(runtime, 8, true);
    Pointer count = Memory.allocateDirect(runtime, 4, true);
    Pointer keys = Memory.allocateDirect(runtime, (long) batch * keySize);
    Pointer values = Memory.allocateDirect(runtime, (long) batch * entrySize);
    byte[] keyBytes = new byte[keySize];
    byte[] valueBytes = new byte[entrySize];
    ByteBuffer key = ByteBuffer.wrap(keyBytes).order(ByteOrder.nativeOrder());
    ByteBuffer value = ByteBuffer.wrap(valueBytes).order(ByteOrder.nativeOrder());
    int total = 0;
    boolean first = true;
    while (true) {
      count.putInt(0, batch);
      int result =
          lib.bpf_map_lookup_batch(fd, first ? null : inBatch, outBatch, keys, values, count, null);
      int errno = result < 0 ? -result : 0;
      if (errno == BpfException.ENOSPC && count.getInt(0) == 0) {
        batch *= 2;
        keys = Memory.allocateDirect(runtime, (long) batch * keySize);
        values = Memory.allocateDirect(runtime, (long) batch * entrySize);
        continue;
      }
      if (errno != 0 && errno != BpfException.ENOENT) {
        throw new BpfException("read map " + name, errno);
      }
      int read = count.getInt(0);
      for (int i = 0; i < read; i++) {
        keys.get((long) i * keySize, keyBytes, 0, keySize);
        values.get((long) i * entrySize, valueBytes, 0, entrySize);
        key.clear();
        value.clear();
        visitor.visit(key, value);
      }
      total += read;
      if (errno == BpfException.ENOENT) {
        return total;
      }
      inBatch.putLong(0, outBatch.getLong(0));
      first = false;
    }
  }

  /** Deletes one entry; false when it was not there. */
  public boolean delete(byte[] key) throws BpfException {
    LibBpfMaps lib = LibBpf.maps();
    Pointer memory = Memory.allocateDirect(Runtime.getRuntime(lib), key.length);
    memory.put(0, key, 0, key.length);
    int result = lib.bpf_map_delete_elem(fd, memory);
    if (result == -BpfException.ENOENT) {
      return false;
    }
    if (result < 0) {
      throw new BpfException("delete from map " + name, -result);
    }
    return true;
  }

  /** The sum over CPUs of a per-CPU array's 8-byte slot at {@code index}. */
  public long sumPerCpu(int index) throws BpfException {
    LibBpfMaps lib = LibBpf.maps();
    Runtime runtime = Runtime.getRuntime(lib);
    int cpus = LibBpf.possibleCpus();
    int stride = (valueSize + 7) / 8 * 8;
    Pointer key = Memory.allocateDirect(runtime, 4);
    key.putInt(0, index);
    Pointer values = Memory.allocateDirect(runtime, (long) cpus * stride, true);
    int result = lib.bpf_map_lookup_elem(fd, key, values);
    if (result < 0) {
      throw new BpfException("read map " + name, -result);
    }
    long sum = 0;
    for (int cpu = 0; cpu < cpus; cpu++) {
      sum += values.getLong((long) cpu * stride);
    }
    return sum;
  }
}
