package dev.nodescope.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The informer's store, keeping of each object only the few fields the agent joins on (a value extracted once, on
 * arrival) plus a skeleton of its identity for the informer's own bookkeeping (relists and deletions need keys and
 * resource versions). A full Pod or Node costs kilobytes of heap; what is kept here costs a few hundred bytes.
 *
 * <p>Writes come from the informer's thread, one at a time; readers (collectors on their own threads) read the
 * concurrent maps without locks. The value is indexed before the old one is unindexed, so a lookup during an update
 * never misses an object that exists before and after it (see {@link #reindex}).
 */
abstract class LightStore<T extends HasMetadata, V> implements ItemStore<T> {
  private record Kept<T, V>(T skeleton, V value) {}

  private final Map<String, Kept<T, V>> byKey = new ConcurrentHashMap<>();
  private final Supplier<T> emptyObject;

  LightStore(Supplier<T> emptyObject) {
    this.emptyObject = emptyObject;
  }

  /** The fields kept of one object; a pure function of the object. */
  abstract V extract(T object);

  /**
   * Updates the lookups for one object: {@code before} is null for a new object, {@code after} null for a removed
   * one. Implementations add what {@code after} has before dropping what only {@code before} had.
   */
  abstract void reindex(String key, V before, V after);

  @Override
  public String getKey(T object) {
    String namespace = object.getMetadata().getNamespace();
    String name = object.getMetadata().getName();
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  @Override
  public T put(String key, T object) {
    V value = extract(object);
    Kept<T, V> old = byKey.put(key, new Kept<>(skeleton(object), value));
    reindex(key, old == null ? null : old.value(), value);
    return old == null ? null : old.skeleton();
  }

  @Override
  public T remove(String key) {
    Kept<T, V> old = byKey.remove(key);
    if (old == null) {
      return null;
    }
    reindex(key, old.value(), null);
    return old.skeleton();
  }

  @Override
  public Stream<String> keySet() {
    return byKey.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return byKey.values().stream().map(Kept::skeleton);
  }

  @Override
  public int size() {
    return byKey.size();
  }

  @Override
  public T get(String key) {
    Kept<T, V> kept = byKey.get(key);
    return kept == null ? null : kept.skeleton();
  }

  @Override
  public boolean isFullState() {
    return false;
  }

  Optional<V> value(String key) {
    Kept<T, V> kept = byKey.get(key);
    return kept == null ? Optional.empty() : Optional.of(kept.value());
  }

  Stream<V> keptValues() {
    return byKey.values().stream().map(Kept::value);
  }

  private T skeleton(T object) {
    ObjectMeta metadata = object.getMetadata();
    ObjectMeta identity = new ObjectMeta();
    identity.setNamespace(metadata.getNamespace());
    identity.setName(metadata.getName());
    identity.setUid(metadata.getUid());
    identity.setResourceVersion(metadata.getResourceVersion());
    T skeleton = emptyObject.get();
    skeleton.setMetadata(identity);
    return skeleton;
  }
}
