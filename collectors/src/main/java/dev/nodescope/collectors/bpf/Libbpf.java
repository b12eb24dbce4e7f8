package dev.nodescope.collectors.bpf;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;

/**
 * The map calls of libbpf 1.x, bound with jnr-ffi over {@code libbpf.so.1} (loaded by its soname:
 * images carry the runtime package only, without the {@code libbpf.so} link of libbpf-dev). In
 * libbpf 1.x every int call returns a negative errno on failure and also sets errno.
 */
public interface Libbpf {
  @SaveError
  int bpf_obj_get(String pathname);

  @SaveError
  int bpf_obj_pin(int fd, String pathname);

  /** opts: {@code struct bpf_map_create_opts}, or null. */
  @SaveError
  int bpf_map_create(
      int mapType, String mapName, int keySize, int valueSize, int maxEntries, @In byte[] opts);

  /**
   * inBatch is null on the first call; count is in/out; opts: {@code struct bpf_map_batch_opts
   * {size_t sz; u64 elem_flags; u64 flags}}.
   */
  @SaveError
  int bpf_map_lookup_batch(
      int fd,
      ByteBuffer inBatch,
      ByteBuffer outBatch,
      ByteBuffer keys,
      ByteBuffer values,
      int[] count,
      @In byte[] opts);

  /** keys laid end to end; count is in/out (how many were deleted before an error). */
  @SaveError
  int bpf_map_delete_batch(int fd, ByteBuffer keys, int[] count, @In byte[] opts);

  @SaveError
  int bpf_map_lookup_elem(int fd, @In byte[] key, @Out byte[] value);

  @SaveError
  int bpf_map_update_elem(int fd, @In byte[] key, @In byte[] value, long flags);

  @SaveError
  int bpf_map_delete_elem(int fd, @In byte[] key);

  /** key null gives the first key; -ENOENT after the last. */
  @SaveError
  int bpf_map_get_next_key(int fd, @In byte[] key, @Out byte[] nextKey);

  /** info: a {@code struct bpf_map_info} (or prog/link info); infoLen is in/out. */
  @SaveError
  int bpf_obj_get_info_by_fd(int fd, @Out byte[] info, int[] infoLen);

  /** CPUs the kernel may ever bring up: a per-CPU map holds one value slot for each. */
  int libbpf_num_possible_cpus();

  /** The library, loaded once per JVM; an UnsatisfiedLinkError when libbpf.so.1 is missing. */
  static Libbpf get() {
    return Holder.LIBBPF;
  }

  /**
   * libc's close and syscall, for file descriptors and the BPF commands libbpf 1.1 lacks; mmap for
   * ring buffers.
   */
  interface LibC {
    int close(int fd);

    /** MAP_FAILED ((void *) -1) on failure. */
    @SaveError
    Pointer mmap64(
        Pointer addr, @size_t long length, int prot, int flags, int fd, @off_t long offset);

    int munmap(Pointer addr, @size_t long length);

    int getpagesize();

    @SaveError
    long syscall(long number, int cmd, @In byte[] attr, int size);
  }

  static LibC libc() {
    return Holder.LIBC;
  }

  /** Lazy holder: the libraries load on first use, not when the interface is touched. */
  final class Holder {
    static final Libbpf LIBBPF = LibraryLoader.create(Libbpf.class).load("libbpf.so.1");
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private Holder() {}
  }
}
