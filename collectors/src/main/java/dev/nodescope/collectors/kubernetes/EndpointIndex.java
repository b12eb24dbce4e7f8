package dev.nodescope.collectors.kubernetes;

import dev.nodescope.collectors.core.ClusterDirectory.RemotePod;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.StampedLock;

/**
 * Endpoint IP → pod for the cluster's EndpointSlices, sized for 150,000 endpoints and more: IPv4
 * addresses are int keys in an open-addressing table whose slots hold the claiming slice, the bytes
 * of the pod's name and its namespace and node as indexes into one table of distinct names, so that
 * the common case (one slice claims an address) costs one slot and the name's bytes, with no other
 * object per endpoint. An address claimed by several slices at once (a pod behind two Services, an
 * IP reused while churn settles) keeps every claim in a side map until one is left, so that one
 * slice letting go does not erase another's claim. Other addresses (IPv6) go to an {@link
 * AddressIndex} keyed by their text.
 *
 * <p>One writer (the informer's thread) and any number of readers, under a {@link StampedLock}.
 */
final class EndpointIndex {
  /** Slot owner for an address claimed by several slices: the claims are in {@link #shared}. */
  private static final int SHARED = -1;

  private static final int INITIAL_SLOTS = 1024;

  private final StampedLock lock = new StampedLock();

  /** The address, 0 for a free slot (0.0.0.0 is never an endpoint; it goes to {@link #others}). */
  private int[] keys = new int[INITIAL_SLOTS];

  private int[] owners = new int[INITIAL_SLOTS];

  /** Pod names as their bytes (names are ASCII): a String would add 24 B to each endpoint. */
  private byte[][] pods = new byte[INITIAL_SLOTS][];

  private int[] namespaces = new int[INITIAL_SLOTS];
  private int[] nodes = new int[INITIAL_SLOTS];
  private int used;

  private record Claim(String pod, int namespace, int node) {}

  /** Address → claims by owner, only for addresses that several slices claim. */
  private final Map<Integer, Map<Integer, Claim>> shared = new HashMap<>();

  /** Namespaces and node names, each once. */
  private final Map<String, Integer> nameIds = new HashMap<>();

  private String[] names = new String[64];

  /** Slice keys as small ints; a removed slice's id is given to the next new one. */
  private final Map<String, Integer> ownerIds = new HashMap<>();

  private final ArrayDeque<Integer> freeOwnerIds = new ArrayDeque<>();

  private final AddressIndex<RemotePod> others = new AddressIndex<>();

