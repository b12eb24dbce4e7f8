package dev.nodescope.collectors.conntrack;

import dev.nodescope.collectors.bpf.BpfMap;
import dev.nodescope.collectors.bpf.BpfMapInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cilium's connection table, read from its pinned global conntrack maps ({@code cilium_ct4_global},
 * {@code cilium_ct_any4_global} and the IPv6 pair) through read-only descriptors: the kernel
 * refuses any write through them, so Cilium's maps are never changed.
 *
 * <p>Each dump re-opens the pins (Cilium re-creates its maps on upgrades and resizes) and checks
 * their sizes against the 14/38-byte key and 56-byte value it decodes: anything else fails the dump
 * with a clear message rather than decoding bytes it does not understand.
 *
 * <p>What is counted: one entry per connection. Service entries (the load balancer's own record of
 * a connection that has its own entry as well) are not counted. A connection between two endpoints
 * of this node has an OUT entry (at the client's egress) and an IN entry (at the server's ingress);
 * only the OUT entry counts. Closing entries (a FIN or RST seen: Cilium keeps them for its close
 * timeout) are handed over once as DESTROY events, so they count but not as active. Entries
 * Cilium's garbage collector removes between two dumps keep what they counted up to the last dump
 * that saw them.
 */
public final class CiliumConntrackSource implements ConntrackSource {
  private static final Logger LOG = LoggerFactory.getLogger(CiliumConntrackSource.class);

  /** Where Cilium pins its maps: its BPF filesystem root and {@code tc/globals}. */
  public static final String DEFAULT_DIRECTORY = "/sys/fs/bpf/tc/globals";

  static final List<String> CT_MAPS =
      List.of(
          "cilium_ct4_global",
          "cilium_ct_any4_global",
          "cilium_ct6_global",
          "cilium_ct_any6_global");

  static final String REV_NAT4 = "cilium_lb4_reverse_nat";
  static final String REV_NAT6 = "cilium_lb6_reverse_nat";

  private final Path directory;
  private final CiliumCtLayout layout;
  private final Map<String, BpfMap> maps = new LinkedHashMap<>();
  private final LongSet outgoing = new LongSet();
  private final Stash incoming = new Stash();
  private final List<ConntrackEntry> closed = new ArrayList<>();
  private final Set<String> reverseNatProblems = new HashSet<>();
  private LongSet closedReported = new LongSet();
  private LongSet closedNow = new LongSet();
  private long entries;
  private long countedEntries;
  private Boolean accounting;

  private CiliumConntrackSource(Path directory, CiliumCtLayout layout) {
    this.directory = directory;
    this.layout = layout;
  }

  /** Whether any of Cilium's conntrack maps is pinned in the directory. */
  public static boolean pinnedIn(Path directory) {
    return CT_MAPS.stream().anyMatch(name -> Files.exists(directory.resolve(name)));
  }

  /**
   * Opens the maps pinned in the directory; an IOException says why they cannot be read (none
   * pinned, no CAP_BPF, sizes other than the layouts'), in words meant for the log.
   */
  public static CiliumConntrackSource open(Path directory, CiliumCtLayout layout)
      throws IOException {
    CiliumConntrackSource source = new CiliumConntrackSource(directory, layout);
    try {
      source.refresh();
    } catch (IOException | RuntimeException e) {
      source.close();
      throw e;
    }
    if (layout == CiliumCtLayout.FROM_1_16) {
      LOG.info(
          "Cilium 1.16 and later count both directions of a connection in one sum: flow byte and "
              + "packet series from Cilium stay 0, connection counts are exported");
    }
    return source;
  }

  @Override
  public String name() {
    return "cilium";
  }

  public CiliumCtLayout layout() {
    return layout;
  }

  /**
   * Whether Cilium's conntrack accounting ({@code bpf-conntrack-accounting}) is on, as the last
   * dump saw it: with it off every counter of every entry is 0 (with it on, an entry counts the
   * packet that made it). Empty before a dump that found an entry.
   */
  public Optional<Boolean> accountingEnabled() {
    return Optional.ofNullable(accounting);
  }

