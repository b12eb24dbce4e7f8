package dev.nodescope.collectors.bpf;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One BPF map, owning its file descriptor: created here, or opened from a pin in a BPF filesystem.
 * Reads every entry with batch lookups ({@code BPF_MAP_LOOKUP_BATCH}, Linux 5.6+) in chunks of
 * {@value #BATCH_ENTRIES}, reusing one pair of native buffers, so a full read allocates nothing per
 * entry. Not thread-safe: one reader at a time.
 */
public final class BpfMap implements AutoCloseable {
  /** The chunk Cilium's own {@code Count()} uses. */
  public static final int BATCH_ENTRIES = 4096;

  /** {@code BPF_F_RDONLY}: a file descriptor on which the kernel refuses every write. */
  private static final int BPF_F_RDONLY = 1 << 3;

  private static final int BPF_OBJ_GET = 7;
  private static final int BPF_MAP_INFO_BYTES = 88;
  private static final int CREATE_OPTS_BYTES = 48;
  private static final int BATCH_OPTS_BYTES = 24;

  /** Receives the entries of a read, one at a time, as slices of the chunk's buffers. */
  @FunctionalInterface
  public interface EntryVisitor {
    /**
     * The key is at keyOffset in keys and the value at valueOffset in values; both buffers are in
     * native byte order and are reused after the call returns.
     */
    void entry(ByteBuffer keys, int keyOffset, ByteBuffer values, int valueOffset);
  }

  /** Receives each key of a per-CPU counter map with the sum of its CPUs' u64 counts. */
  @FunctionalInterface
  public interface CounterVisitor {
    void counter(ByteBuffer keys, int keyOffset, long sum);
  }

  private final Libbpf libbpf;
  private final int fd;
  private final String label;
  private final BpfMapInfo info;
  private final byte[] batchOpts =
      ByteBuffer.allocate(BATCH_OPTS_BYTES)
          .order(ByteOrder.nativeOrder())
          .putLong(0, BATCH_OPTS_BYTES)
          .array();

  /**
   * Bytes of one entry's value in a read: the value, or for a per-CPU map one 8-byte-aligned slot
   * per possible CPU.
   */
  private int valueStride;

  private int chunk = BATCH_ENTRIES;
  private ByteBuffer keys;
  private ByteBuffer values;
  private ByteBuffer inBatch;
  private ByteBuffer outBatch;
  private ByteBuffer keysToDelete;
  private boolean closed;

  private BpfMap(Libbpf libbpf, int fd, String label) throws BpfException {
    this.libbpf = libbpf;
    this.fd = fd;
    this.label = label;
    try {
      this.info = readInfo();
    } catch (BpfException e) {
      Libbpf.libc().close(fd);
      throw e;
    }
  }

  /**
   * Creates a map ({@code bpf_map_create}); name is at most 15 characters, flags are {@code
   * map_flags} (0 for none).
   */
  public static BpfMap create(
      int type, String name, int keySize, int valueSize, int maxEntries, int flags)
      throws BpfException {
    Libbpf libbpf = Libbpf.get();
    byte[] opts =
        ByteBuffer.allocate(CREATE_OPTS_BYTES)
            .order(ByteOrder.nativeOrder())
            .putLong(0, CREATE_OPTS_BYTES)
            .putInt(28, flags)
            .array();
    int fd = libbpf.bpf_map_create(type, name, keySize, valueSize, maxEntries, opts);
    if (fd < 0) {
      throw new BpfException("bpf_map_create " + name, -fd);
    }
    return new BpfMap(libbpf, fd, name);
  }

  /** Opens a pinned map for reading and writing ({@code bpf_obj_get}). */
  public static BpfMap openPinned(Path pin) throws BpfException {
    Libbpf libbpf = Libbpf.get();
    int fd = libbpf.bpf_obj_get(pin.toString());
    if (fd < 0) {
      throw new BpfException("bpf_obj_get " + pin, -fd);
    }
    return new BpfMap(libbpf, fd, pin.toString());
  }

  /**
   * Opens a pinned map read-only ({@code BPF_OBJ_GET} with {@code BPF_F_RDONLY}): the kernel itself
   * refuses updates and deletes through this descriptor, so a map owned by another program
   * (Cilium's, say) cannot be changed by mistake.
   */
  public static BpfMap openPinnedReadOnly(Path pin) throws BpfException {
    Libbpf libbpf = Libbpf.get();
    byte[] path = pin.toString().getBytes(StandardCharsets.UTF_8);
    Pointer name = Memory.allocateDirect(Runtime.getSystemRuntime(), path.length + 1, true);
    name.put(0, path, 0, path.length);
    long fd;
    int errno;
    try {
      byte[] attr =
          ByteBuffer.allocate(24)
              .order(ByteOrder.nativeOrder())
              .putLong(0, name.address())
              .putInt(12, BPF_F_RDONLY)
              .array();
      fd = Libbpf.libc().syscall(bpfSyscallNumber(), BPF_OBJ_GET, attr, attr.length);
      errno = Runtime.getSystemRuntime().getLastError();
    } finally {
      Reference.reachabilityFence(name); // the kernel reads the path through name's address
    }
    if (fd < 0) {
      throw new BpfException("bpf_obj_get (read-only) " + pin, errno);
    }
    return new BpfMap(libbpf, (int) fd, pin.toString());
  }

  /**
   * Takes ownership of a map file descriptor obtained elsewhere (a dup of the descriptor of a map
   * of a loaded {@link BpfObject}); closes it if the map's info cannot be read.
   */
  public static BpfMap adopt(int fd, String label) throws BpfException {
    return new BpfMap(Libbpf.get(), fd, label);
  }

  private static long bpfSyscallNumber() {
    return switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> 321;
      case "aarch64", "arm64" -> 280;
      default ->
          throw new UnsupportedOperationException(
              "bpf(2) syscall number unknown on " + System.getProperty("os.arch"));
    };
  }

  public BpfMapInfo info() {
    return info;
  }

  public int fd() {
    return fd;
  }

  /** Pins the map at a path inside a BPF filesystem ({@code bpf_obj_pin}). */
  public void pin(Path path) throws BpfException {
    check(libbpf.bpf_obj_pin(fd, path.toString()), "bpf_obj_pin " + path);
  }

  /** Copies the value of key into value; false when the key is absent. */
  public boolean lookup(byte[] key, byte[] value) throws BpfException {
    checkSizes(key, value);
    int rc = libbpf.bpf_map_lookup_elem(fd, key, value);
    if (rc == -BpfException.ENOENT) {
      return false;
    }
    check(rc, "bpf_map_lookup_elem");
    return true;
  }

  /** flags: BPF_ANY (0), BPF_NOEXIST (1) or BPF_EXIST (2). */
  public void update(byte[] key, byte[] value, long flags) throws BpfException {
    checkSizes(key, value);
    check(libbpf.bpf_map_update_elem(fd, key, value, flags), "bpf_map_update_elem");
  }

  /** Deletes key; false when it was absent. */
  public boolean delete(byte[] key) throws BpfException {
    checkSizes(key, null);
    int rc = libbpf.bpf_map_delete_elem(fd, key);
    if (rc == -BpfException.ENOENT) {
      return false;
    }
    check(rc, "bpf_map_delete_elem");
    return true;
  }

  /**
   * Deletes the given keys with one batch call per {@link #BATCH_ENTRIES} keys (a closed socket's
   * row, an idle counter: one system call per key adds up on a busy node); returns how many were
   * present. An absent key is skipped.
   */
  public int deleteAll(Collection<byte[]> toDelete) throws BpfException {
    if (keysToDelete == null) {
      keysToDelete = ByteBuffer.allocateDirect(BATCH_ENTRIES * info.keySize());
    }
    int deleted = 0;
    Iterator<byte[]> next = toDelete.iterator();
    int[] count = new int[1];
    while (next.hasNext()) {
      keysToDelete.clear();
      int n = 0;
      for (; n < BATCH_ENTRIES && next.hasNext(); n++) {
        byte[] key = next.next();
        checkSizes(key, null);
        keysToDelete.put(key);
      }
      for (int from = 0; from < n; ) {
        count[0] = n - from;
        int rc =
            libbpf.bpf_map_delete_batch(
                fd, keysToDelete.position(from * info.keySize()).slice(), count, batchOpts);
        deleted += count[0];
        from += count[0];
        if (rc == -BpfException.ENOENT) {
          from++; // the key at from was absent
        } else {
          check(rc, "bpf_map_delete_batch " + label);
          break;
        }
      }
    }
    return deleted;
  }

  /**
   * Visits every entry, in chunks of batch lookups; returns how many were visited. A hash map that
   * changes during the read may show an entry twice or not at all, as with any BPF map walk. A
   * bucket larger than the chunk (ENOSPC) doubles the chunk and retries.
   */
  public long forEach(EntryVisitor visitor) throws BpfException {
    ensureBuffers();
    long visited = 0;
    boolean first = true;
    int[] count = new int[1];
    while (true) {
      count[0] = chunk;
      int rc =
          libbpf.bpf_map_lookup_batch(
              fd, first ? null : inBatch, outBatch, keys, values, count, batchOpts);
      boolean end = rc == -BpfException.ENOENT;
      if (rc == -BpfException.ENOSPC && count[0] == 0) {
        chunk *= 2;
        allocateChunk();
        continue;
      }
      if (rc < 0 && !end) {
        check(rc, "bpf_map_lookup_batch " + label);
      }
      int n = count[0];
      for (int i = 0; i < n; i++) {
        visitor.entry(keys, i * info.keySize(), values, i * valueStride);
      }
      visited += n;
      if (end) {
        return visited;
      }
      first = false;
      ByteBuffer next = inBatch;
      inBatch = outBatch;
      outBatch = next;
    }
  }

  /**
   * Reads every entry of a per-CPU map whose values are u64 counters, with each key's sum over the
   * CPUs; returns how many entries there were.
   */
  public long forEachSummedOverCpus(CounterVisitor visitor) throws BpfException {
    if (!info.perCpu()) {
      throw new IllegalStateException(label + " is not a per-CPU map");
    }
    ensureBuffers();
    int slot = slotBytes();
    int cpus = valueStride / slot;
    return forEach(
        (keyBuffer, keyOffset, valueBuffer, valueOffset) -> {
          long sum = 0;
          for (int cpu = 0; cpu < cpus; cpu++) {
            sum += valueBuffer.getLong(valueOffset + cpu * slot);
          }
          visitor.counter(keyBuffer, keyOffset, sum);
        });
  }

  private int slotBytes() {
    return (info.valueSize() + 7) / 8 * 8;
  }

  private void ensureBuffers() {
    if (keys != null) {
      return;
    }
    valueStride =
        info.perCpu() ? libbpf.libbpf_num_possible_cpus() * slotBytes() : info.valueSize();
    allocateChunk();
    // The batch token of hash maps is a u32 bucket index; arrays use a key. Room for either.
    int token = Math.max(8, info.keySize());
    inBatch = ByteBuffer.allocateDirect(token);
    outBatch = ByteBuffer.allocateDirect(token);
  }

  private void allocateChunk() {
    keys = ByteBuffer.allocateDirect(chunk * info.keySize()).order(ByteOrder.nativeOrder());
    values = ByteBuffer.allocateDirect(chunk * valueStride).order(ByteOrder.nativeOrder());
  }

  private BpfMapInfo readInfo() throws BpfException {
    byte[] raw = new byte[BPF_MAP_INFO_BYTES];
    int[] length = {raw.length};
    check(libbpf.bpf_obj_get_info_by_fd(fd, raw, length), "bpf_obj_get_info_by_fd " + label);
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
    int nameEnd = 24;
    while (nameEnd < 40 && raw[nameEnd] != 0) {
      nameEnd++;
    }
    return new BpfMapInfo(
        b.getInt(0),
        b.getInt(4),
        b.getInt(8),
        b.getInt(12),
        b.getInt(16),
        b.getInt(20),
        new String(raw, 24, nameEnd - 24, StandardCharsets.UTF_8));
  }

  private void checkSizes(byte[] key, byte[] value) {
    if (key.length != info.keySize() || (value != null && value.length != info.valueSize())) {
      throw new IllegalArgumentException(
          label
              + " takes "
              + info.keySize()
              + "-byte keys and "
              + info.valueSize()
              + "-byte values");
    }
  }

  private static void check(int rc, String what) throws BpfException {
    if (rc < 0) {
      throw new BpfException(what, -rc);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Libbpf.libc().close(fd);
    }
  }
}