  /** The address as an int, or 0 when it is not a dotted IPv4 address (or is 0.0.0.0). */
  static int ipv4(String address) {
    int value = 0;
    int part = -1;
    int dots = 0;
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (c >= '0' && c <= '9') {
        part = (part < 0 ? 0 : part * 10) + (c - '0');
        if (part > 255) {
          return 0;
        }
      } else if (c == '.' && part >= 0 && dots < 3) {
        value = (value << 8) | part;
        part = -1;
        dots++;
      } else {
        return 0;
      }
    }
    return dots == 3 && part >= 0 ? (value << 8) | part : 0;
  }

  /**
   * The slice {@code owner} claims the address for the pod: {@code key} is the address as {@link
   * #ipv4} reads it, and {@code address} its text, read only when the key is 0.
   */
  void claim(int key, String address, String owner, RemotePod pod) {
    if (key == 0) {
      others.claim(address, owner, pod);
      return;
    }
    long stamp = lock.writeLock();
    try {
      int ownerId = ownerId(owner);
      Claim claim = new Claim(pod.name(), nameId(pod.namespace()), nameId(pod.nodeName()));
      int slot = find(key);
      if (slot < 0) {
        if ((used + 1) * 10L > keys.length * 6L) {
          grow();
        }
        slot = -find(key) - 1;
        keys[slot] = key;
        owners[slot] = ownerId;
        used++;
      } else if (owners[slot] == SHARED) {
        shared.get(key).put(ownerId, claim);
      } else if (owners[slot] != ownerId) {
        Map<Integer, Claim> claims = new LinkedHashMap<>();
        claims.put(owners[slot], new Claim(podName(slot), namespaces[slot], nodes[slot]));
        claims.put(ownerId, claim);
        shared.put(key, claims);
        owners[slot] = SHARED;
      }
      show(slot, claim);
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** The slice {@code owner} lets go of the address (as in {@link #claim}); others' claims stay. */
  void release(int key, String address, String owner) {
    if (key == 0) {
      others.release(address, owner);
      return;
    }
    long stamp = lock.writeLock();
    try {
      Integer ownerId = ownerIds.get(owner);
      int slot = find(key);
      if (ownerId == null || slot < 0) {
        return;
      }
      if (owners[slot] == ownerId) {
        remove(slot);
      } else if (owners[slot] == SHARED) {
        Map<Integer, Claim> claims = shared.get(key);
        claims.remove(ownerId);
        Map.Entry<Integer, Claim> remaining = claims.entrySet().iterator().next();
        if (claims.size() == 1) {
          shared.remove(key);
          owners[slot] = remaining.getKey();
        }
        show(slot, remaining.getValue());
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** The slice is gone (its addresses released): its id may serve another. */
  void forget(String owner) {
    long stamp = lock.writeLock();
    try {
      Integer id = ownerIds.remove(owner);
      if (id != null) {
        freeOwnerIds.push(id);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** Any current claimant of the address. */
  Optional<RemotePod> lookup(String address) {
    int key = ipv4(address);
    if (key == 0) {
      return others.lookup(address);
    }
    long stamp = lock.readLock();
    try {
      int slot = find(key);
      return slot < 0
          ? Optional.empty()
          : Optional.of(new RemotePod(names[namespaces[slot]], podName(slot), names[nodes[slot]]));
    } finally {
      lock.unlockRead(stamp);
    }
  }

  int size() {
    long stamp = lock.readLock();
    try {
      return used + others.size();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  private void show(int slot, Claim claim) {
    pods[slot] = claim.pod().getBytes(StandardCharsets.UTF_8);
    namespaces[slot] = claim.namespace();
    nodes[slot] = claim.node();
  }

  private String podName(int slot) {
    return new String(pods[slot], StandardCharsets.UTF_8);
  }

  private static int home(int key, int mask) {
    int h = key * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }

  /** The slot holding {@code key}, or {@code -(free slot) - 1} where it would go. */
  private int find(int key) {
    int mask = keys.length - 1;
    for (int slot = home(key, mask); ; slot = (slot + 1) & mask) {
      if (keys[slot] == key) {
        return slot;
      }
      if (keys[slot] == 0) {
        return -slot - 1;
      }
    }
  }

  /** Linear probing's deletion: later entries of the run move back, so no tombstones. */
  private void remove(int slot) {
    int mask = keys.length - 1;
    int gap = slot;
    for (int next = (gap + 1) & mask; keys[next] != 0; next = (next + 1) & mask) {
      int home = home(keys[next], mask);
      // The entry at next may fill the gap unless its home lies cyclically in (gap, next].
      boolean homeBetween = gap <= next ? gap < home && home <= next : gap < home || home <= next;
      if (!homeBetween) {
        keys[gap] = keys[next];
        owners[gap] = owners[next];
        pods[gap] = pods[next];
        namespaces[gap] = namespaces[next];
        nodes[gap] = nodes[next];
        gap = next;
      }
    }
    keys[gap] = 0;
    pods[gap] = null;
    used--;
  }

  private void grow() {
    int[] oldKeys = keys;
    int[] oldOwners = owners;
    byte[][] oldPods = pods;
    int[] oldNamespaces = namespaces;
    int[] oldNodes = nodes;
    int slots = oldKeys.length * 2;
    keys = new int[slots];
    owners = new int[slots];
    pods = new byte[slots][];
    namespaces = new int[slots];
    nodes = new int[slots];
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        int slot = -find(oldKeys[i]) - 1;
        keys[slot] = oldKeys[i];
        owners[slot] = oldOwners[i];
        pods[slot] = oldPods[i];
        namespaces[slot] = oldNamespaces[i];
        nodes[slot] = oldNodes[i];
      }
    }
  }

  private int ownerId(String owner) {
    Integer id = ownerIds.get(owner);
    if (id == null) {
      id = freeOwnerIds.isEmpty() ? ownerIds.size() + freeOwnerIds.size() : freeOwnerIds.pop();
      ownerIds.put(owner, id);
    }
    return id;
  }

  private int nameId(String name) {
    Integer id = nameIds.get(name);
    if (id == null) {
      id = nameIds.size();
      if (id == names.length) {
        names = Arrays.copyOf(names, id * 2);
      }
      names[id] = name;
      nameIds.put(name, id);
    }
    return id;
  }
}