  @Override
  public void dump(Consumer<ConntrackView> sink) throws IOException {
    refresh();
    closed.clear();
    closedNow.clear();
    entries = 0;
    countedEntries = 0;
    for (Map.Entry<String, BpfMap> named : maps.entrySet()) {
      BpfMap map = named.getValue();
      int keyBytes = map.info().keySize();
      Map<Integer, CiliumCtDecoder.Frontend> frontends =
          reverseNat(keyBytes == CiliumCtDecoder.KEY4_BYTES ? REV_NAT4 : REV_NAT6, keyBytes);
      outgoing.clear();
      incoming.clear();
      map.forEach(
          (keys, key, values, value) -> {
            int flags = CiliumCtDecoder.flags(keys, key, keyBytes);
            if ((flags & CiliumCtDecoder.TUPLE_F_SERVICE) != 0) {
              return;
            }
            entries++;
            if (CiliumCtDecoder.counted(values, value)) {
              countedEntries++;
            }
            if ((flags & CiliumCtDecoder.TUPLE_F_IN) != 0) {
              incoming.add(keys, key, keyBytes, values, value);
              return;
            }
            outgoing.add(CiliumCtDecoder.identity(keys, key, keyBytes, true));
            emit(keys, key, keyBytes, values, value, frontends, sink);
          });
      ByteBuffer keys = incoming.keys();
      ByteBuffer values = incoming.values();
      for (int i = 0; i < incoming.size(); i++) {
        int key = i * keyBytes;
        int value = i * CiliumCtDecoder.VALUE_BYTES;
        if (!outgoing.contains(CiliumCtDecoder.identity(keys, key, keyBytes, true))) {
          emit(keys, key, keyBytes, values, value, frontends, sink);
        }
      }
    }
    LongSet previous = closedReported;
    closedReported = closedNow;
    closedNow = previous;
    noteAccounting();
  }

  private void emit(
      ByteBuffer keys,
      int key,
      int keyBytes,
      ByteBuffer values,
      int value,
      Map<Integer, CiliumCtDecoder.Frontend> frontends,
      Consumer<ConntrackView> sink) {
    int revNat = CiliumCtDecoder.revNatIndex(values, value);
    CiliumCtDecoder.Frontend frontend = revNat == 0 ? null : frontends.get(revNat);
    if (CiliumCtDecoder.closing(values, value)) {
      long id = CiliumCtDecoder.identity(keys, key, keyBytes, false);
      closedNow.add(id);
      if (!closedReported.contains(id)) {
        closed.add(
            CiliumCtDecoder.decode(
                ConntrackEntry.Event.DESTROY,
                keys,
                key,
                keyBytes,
                values,
                value,
                layout,
                frontend));
      }
      return;
    }
    sink.accept(
        CiliumCtDecoder.decode(
            ConntrackEntry.Event.DUMP, keys, key, keyBytes, values, value, layout, frontend));
  }

  private void noteAccounting() {
    if (entries == 0) {
      return;
    }
    boolean on = countedEntries > 0;
    if (!on && !Boolean.FALSE.equals(accounting)) {
      LOG.warn(
          "Cilium's conntrack accounting is off ({} entries, all counters 0): flow byte and packet "
              + "series from Cilium stay 0, connection counts are exported; turn it on with "
              + "cilium-agent --bpf-conntrack-accounting=true (Helm bpf.ctAccounting=true)",
          entries);
    }
    accounting = on;
  }

  /**
   * Re-opens every pin, keeps the descriptors of maps that are still the same map (same id), and
   * checks any new one before it is read.
   */
  private void refresh() throws IOException {
    for (String name : CT_MAPS) {
      Path pin = directory.resolve(name);
      BpfMap held = maps.get(name);
      if (!Files.exists(pin)) {
        if (held != null) {
          held.close();
          maps.remove(name);
        }
        continue;
      }
      BpfMap fresh = BpfMap.openPinnedReadOnly(pin);
      if (held != null && held.info().id() == fresh.info().id()) {
        fresh.close();
        continue;
      }
      try {
        check(
            pin,
            fresh.info(),
            name.contains("6") ? CiliumCtDecoder.KEY6_BYTES : CiliumCtDecoder.KEY4_BYTES);
      } catch (IOException e) {
        fresh.close();
        throw e;
      }
      if (held != null) {
        held.close();
      }
      maps.put(name, fresh);
    }
    if (maps.isEmpty()) {
      throw new IOException(
          "no Cilium conntrack map (" + String.join(", ", CT_MAPS) + ") is pinned in " + directory);
    }
  }

  private static void check(Path pin, BpfMapInfo info, int keyBytes) throws IOException {
    boolean hash = info.type() == BpfMapInfo.TYPE_LRU_HASH || info.type() == BpfMapInfo.TYPE_HASH;
    if (!hash || info.keySize() != keyBytes || info.valueSize() != CiliumCtDecoder.VALUE_BYTES) {
      throw new IOException(
          "Cilium map "
              + pin
              + " is of type "
              + info.type()
              + " with "
              + info.keySize()
              + "-byte keys and "
              + info.valueSize()
              + "-byte values, not a hash of "
              + keyBytes
              + "-byte keys and "
              + CiliumCtDecoder.VALUE_BYTES
              + "-byte values as the conntrack layouts Nodescope reads: refusing to guess");
    }
  }

