package dev.nodescope.collectors.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * libbpf's object, program and link calls (libbpf 1.x, {@code libbpf.so.1}): open an ELF object
 * from memory, size its maps, load it, attach its programs and let go of them. Pointer calls return
 * null and set errno; int calls return a negative errno.
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

  int bpf_map__max_entries(Pointer map);

  int bpf_map__key_size(Pointer map);

  int bpf_map__value_size(Pointer map);

  int bpf_map__fd(Pointer map);

  @SaveError
  Pointer bpf_program__attach_cgroup(Pointer program, int cgroupFd);

  /** Attaches as the program's section says (raw_tp/NAME, tp/CATEGORY/NAME). */
  @SaveError
  Pointer bpf_program__attach(Pointer program);

  int bpf_link__destroy(Pointer link);

  int libbpf_num_possible_cpus();

  @SaveError
  int open(String path, int flags);

  int close(int fd);
}
