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
 * extracted once, on arrival) under its key. A full Node costs about 19 KB of heap; what is kept of
 * it here well under 1 KB (docs/design.md). The informer's own bookkeeping (relists and deletions)
 * needs only keys: it gets objects made from the key on demand, with the namespace and name alone
 * (no uid, no resourceVersion: the watches' handlers use neither).
 *
 * <p>Writes come from the informer's thread, one at a time; readers (collectors on their own
 * threads) read the concurrent map without locks. The value is indexed before the old one is
 * unindexed, so a lookup during an update never misses an object that exists before and after it
 * (see {@link #reindex}).
 */
abstract class LightStore<T extends HasMetadata, V> implements ItemStore<T> {
  private final Map<String, V> byKey = new ConcurrentHashMap<>();
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

  /**
   * What is kept of a value once {@link #reindex} has indexed it, for the next reindex of the same
   * key (which reads it as {@code before}): the value itself, unless a store needs less of it then.
   */
  V retained(V indexed) {
    return indexed;
  }

  @Override
  public T put(String key, T object) {
    V value = extract(object);
    V old = byKey.get(key);
    reindex(key, old, value);
    byKey.put(key, retained(value));
    return old == null ? null : skeleton(key);
  }

  @Override
  public T remove(String key) {
    V old = byKey.remove(key);
    if (old == null) {
      return null;
    }
    reindex(key, old, null);
    return skeleton(key);
  }

  @Override
  public Stream<String> keySet() {
    return byKey.keySet().stream();
  }

  /**
   * Every object, made from its key: the informer asks for them all at once after each list (to
   * find the deleted ones), so each is kept as small as a fabric8 object can be.
   */
  @Override
  public Stream<T> values() {
    return byKey.keySet().stream().map(this::skeleton);
  }

  @Override
  public int size() {
    return byKey.size();
  }

  @Override
  public T get(String key) {
    return byKey.containsKey(key) ? skeleton(key) : null;
  }

  @Override
  public boolean isFullState() {
    return false;
  }

  Optional<V> value(String key) {
    return Optional.ofNullable(byKey.get(key));
  }

  Stream<V> keptValues() {
    return byKey.values().stream();
  }

  /**
   * The object's identity as {@link #getKey} wrote it, without the empty collections fabric8's
   * constructors fill in (176 B instead of 400 B an object).
   */
  private T skeleton(String key) {
    int slash = key.indexOf('/');
    ObjectMeta metadata = new ObjectMeta();
    metadata.setNamespace(slash < 0 ? null : key.substring(0, slash));
    metadata.setName(key.substring(slash + 1));
    metadata.setAnnotations(null);
    metadata.setLabels(null);
    metadata.setFinalizers(null);
    metadata.setManagedFields(null);
    metadata.setOwnerReferences(null);
    T skeleton = emptyObject.get();
    skeleton.setMetadata(metadata);
    return skeleton;
  }
}
