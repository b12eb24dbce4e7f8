package dev.nodescope.collectors.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Reads a per-CPU map whose values are u64 counters, summing each key's slots over the possible
 * CPUs. Hash maps are read with {@code BPF_MAP_LOOKUP_BATCH} (kernel 5.6+) in chunks, so one read
 * costs a few system calls whatever the map holds.
 */
public final class PerCpuCounters {
  private static final int ENOENT = 2;
  private static final int ENOSPC = 28;
  private static final int CHUNK = 1024;

  /** One key and its sum over CPUs. */
  public interface Visitor {
    void visit(ByteBuffer key, long sum);
  }

  private final int fd;
  private final int keySize;
  private final int cpus;

  public PerCpuCounters(int fd, int keySize) {
    this.fd = fd;
    this.keySize = keySize;
    this.cpus = TracingLibbpf.api().libbpf_num_possible_cpus();
  }

  /** Visits every key of a per-CPU hash map (its key bytes in native order) with its sum. */
  public void forEach(Visitor visitor) throws IOException {
    TracingLibbpf.Api libbpf = TracingLibbpf.api();
    jnr.ffi.Runtime runtime = TracingLibbpf.runtime();
    int chunk = CHUNK;
    Pointer inBatch = null;
    Pointer outBatch = Memory.allocateDirect(runtime, 8);
    while (true) {
      Pointer keys = Memory.allocateDirect(runtime, (long) chunk * keySize);
      Pointer values = Memory.allocateDirect(runtime, (long) chunk * cpus * Long.BYTES);
      IntByReference count = new IntByReference(chunk);
      int result = libbpf.bpf_map_lookup_batch(fd, inBatch, outBatch, keys, values, count, null);
      int errno = result < 0 ? -result : 0;
      if (errno == ENOSPC && count.intValue() == 0) {
        chunk *= 2; // one hash bucket holds more keys than the chunk
        continue;
      }
      if (errno != 0 && errno != ENOENT) {
        throw new BpfException("batch lookup of map fd " + fd, errno);
      }
      for (int i = 0; i < count.intValue(); i++) {
        byte[] key = new byte[keySize];
        keys.get((long) i * keySize, key, 0, keySize);
        long sum = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
          sum += values.getLong(((long) i * cpus + cpu) * Long.BYTES);
        }
        visitor.visit(ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()), sum);
      }
      if (errno == ENOENT) {
        return;
      }
      if (inBatch == null) {
        inBatch = Memory.allocateDirect(runtime, 8);
      }
      inBatch.putLong(0, outBatch.getLong(0));
    }
  }

  /** The sum over CPUs of one key of a per-CPU array. */
  public long sum(int index) throws IOException {
    jnr.ffi.Runtime runtime = TracingLibbpf.runtime();
    Pointer key = Memory.allocateDirect(runtime, 4);
    key.putInt(0, index);
    Pointer values = Memory.allocateDirect(runtime, (long) cpus * Long.BYTES);
    int result = TracingLibbpf.api().bpf_map_lookup_elem(fd, key, values);
    if (result < 0) {
      throw new BpfException("lookup of map fd " + fd, -result);
    }
    long sum = 0;
    for (int cpu = 0; cpu < cpus; cpu++) {
      sum += values.getLong((long) cpu * Long.BYTES);
    }
    return sum;
  }
}
