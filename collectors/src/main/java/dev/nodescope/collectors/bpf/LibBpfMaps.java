package dev.nodescope.collectors.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/** libbpf's map calls on file descriptors that the tcp maps need (libbpf 1.x returns -errno). */
public interface LibBpfMaps {
  @SaveError
  int bpf_map_lookup_batch(
      int fd,
      Pointer inBatch,
      Pointer outBatch,
      Pointer keys,
      Pointer values,
      Pointer count,
      Pointer options);

  @SaveError
  int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

  @SaveError
  int bpf_map_delete_elem(int fd, Pointer key);
}
