package dev.nodescope.collectors.bpf;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * The libbpf 1.x calls that open, load and attach a CO-RE object from memory and read its per-CPU
 * maps, over jnr-ffi. Debian's libbpf1 ships only {@code libbpf.so.1}, so that is the name loaded.
 * Pointer calls return NULL and set errno; int calls return a negative errno.
 */
final class TracingLibbpf {
  public interface Api {
    @SaveError
    Pointer bpf_object__open_mem(@In Pointer buffer, long size, Pointer options);

    int bpf_object__load(Pointer object);

    void bpf_object__close(Pointer object);

    Pointer bpf_object__find_program_by_name(Pointer object, String name);

    Pointer bpf_object__find_map_by_name(Pointer object, String name);

    int bpf_map__fd(Pointer map);

    /** Attaches by the program's section name (tp_btf/..., raw_tp/...); the link holds an fd. */
    @SaveError
    Pointer bpf_program__attach(Pointer program);

    int bpf_link__destroy(Pointer link);

    int libbpf_num_possible_cpus();

    int bpf_map_lookup_elem(int fd, @In Pointer key, @Out Pointer value);

    int bpf_map_lookup_batch(
        int fd,
        Pointer inBatch,
        Pointer outBatch,
        @Out Pointer keys,
        @Out Pointer values,
        IntByReference count,
        Pointer options);
  }

  static final String SONAME = "libbpf.so.1";

  private TracingLibbpf() {}

  private static final class Holder {
    static final Api API = LibraryLoader.create(Api.class).load(SONAME);
  }

  /** The binding; throws {@link UnsatisfiedLinkError} when libbpf.so.1 is not installed. */
  static Api api() {
    return Holder.API;
  }

  static Runtime runtime() {
    return Runtime.getRuntime(api());
  }

  static int lastError() {
    return runtime().getLastError();
  }
}
