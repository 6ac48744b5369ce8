package lab.counter.region;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import lab.counter.common.crdt.GCounter;

/**
 * The G-Counters of one node, by counter name, with a change log for delta sync.
 *
 * <p>Every change (a local increment or a merge that changed the state) takes the next value of a
 * node-local version sequence. {@link #changedSince} returns the counters changed after a version
 * by walking the change log from that version, so the cost of a delta grows with what changed, not
 * with how many counters exist. Not thread-safe: the region verticle uses it from its event loop.
 */
final class CounterStore {

  /** Outcome of merging an incoming state into a counter. */
  enum MergeOutcome {
    /** The incoming state added nothing. */
    UNCHANGED,
    /** The incoming state dominated the local one, which is replaced. */
    UPDATED,
    /** The states were concurrent: each had increments the other lacked. */
    CONFLICT_RESOLVED
  }

  /** Counters changed after a version, up to {@code toVersion}; {@code complete} is false when cut at the limit. */
  record Delta(Map<String, GCounter> counters, long toVersion, boolean complete) {}

  private static final class Entry {
    GCounter counter;
    long version;

    Entry(GCounter counter, long version) {
      this.counter = counter;
      this.version = version;
    }
  }

  private final String ownNodeId;
  private final Map<String, Entry> entries = new HashMap<>();
  private final NavigableMap<Long, String> changeLog = new TreeMap<>();
  private long version;
  private long ownTotal;
  private long mergedTotal;
  private java.util.function.BiConsumer<String, GCounter> changeListener = (name, counter) -> { };

  /** Creates an empty store for the node {@code ownNodeId}, whose slots {@link #ownTotal} sums. */
  CounterStore(String ownNodeId) {
    this.ownNodeId = ownNodeId;
  }

  /** Returns the counter named {@code name}, or null when this node has never seen it. */
  GCounter get(String name) {
    Entry entry = entries.get(name);
    return entry == null ? null : entry.counter;
  }

  /**
   * Adds {@code amount} to the slot of {@code nodeId} in counter {@code name}, creating it.
   *
   * @throws ArithmeticException if the counter would overflow; nothing changes then
   */
  GCounter increment(String name, String nodeId, long amount) {
    Entry entry = entries.get(name);
    GCounter current = entry == null ? GCounter.empty() : entry.counter;
    GCounter updated = current.increment(nodeId, amount);
    record(name, entry, updated);
    return updated;
  }

  /** Merges {@code incoming} into counter {@code name} and says whether and how it changed. */
  MergeOutcome merge(String name, GCounter incoming) {
    Entry entry = entries.get(name);
    if (entry == null) {
      if (incoming.size() == 0) {
        return MergeOutcome.UNCHANGED;
      }
      record(name, null, incoming);
      changeListener.accept(name, incoming);
      return MergeOutcome.UPDATED;
    }
    switch (entry.counter.compare(incoming)) {
      case EQUAL, AFTER:
        return MergeOutcome.UNCHANGED;
      case BEFORE:
        record(name, entry, incoming);
        changeListener.accept(name, incoming);
        return MergeOutcome.UPDATED;
      default:
        record(name, entry, entry.counter.merge(incoming));
        changeListener.accept(name, entry.counter);
        return MergeOutcome.CONFLICT_RESOLVED;
    }
  }

  /** Returns at most {@code limit} counters changed after {@code afterVersion}, oldest change first. */
  Delta changedSince(long afterVersion, int limit) {
    Map<String, GCounter> counters = new LinkedHashMap<>();
    long reached = afterVersion;
    for (Map.Entry<Long, String> change : changeLog.tailMap(afterVersion, false).entrySet()) {
      if (counters.size() == limit) {
        return new Delta(counters, reached, false);
      }
      counters.put(change.getValue(), entries.get(change.getValue()).counter);
      reached = change.getKey();
    }
    return new Delta(counters, version, true);
  }

  /** Returns the version of the latest change, 0 before any. */
  long version() {
    return version;
  }

  /** Sets the callback told of every merge that changed a counter; the durable store listens here. */
  void onMerge(java.util.function.BiConsumer<String, GCounter> listener) {
    this.changeListener = listener;
  }

  /** Loads recovered counters before the node serves; each takes a new version, so the next delta carries it. */
  void restore(Map<String, GCounter> recovered) {
    recovered.forEach((name, counter) -> record(name, entries.get(name), counter));
  }

  /** Returns this node's own slot summed over every counter, saturating at {@link Long#MAX_VALUE}. */
  long ownTotal() {
    return ownTotal;
  }

  /** Returns the value of every counter summed, saturating at {@link Long#MAX_VALUE}. */
  long mergedTotal() {
    return mergedTotal;
  }

  /** Returns the number of counters. */
  int size() {
    return entries.size();
  }

  /** Returns up to {@code limit} counters ordered by name, starting after {@code afterName} (null for the first). */
  NavigableMap<String, GCounter> list(String afterName, int limit) {
    TreeMap<String, GCounter> page = new TreeMap<>();
    for (Map.Entry<String, Entry> entry : entries.entrySet()) {
      if (afterName != null && entry.getKey().compareTo(afterName) <= 0) {
        continue;
      }
      page.put(entry.getKey(), entry.getValue().counter);
      if (page.size() > limit) {
        page.pollLastEntry();
      }
    }
    return page;
  }

  private void record(String name, Entry entry, GCounter updated) {
    GCounter previous = entry == null ? GCounter.empty() : entry.counter;
    ownTotal = saturatedAdd(ownTotal, updated.get(ownNodeId) - previous.get(ownNodeId));
    mergedTotal = saturatedAdd(mergedTotal, updated.value() - previous.value());
    version++;
    if (entry == null) {
      entries.put(name, new Entry(updated, version));
    } else {
      changeLog.remove(entry.version);
      entry.counter = updated;
      entry.version = version;
    }
    changeLog.put(version, name);
  }

  private static long saturatedAdd(long total, long delta) {
    long sum = total + delta;
    return ((total ^ sum) & (delta ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
