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
 * The informer's store, keeping of each object only the few fields the agent joins on (a value
 * extracted once, on arrival) plus its identity for the informer's own bookkeeping (relists and
 * deletions need keys and resource versions). A full Node costs about 19 KB of heap; what is kept
 * of it here well under 1 KB (docs/design.md).
 *
 * <p>Writes come from the informer's thread, one at a time; readers (collectors on their own
 * threads) read the concurrent maps without locks. The value is indexed before the old one is
 * unindexed, so a lookup during an update never misses an object that exists before and after it
 * (see {@link #reindex}).
 */
abstract class LightStore<T extends HasMetadata, V> implements ItemStore<T> {
  /** What the informer needs back of an object: its identity and version, as plain strings. */
  private record Identity(String namespace, String name, String uid, String resourceVersion) {
    static Identity of(ObjectMeta metadata) {
      return new Identity(
          metadata.getNamespace(),
          metadata.getName(),
          metadata.getUid(),
          metadata.getResourceVersion());
    }
  }

  private record Kept<V>(Identity identity, V value) {}

  private final Map<String, Kept<V>> byKey = new ConcurrentHashMap<>();
  private final Supplier<T> emptyObject;

  LightStore(Supplier<T> emptyObject) {
    this.emptyObject = emptyObject;
  }

  /** The fields kept of one object; a pure function of the object. */
  abstract V extract(T object);

  /**
   * Updates the lookups for one object: {@code before} is null for a new object, {@code after} null
   * for a removed one. Implementations add what {@code after} has before dropping what only {@code
   * before} had.
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
    Kept<V> old = byKey.put(key, new Kept<>(Identity.of(object.getMetadata()), value));
    reindex(key, old == null ? null : old.value(), value);
    return skeleton(old);
  }

  @Override
  public T remove(String key) {
    Kept<V> old = byKey.remove(key);
    if (old != null) {
      reindex(key, old.value(), null);
    }
    return skeleton(old);
  }

  @Override
  public Stream<String> keySet() {
    return byKey.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return byKey.values().stream().map(this::skeleton);
  }

  @Override
  public int size() {
    return byKey.size();
  }

  @Override
  public T get(String key) {
    return skeleton(byKey.get(key));
  }

  @Override
  public boolean isFullState() {
    return false;
  }

  Optional<V> value(String key) {
    Kept<V> kept = byKey.get(key);
    return kept == null ? Optional.empty() : Optional.of(kept.value());
  }

  Stream<V> keptValues() {
    return byKey.values().stream().map(Kept::value);
  }

  /**
   * Built on demand (relists and deletions only): a kept fabric8 object would cost more than the
   * value.
   */
  private T skeleton(Kept<V> kept) {
    if (kept == null) {
      return null;
    }
    ObjectMeta metadata = new ObjectMeta();
    metadata.setNamespace(kept.identity().namespace());
    metadata.setName(kept.identity().name());
    metadata.setUid(kept.identity().uid());
    metadata.setResourceVersion(kept.identity().resourceVersion());
    T skeleton = emptyObject.get();
    skeleton.setMetadata(metadata);
    return skeleton;
  }
}