  /**
   * The Service frontends by reverse-NAT index, from Cilium's {@code cilium_lb*_reverse_nat} map
   * (key: the index, big-endian u16; value: frontend address and big-endian port). Empty, said once
   * in the log, when the map is absent or not of that layout: Services are then named from the
   * addresses the connections went to, as with netfilter.
   */
  private Map<Integer, CiliumCtDecoder.Frontend> reverseNat(String name, int keyBytes) {
    Path pin = directory.resolve(name);
    int addressBytes = CiliumCtDecoder.addressBytes(keyBytes);
    Map<Integer, CiliumCtDecoder.Frontend> frontends = new HashMap<>();
    if (!Files.exists(pin)) {
      reverseNatProblem(name, pin + " is not pinned");
      return frontends;
    }
    try (BpfMap map = BpfMap.openPinnedReadOnly(pin)) {
      BpfMapInfo info = map.info();
      if (info.keySize() != 2 || info.valueSize() != addressBytes + 2) {
        reverseNatProblem(
            name,
            pin
                + " has "
                + info.keySize()
                + "-byte keys and "
                + info.valueSize()
                + "-byte values, not 2 and "
                + (addressBytes + 2));
        return frontends;
      }
      map.forEach(
          (keys, key, values, value) -> {
            byte[] address = new byte[addressBytes];
            values.get(value, address);
            int port =
                ((values.get(value + addressBytes) & 0xff) << 8)
                    | (values.get(value + addressBytes + 1) & 0xff);
            int index = ((keys.get(key) & 0xff) << 8) | (keys.get(key + 1) & 0xff);
            frontends.put(index, new CiliumCtDecoder.Frontend(address, port));
          });
    } catch (IOException e) {
      reverseNatProblem(name, e.getMessage());
    }
    return frontends;
  }

  private void reverseNatProblem(String name, String problem) {
    if (reverseNatProblems.add(name)) {
      LOG.warn(
          "Cilium's reverse-NAT map {} cannot be read ({}): connections to Services are named from "
              + "the addresses they went to",
          name,
          problem);
    }
  }

  /** The closing entries first seen in the last dump, as DESTROY events. */
  @Override
  public List<ConntrackEntry> drainEvents() {
    List<ConntrackEntry> out = List.copyOf(closed);
    closed.clear();
    return out;
  }

  /** Nothing is lost: closing entries are read from the map itself, not from a queue. */
  @Override
  public long lostEvents() {
    return 0;
  }

  /** Cilium's maps have no per-CPU statistics. */
  @Override
  public List<ConntrackCpuStats> cpuStats() {
    return List.of();
  }

  @Override
  public void close() {
    maps.values().forEach(BpfMap::close);
    maps.clear();
  }

  /** IN entries of one map, kept until the whole map is read (their OUT twin may come later). */
  private static final class Stash {
    private ByteBuffer keys = ByteBuffer.allocate(0);
    private ByteBuffer values = ByteBuffer.allocate(0);
    private int size;

    void add(ByteBuffer fromKeys, int key, int keyBytes, ByteBuffer fromValues, int value) {
      if ((size + 1) * keyBytes > keys.capacity()
          || (size + 1) * CiliumCtDecoder.VALUE_BYTES > values.capacity()) {
        int capacity = Math.max(1024, size * 2);
        keys = grown(keys, capacity * keyBytes, size * keyBytes);
        values =
            grown(
                values, capacity * CiliumCtDecoder.VALUE_BYTES, size * CiliumCtDecoder.VALUE_BYTES);
      }
      keys.put(size * keyBytes, fromKeys, key, keyBytes);
      values.put(
          size * CiliumCtDecoder.VALUE_BYTES, fromValues, value, CiliumCtDecoder.VALUE_BYTES);
      size++;
    }

    private static ByteBuffer grown(ByteBuffer old, int capacity, int used) {
      ByteBuffer bigger = ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
      bigger.put(0, old, 0, used);
      return bigger;
    }

    void clear() {
      size = 0;
    }

    int size() {
      return size;
    }

    ByteBuffer keys() {
      return keys;
    }

    ByteBuffer values() {
      return values;
    }
  }
}
