package dev.nodescope.collectors.bpf;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * libbpf's object, program and link calls (libbpf 1.x, {@code libbpf.so.1}, beside the map calls of
 * {@link Libbpf}): open an ELF object from memory, size its maps, load it, attach its programs and
 * let go of them; and libc's open, dup and close for the cgroup and map descriptors. Pointer calls
 * return null and set errno; int calls return a negative errno.
 */
public interface LibBpfObjects {
  @SaveError
  Pointer bpf_object__open_mem(Pointer buffer, @size_t long size, Pointer options);

  @SaveError
  int bpf_object__load(Pointer object);

  void bpf_object__close(Pointer object);

  Pointer bpf_object__find_map_by_name(Pointer object, String name);

  Pointer bpf_object__find_program_by_name(Pointer object, String name);

  int bpf_map__set_max_entries(Pointer map, int maxEntries);

  int bpf_map__fd(Pointer map);

  @SaveError
  Pointer bpf_program__attach_cgroup(Pointer program, int cgroupFd);

  /** Attaches as the program's section says (raw_tp/NAME, tp/CATEGORY/NAME). */
  @SaveError
  Pointer bpf_program__attach(Pointer program);

  int bpf_link__destroy(Pointer link);

  @SaveError
  int open(String path, int flags);

  @SaveError
  int dup(int fd);

  int close(int fd);

  /**
   * The binding, loaded once per JVM; throws {@link BpfException} (ENOENT) when libbpf.so.1 is not
   * installed.
   */
  static LibBpfObjects get() throws BpfException {
    try {
      return Holder.OBJECTS;
    } catch (LinkageError e) {
      BpfException missing =
          new BpfException("load libbpf.so.1 (" + e.getMessage() + ")", BpfException.ENOENT);
      missing.initCause(e);
      throw missing;
    }
  }

  /** Lazy holder: the libraries load on first use, not when the interface is touched. */
  final class Holder {
    static final LibBpfObjects OBJECTS =
        LibraryLoader.create(LibBpfObjects.class).library("libbpf.so.1").library("c").load();

    private Holder() {}
  }
}
