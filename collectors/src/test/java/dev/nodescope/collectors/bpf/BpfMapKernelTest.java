package dev.nodescope.collectors.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nodescope.collectors.testing.Capabilities;
import dev.nodescope.collectors.testing.Shell;
import dev.nodescope.collectors.testing.TestBpfFs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real kernel maps: created, pinned in a BPF filesystem the test mounts, written, read back in
 * batches (more entries than one chunk holds) and deleted; the kernel's own view (bpftool) is the
 * truth for what the binding reports about a map.
 */
class BpfMapKernelTest {
  private static final int ENTRIES = 10_000;

  private static byte[] key(int i) {
    return ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(i).putInt(~i).array();
  }

  private static byte[] value(int i) {
    return ByteBuffer.allocate(16)
        .order(ByteOrder.nativeOrder())
        .putLong(i * 3L)
        .putLong(-i)
        .array();
  }

  @Test
  void writesBatchReadsAndDeletesEntries() throws Exception {
    Capabilities.requireRoot();
    try (BpfMap map = BpfMap.create(BpfMapInfo.TYPE_HASH, "cilium_bpftest", 8, 16, 16_384, 0)) {
      BpfMapInfo info = map.info();
      assertEquals(BpfMapInfo.TYPE_HASH, info.type());
      assertEquals("cilium_bpftest", info.name());
      assertEquals(8, info.keySize());
      assertEquals(16, info.valueSize());
      assertEquals(16_384, info.maxEntries());

      for (int i = 0; i < ENTRIES; i++) {
        map.update(key(i), value(i), 0);
      }
      Map<Integer, byte[]> read = new HashMap<>();
      long visited =
          map.forEach(
              (keys, keyOffset, values, valueOffset) -> {
                int i = keys.order(ByteOrder.BIG_ENDIAN).getInt(keyOffset);
                assertEquals(~i, keys.getInt(keyOffset + 4));
                byte[] v = new byte[16];
                values.get(valueOffset, v);
                assertTrue(read.put(i, v) == null, "entry " + i + " read twice");
              });
      assertEquals(ENTRIES, visited);
      assertEquals(ENTRIES, read.size());
      for (int i = 0; i < ENTRIES; i++) {
        assertArrayEquals(value(i), read.get(i), "value of " + i);
      }

      byte[] out = new byte[16];
      assertTrue(map.lookup(key(42), out));
      assertArrayEquals(value(42), out);
      assertTrue(map.delete(key(42)));
      assertFalse(map.delete(key(42)));
      assertFalse(map.lookup(key(42), out));
      assertEquals(ENTRIES - 1, map.forEach((k, ko, v, vo) -> {}));
      assertThrows(IllegalArgumentException.class, () -> map.lookup(new byte[3], out));

      // More keys than one batch holds, one of them (42) absent: the rest are deleted.
      List<byte[]> keys = new ArrayList<>();
      for (int i = 0; i < ENTRIES; i += 2) {
        keys.add(key(i));
      }
      assertEquals(keys.size() - 1, map.deleteAll(keys));
      assertEquals(ENTRIES / 2, map.forEach((k, ko, v, vo) -> {}));
      for (int i = 0; i < ENTRIES; i++) {
        assertEquals(i % 2 == 1, map.lookup(key(i), out), "entry " + i);
      }
    }
  }

  @Test
  void emptyMapReadsNothing() throws Exception {
    Capabilities.requireRoot();
    try (BpfMap map = BpfMap.create(BpfMapInfo.TYPE_LRU_HASH, "cilium_bpfempty", 14, 56, 1024, 0)) {
      assertEquals(0, map.forEach((k, ko, v, vo) -> {}));
    }
  }

  @Test
  void pinnedMapsOpenAndReadOnlyRefusesWrites() throws Exception {
    Capabilities.requireRoot();
    Capabilities.requireCommand("bpftool");
    try (TestBpfFs fs = TestBpfFs.mount("cilium")) {
      Path pin = fs.root().resolve("cilium_bpfpin");
      try (BpfMap map = BpfMap.create(BpfMapInfo.TYPE_LRU_HASH, "cilium_bpfpin", 8, 16, 64, 0)) {
        map.pin(pin);
        map.update(key(7), value(7), 0);
      }
      String shown = Shell.output("bpftool", "-j", "map", "show", "pinned", pin.toString());
      try (BpfMap rw = BpfMap.openPinned(pin);
          BpfMap ro = BpfMap.openPinnedReadOnly(pin)) {
        assertTrue(shown.contains("\"id\":" + rw.info().id() + ","), shown);
        assertTrue(shown.contains("\"type\":\"lru_hash\""), shown);
        assertEquals(rw.info(), ro.info());
        byte[] out = new byte[16];
        assertTrue(ro.lookup(key(7), out));
        assertArrayEquals(value(7), out);
        assertEquals(1, ro.forEach((k, ko, v, vo) -> {}));
        BpfException refused = assertThrows(BpfException.class, () -> ro.delete(key(7)));
        assertEquals(BpfException.EPERM, refused.errno(), refused.getMessage());
        assertThrows(BpfException.class, () -> ro.update(key(8), value(8), 0));
        assertTrue(rw.lookup(key(7), out), "the read-only descriptor changed nothing");
      }
      BpfException missing =
          assertThrows(BpfException.class, () -> BpfMap.openPinned(fs.root().resolve("absent")));
      assertEquals(BpfException.ENOENT, missing.errno());
    }
  }
}
