package dev.nodescope.collectors.attribution;

import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Pod peers mapped to values in one open-addressing table, looked up by a peer's parts, so that
 * asking about the peer of a connection makes no PodPeer: on a table of 150,000 connections to
 * distinct ports, most of them past the series cap and so asked about in every collection, that
 * saves an object per connection and end. Not thread-safe.
 */
public final class PeerTable<V> {
  private static final int MIN_CAPACITY = 16;

  private PodPeer[] keys = new PodPeer[MIN_CAPACITY];
  private Object[] values = new Object[MIN_CAPACITY];
  private int[] hashes = new int[MIN_CAPACITY];
  private int size;

  public int size() {
    return size;
  }

  /** The value of the peer with these parts, or null. */
  @SuppressWarnings("unchecked") // values holds only what put was given
  public V get(PodName local, Remote remote, int protocol, int port, Role role) {
    int hash = hash(local, remote, protocol, port, role);
    int mask = keys.length - 1;
    for (int at = slot(hash, mask); keys[at] != null; at = (at + 1) & mask) {
      PodPeer key = keys[at];
      if (hashes[at] == hash
          && key.port() == port
          && key.protocol() == protocol
          && key.role() == role
          && key.local().equals(local)
          && key.remote().equals(remote)) {
        return (V) values[at];
      }
    }
    return null;
  }

  /** Maps the peer to the value, in place of any value it had. */
  public void put(PodPeer peer, V value) {
    if ((size + 1) * 2 > keys.length) {
      rehash(keys.length * 2);
    }
    int hash = hash(peer.local(), peer.remote(), peer.protocol(), peer.port(), peer.role());
    int mask = keys.length - 1;
    int at = slot(hash, mask);
    while (keys[at] != null && !(hashes[at] == hash && keys[at].equals(peer))) {
      at = (at + 1) & mask;
    }
    if (keys[at] == null) {
      size++;
    }
    keys[at] = peer;
    values[at] = value;
    hashes[at] = hash;
  }

  /** Removes the peers the filter picks. */
  public void removeIf(Predicate<PodPeer> filter) {
    boolean removed = false;
    for (int at = 0; at < keys.length; at++) {
      if (keys[at] != null && filter.test(keys[at])) {
        keys[at] = null;
        values[at] = null;
        size--;
        removed = true;
      }
    }
    if (removed) {
      rehash(keys.length); // closes the gaps that lookups would stop at
    }
  }

  @SuppressWarnings("unchecked") // values holds only what put was given
  public void forEach(BiConsumer<PodPeer, V> action) {
    for (int at = 0; at < keys.length; at++) {
      if (keys[at] != null) {
        action.accept(keys[at], (V) values[at]);
      }
    }
  }

  private void rehash(int capacity) {
    PodPeer[] oldKeys = keys;
    Object[] oldValues = values;
    int[] oldHashes = hashes;
    keys = new PodPeer[capacity];
    values = new Object[capacity];
    hashes = new int[capacity];
    int mask = capacity - 1;
    for (int from = 0; from < oldKeys.length; from++) {
      if (oldKeys[from] != null) {
        int at = slot(oldHashes[from], mask);
        while (keys[at] != null) {
          at = (at + 1) & mask;
        }
        keys[at] = oldKeys[from];
        values[at] = oldValues[from];
        hashes[at] = oldHashes[from];
      }
    }
  }

  private static int hash(PodName local, Remote remote, int protocol, int port, Role role) {
    int hash = local.hashCode();
    hash = 31 * hash + remote.hashCode();
    hash = 31 * hash + protocol;
    hash = 31 * hash + port;
    return 31 * hash + role.hashCode();
  }

  private static int slot(int hash, int mask) {
    int mixed = hash * 0x9E3779B9;
    return (mixed ^ (mixed >>> 16)) & mask;
  }
}
