package dev.nodescope.collectors.bpf;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One CO-RE object loaded into the kernel through libbpf, with the links of the programs attached
 * from it. Links are held by file descriptor and never pinned, so when the process exits, even
 * killed by SIGKILL, the kernel detaches the programs and frees the maps: nothing outlives us.
 */
public final class BpfObject implements AutoCloseable {
  /** O_RDONLY | O_DIRECTORY | O_CLOEXEC. */
  private static final int OPEN_DIRECTORY = 0x10000 | 0x80000;

  /** bpf_object_open_opts up to btf_custom_path (libbpf takes any prefix of the struct). */
  private static final int OPEN_OPTIONS_SIZE = 56;

  private static final int OPTION_OBJECT_NAME = 8;
  private static final int OPTION_BTF_PATH = 48;

  private final LibBpfObjects lib;
  private final Pointer object;

  /** Native memory libbpf may still point into (the ELF image, the option strings). */
  private final List<Pointer> keptAlive;

  private final List<Attachment> attachments = new ArrayList<>();
  private final List<Pointer> links = new ArrayList<>();
  private boolean closed;

  /** A program attached from this object: its name, the hook, and where (a path or an event). */
  public record Attachment(String program, String hook, String target) {}

  private BpfObject(LibBpfObjects lib, Pointer object, List<Pointer> keptAlive) {
    this.lib = lib;
    this.object = object;
    this.keptAlive = keptAlive;
  }

  /**
   * Opens the ELF object, sets the given maps' sizes and loads every program and map into the
   * kernel, relocating field offsets against the kernel's BTF (normally {@code
   * /sys/kernel/btf/vmlinux}).
   */
  public static BpfObject load(
      String name, byte[] elf, Path kernelBtf, Map<String, Integer> maxEntries)
      throws BpfException {
    LibBpfObjects lib = LibBpfObjects.get();
    Runtime runtime = Runtime.getRuntime(lib);
    Pointer buffer = Memory.allocateDirect(runtime, elf.length);
    buffer.put(0, elf, 0, elf.length);
    Pointer objectName = cString(runtime, name);
    Pointer btfPath = cString(runtime, kernelBtf.toString());
    Pointer options = Memory.allocateDirect(runtime, OPEN_OPTIONS_SIZE, true);
    options.putLong(0, OPEN_OPTIONS_SIZE);
    options.putPointer(OPTION_OBJECT_NAME, objectName);
    options.putPointer(OPTION_BTF_PATH, btfPath);
    Pointer object = lib.bpf_object__open_mem(buffer, elf.length, options);
    if (object == null) {
      throw new BpfException("open " + name, Runtime.getSystemRuntime().getLastError());
    }
    BpfObject opened =
        new BpfObject(lib, object, new ArrayList<>(List.of(buffer, objectName, btfPath, options)));
    try {
      for (Map.Entry<String, Integer> size : new LinkedHashMap<>(maxEntries).entrySet()) {
        int error = lib.bpf_map__set_max_entries(opened.mapPointer(size.getKey()), size.getValue());
        if (error < 0) {
          throw new BpfException("size map " + size.getKey(), -error);
        }
      }
      int error = lib.bpf_object__load(object);
      if (error < 0) {
        throw new BpfException("load " + name, -error);
      }
      return opened;
    } catch (BpfException e) {
      opened.close();
      throw e;
    }
  }

  /** Attaches a program to a cgroup v2 directory (sock_ops, cgroup/skb, ...). */
  public void attachCgroup(String program, String hook, Path cgroup) throws BpfException {
    int fd = lib.open(cgroup.toString(), OPEN_DIRECTORY);
    if (fd < 0) {
      throw new BpfException("open " + cgroup, Runtime.getSystemRuntime().getLastError());
    }
    try {
      Pointer link = lib.bpf_program__attach_cgroup(programPointer(program), fd);
      if (link == null) {
        throw new BpfException(
            "attach " + program + " to " + cgroup, Runtime.getSystemRuntime().getLastError());
      }
      links.add(link);
      attachments.add(new Attachment(program, hook, cgroup.toString()));
    } finally {
      lib.close(fd);
    }
  }

  /** Attaches a program where its section names (raw_tp/EVENT, tp/CATEGORY/EVENT). */
  public void attach(String program, String hook, String target) throws BpfException {
    Pointer link = lib.bpf_program__attach(programPointer(program));
    if (link == null) {
      throw new BpfException(
          "attach " + program + " to " + target, Runtime.getSystemRuntime().getLastError());
    }
    links.add(link);
    attachments.add(new Attachment(program, hook, target));
  }

  public List<Attachment> attachments() {
    return List.copyOf(attachments);
  }

  /**
   * A map of this object for user space, on its own (duplicated) descriptor, which the caller
   * closes.
   */
  public BpfMap map(String name) throws BpfException {
    int fd = lib.dup(lib.bpf_map__fd(mapPointer(name)));
    if (fd < 0) {
      throw new BpfException("dup map " + name, Runtime.getSystemRuntime().getLastError());
    }
    return BpfMap.adopt(fd, name);
  }

  private Pointer mapPointer(String name) throws BpfException {
    Pointer map = lib.bpf_object__find_map_by_name(object, name);
    if (map == null) {
      throw new BpfException("find map " + name, BpfException.ENOENT);
    }
    return map;
  }

  private Pointer programPointer(String name) throws BpfException {
    Pointer program = lib.bpf_object__find_program_by_name(object, name);
    if (program == null) {
      throw new BpfException("find program " + name, BpfException.ENOENT);
    }
    return program;
  }

  private static Pointer cString(Runtime runtime, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Pointer memory = Memory.allocateDirect(runtime, bytes.length + 1, true);
    memory.put(0, bytes, 0, bytes.length);
    return memory;
  }

  /** Detaches every program (destroying its link) and frees the object's programs and maps. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Pointer link : links) {
      lib.bpf_link__destroy(link);
    }
    links.clear();
    lib.bpf_object__close(object);
    keptAlive.clear();
  }
}
