package dev.nodescope.collectors.bpf;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The process's one binding of {@code libbpf.so.1} (Debian's libbpf1, which ships no {@code
 * libbpf.so} link), loaded on first use.
 */
public final class LibBpf {
  private LibBpf() {}

  private static final class Holder {
    static final LibBpfObjects OBJECTS =
        LibraryLoader.create(LibBpfObjects.class).library("libbpf.so.1").library("c").load();
    static final LibBpfMaps MAPS =
        LibraryLoader.create(LibBpfMaps.class).library("libbpf.so.1").load();
    static final int POSSIBLE_CPUS = OBJECTS.libbpf_num_possible_cpus();
  }

  /** The object calls; throws {@link BpfException} (ENOENT) when libbpf.so.1 is not installed. */
  public static LibBpfObjects objects() throws BpfException {
    try {
      return Holder.OBJECTS;
    } catch (LinkageError e) {
      throw missing(e);
    }
  }

  public static LibBpfMaps maps() throws BpfException {
    try {
      return Holder.MAPS;
    } catch (LinkageError e) {
      throw missing(e);
    }
  }

  /** CPUs the kernel may bring up: the number of slots in a per-CPU map value. */
  public static int possibleCpus() throws BpfException {
    try {
      return Holder.POSSIBLE_CPUS;
    } catch (LinkageError e) {
      throw missing(e);
    }
  }

  static int lastError() {
    return Runtime.getSystemRuntime().getLastError();
  }

  private static BpfException missing(LinkageError e) {
    BpfException missing =
        new BpfException("load libbpf.so.1 (" + e.getMessage() + ")", BpfException.ENOENT);
    missing.initCause(e);
    return missing;
  }
}
