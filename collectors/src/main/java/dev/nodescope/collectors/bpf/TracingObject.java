package dev.nodescope.collectors.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A CO-RE object from the agent's resources, loaded into the kernel with its tracing programs
 * attached. The links are held by file descriptor and never pinned, so they, the programs and the
 * maps go when {@link #close} runs or the process dies, even by SIGKILL.
 */
public final class TracingObject implements AutoCloseable {
  private final Pointer object;
  private final List<Pointer> links = new ArrayList<>();

  private TracingObject(Pointer object) {
    this.object = object;
  }

  /**
   * Opens the object at this classpath resource, loads it (CO-RE relocations against the running
   * kernel's BTF, then the verifier) and attaches the named programs by their section names.
   *
   * @throws BpfException with the step and errno when any of that fails (no CAP_BPF, a kernel
   *     without the hook, a verifier refusal), having released whatever was made
   */
  public static TracingObject load(String resource, String... programs) throws IOException {
    byte[] bytes;
    try (InputStream in = TracingObject.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("missing resource " + resource);
      }
      bytes = in.readAllBytes();
    }
    TracingLibbpf.Api libbpf;
    try {
      libbpf = TracingLibbpf.api();
    } catch (UnsatisfiedLinkError e) {
      throw new BpfException(TracingLibbpf.SONAME + " not found (Debian libbpf1)", 0);
    }
    Pointer buffer = Memory.allocateDirect(TracingLibbpf.runtime(), bytes.length);
    buffer.put(0, bytes, 0, bytes.length);
    Pointer object = libbpf.bpf_object__open_mem(buffer, bytes.length, null);
    if (object == null) {
      throw new BpfException("open " + resource, TracingLibbpf.lastError());
    }
    TracingObject loaded = new TracingObject(object);
    try {
      int error = libbpf.bpf_object__load(object);
      if (error < 0) {
        throw new BpfException("load " + resource, -error);
      }
      for (String name : programs) {
        Pointer program = libbpf.bpf_object__find_program_by_name(object, name);
        if (program == null) {
          throw new IOException(resource + " has no program " + name);
        }
        Pointer link = libbpf.bpf_program__attach(program);
        if (link == null) {
          throw new BpfException("attach " + name, TracingLibbpf.lastError());
        }
        loaded.links.add(link);
      }
      return loaded;
    } catch (IOException | RuntimeException e) {
      loaded.close();
      throw e;
    }
  }

  /** The file descriptor of a map of this object, for reading it. */
  public int mapFd(String name) throws IOException {
    Pointer map = TracingLibbpf.api().bpf_object__find_map_by_name(object, name);
    if (map == null) {
      throw new IOException("no map " + name);
    }
    return TracingLibbpf.api().bpf_map__fd(map);
  }

  /** Detaches the programs, then frees the programs and maps. */
  @Override
  public void close() {
    TracingLibbpf.Api libbpf = TracingLibbpf.api();
    links.forEach(libbpf::bpf_link__destroy);
    links.clear();
    libbpf.bpf_object__close(object);
  }
}
