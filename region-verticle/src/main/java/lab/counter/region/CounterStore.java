package lab.counter.region;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import lab.counter.common.crdt.GCounter;

/**
 * The G-Counters of one node, by counter name, with a change log for delta sync.
 *
 * <p>Every change (a local increment or a merge that changed the state) takes the next value of a
 * node-local version sequence. {@link #changedSince} returns the counters changed after a version
 * by walking the change log from that version, so the cost of a delta grows with what changed, not
 * with how many counters exist. Not thread-safe: the region verticle uses it from its event loop.
 *
 * <p>The layout keeps a node with a million counters small (bench/run measures about 145 bytes per
 * counter with three slots and 15-character names). An open-addressing table contains one
 * {@link Entry} per counter. The entry keeps the counter's vector as two parallel arrays, like
 * {@link GCounter}, and links into the change log, a list ordered by version. The node-id array is
 * shared by every counter with the same set of nodes ({@link NodeSets}). Increments and merges
 * that add no node update the counts in place, without allocating. {@link GCounter} snapshots are
 * built only where a caller needs one.
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

  /** One counter and its place in the change log. */
  private static final class Entry {
    final String name;
    /** Node ids sorted as in {@link GCounter}; shared with other entries, so never modified. */
    String[] nodes;
    /** Count of each node in {@link #nodes}; this entry's own array, updated in place. */
    long[] counts;
    long version;
    /** Neighbours in the change log: the entry changed just before and just after this one. */
    Entry older;
    Entry newer;

    Entry(String name, String[] nodes, long[] counts) {
      this.name = name;
      this.nodes = nodes;
      this.counts = counts;
    }
  }

  private static final int INITIAL_CAPACITY = 64;
  /** Cut points of incomplete deltas remembered, so that the next batch of each peer starts there. */
  private static final int REMEMBERED_CUTS = 8;

  private final String ownNodeId;
  private final NodeSets nodeSets = new NodeSets();
  /** Linear-probing table, a power of two in length and at most three quarters full. */
  private Entry[] table = new Entry[INITIAL_CAPACITY];
  private int size;
  private Entry oldest;
  private Entry newest;
  /** The last entry of recent incomplete deltas; one still holding that version has not moved since. */
  private final Entry[] cuts = new Entry[REMEMBERED_CUTS];
  private int nextCut;
  private long version;
  private long ownTotal;
  private long mergedTotal;
  private BiConsumer<String, GCounter> changeListener = (name, counter) -> { };

  /** Creates an empty store for the node {@code ownNodeId}, whose slots {@link #ownTotal} sums. */
  CounterStore(String ownNodeId) {
    this.ownNodeId = ownNodeId;
  }

  /** Returns a snapshot of the counter named {@code name}, or null when this node has never seen it. */
  GCounter get(String name) {
    Entry entry = find(name);
    return entry == null ? null : snapshot(entry);
  }

  /** Returns the slot of {@code nodeId} in counter {@code name}, 0 when either is unknown; allocates nothing. */
  long slot(String name, String nodeId) {
    Entry entry = find(name);
    if (entry == null) {
      return 0;
    }
    int index = indexOf(entry.nodes, nodeId);
    return index >= 0 ? entry.counts[index] : 0;
  }

  /**
   * Adds {@code amount} to the slot of {@code nodeId} in counter {@code name}, creating it, and
   * returns a snapshot of the counter after the increment.
   *
   * @throws IllegalArgumentException if {@code nodeId} is blank or {@code amount} is not positive
   * @throws ArithmeticException if the counter would overflow; nothing changes then
   */
  GCounter increment(String name, String nodeId, long amount) {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("node id must not be null or blank");
    }
    if (amount <= 0) {
      throw new IllegalArgumentException("amount must be positive, was " + amount);
    }
    Entry entry = find(name);
    if (entry == null) {
      entry = new Entry(name, nodeSets.of(nodeId), new long[] {amount});
      insert(entry);
    } else {
      long total = value(entry.counts);
      if (total == Long.MAX_VALUE || total > Long.MAX_VALUE - amount) {
        throw new ArithmeticException("increment by " + amount + " would overflow the counter value " + total);
      }
      int index = indexOf(entry.nodes, nodeId);
      if (index >= 0) {
        entry.counts[index] += amount;
      } else {
        addSlot(entry, nodeId, amount);
      }
    }
    if (nodeId.equals(ownNodeId)) {
      ownTotal = saturatedAdd(ownTotal, amount);
    }
    mergedTotal = saturatedAdd(mergedTotal, amount);
    touch(entry);
    return snapshot(entry);
  }

  /** Merges {@code incoming} into counter {@code name} and returns whether and how it changed. */
  MergeOutcome merge(String name, GCounter incoming) {
    Entry entry = find(name);
    if (entry == null) {
      if (incoming.size() == 0) {
        return MergeOutcome.UNCHANGED;
      }
      entry = new Entry(name, nodeSets.of(incoming), counts(incoming));
      insert(entry);
      addToTotals(0, 0, entry);
      touch(entry);
      changeListener.accept(name, incoming);
      return MergeOutcome.UPDATED;
    }

    GCounter.Causality causality = compare(entry, incoming);
    if (causality == GCounter.Causality.EQUAL || causality == GCounter.Causality.AFTER) {
      return MergeOutcome.UNCHANGED;
    }
    long ownBefore = ownSlot(entry);
    long valueBefore = value(entry.counts);
    if (causality == GCounter.Causality.BEFORE) {
      replace(entry, incoming);
    } else {
      mergeInto(entry, incoming);
    }
    addToTotals(ownBefore, valueBefore, entry);
    touch(entry);
    if (causality == GCounter.Causality.BEFORE) {
      changeListener.accept(name, incoming);
      return MergeOutcome.UPDATED;
    }
    changeListener.accept(name, snapshot(entry));
    return MergeOutcome.CONFLICT_RESOLVED;
  }

  /** Returns at most {@code limit} counters changed after {@code afterVersion}, oldest change first. */
  Delta changedSince(long afterVersion, int limit) {
    return changedSince(afterVersion, limit, Integer.MAX_VALUE);
  }

  /**
   * Returns at most {@code limit} counters changed after {@code afterVersion}, oldest change first,
   * whose slots name at most {@code maxNodeIds} distinct node ids together. The first counter is
   * always included, even when it alone has more node ids, because a cut before it would return
   * nothing.
   *
   * <p>NOTE: merges can give a counter more slots than a sync message may carry
   * ({@code SyncMessageCodec.MAX_SLOTS_PER_COUNTER}) when peers claim different node ids. Receivers
   * reject every batch that carries it, and a failed exchange keeps the acknowledged version, so the
   * exchanges with that peer keep failing.
   */
  Delta changedSince(long afterVersion, int limit, int maxNodeIds) {
    Map<String, GCounter> counters = new LinkedHashMap<>();
    NodeIdBudget nodeIds = new NodeIdBudget(maxNodeIds);
    long reached = afterVersion;
    Entry last = null;
    for (Entry entry = firstChangedAfter(afterVersion); entry != null; entry = entry.newer) {
      if (counters.size() == limit || !nodeIds.admit(entry.nodes, counters.isEmpty())) {
        cuts[nextCut++ % REMEMBERED_CUTS] = last;
        return new Delta(counters, reached, false);
      }
      counters.put(entry.name, snapshot(entry));
      reached = entry.version;
      last = entry;
    }
    return new Delta(counters, version, true);
  }

  /** Returns the version of the latest change, 0 before any. */
  long version() {
    return version;
  }

  /** Sets the callback told of every merge that changed a counter; the durable store listens here. */
  void onMerge(BiConsumer<String, GCounter> listener) {
    this.changeListener = listener;
  }

  /** Loads recovered counters before the node serves; each takes a new version, so the next delta carries it. */
  void restore(Map<String, GCounter> recovered) {
    recovered.forEach((name, counter) -> {
      Entry entry = find(name);
      long ownBefore = 0;
      long valueBefore = 0;
      if (entry == null) {
        entry = new Entry(name, nodeSets.of(counter), counts(counter));
        insert(entry);
      } else {
        ownBefore = ownSlot(entry);
        valueBefore = value(entry.counts);
        replace(entry, counter);
      }
      addToTotals(ownBefore, valueBefore, entry);
      touch(entry);
    });
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
    return size;
  }

  /** Returns up to {@code limit} counters ordered by name, starting after {@code afterName} (null for the first). */
  NavigableMap<String, GCounter> list(String afterName, int limit) {
    TreeMap<String, Entry> page = new TreeMap<>();
    for (Entry entry : table) {
      if (entry == null || (afterName != null && entry.name.compareTo(afterName) <= 0)) {
        continue;
      }
      page.put(entry.name, entry);
      if (page.size() > limit) {
        page.pollLastEntry();
      }
    }
    TreeMap<String, GCounter> counters = new TreeMap<>();
    page.forEach((name, entry) -> counters.put(name, snapshot(entry)));
    return counters;
  }

  /** The distinct node ids of the counters in one delta, up to a maximum. */
  private static final class NodeIdBudget {
    private final int max;
    /** Node-id arrays already counted; entries mostly share a few, see {@link NodeSets}. */
    private final Set<String[]> countedSets = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<String> nodeIds = new HashSet<>();

    NodeIdBudget(int max) {
      this.max = max;
    }

    /**
     * Adds the node ids of {@code nodes} and returns true, or returns false when the new ones among
     * them would exceed the maximum, unless {@code force}.
     */
    boolean admit(String[] nodes, boolean force) {
      if (countedSets.contains(nodes)) {
        return true;
      }
      int added = 0;
      for (String node : nodes) {
        if (!nodeIds.contains(node)) {
          added++;
        }
      }
      if (!force && added > 0 && nodeIds.size() + added > max) {
        return false;
      }
      Collections.addAll(nodeIds, nodes);
      countedSets.add(nodes);
      return true;
    }
  }

  // Vector operations on an entry, with the semantics of GCounter's.

  /** Compares the entry's vector with {@code other} slot by slot, as {@link GCounter#compare} does. */
  private static GCounter.Causality compare(Entry entry, GCounter other) {
    String[] nodes = entry.nodes;
    long[] counts = entry.counts;
    boolean thisHigher = false;
    boolean otherHigher = false;
    int i = 0;
    int j = 0;
    while ((i < nodes.length || j < other.size()) && !(thisHigher && otherHigher)) {
      int order = i == nodes.length ? 1 : j == other.size() ? -1 : nodes[i].compareTo(other.node(j));
      if (order < 0) {
        thisHigher |= counts[i++] > 0;
      } else if (order > 0) {
        otherHigher |= other.count(j++) > 0;
      } else {
        thisHigher |= counts[i] > other.count(j);
        otherHigher |= counts[i++] < other.count(j++);
      }
    }
    if (thisHigher && otherHigher) {
      return GCounter.Causality.CONCURRENT;
    }
    if (thisHigher) {
      return GCounter.Causality.AFTER;
    }
    return otherHigher ? GCounter.Causality.BEFORE : GCounter.Causality.EQUAL;
  }

  /** Replaces the entry's vector with {@code state}. */
  private void replace(Entry entry, GCounter state) {
    if (sameNodes(entry.nodes, state)) {
      for (int i = 0; i < entry.counts.length; i++) {
        entry.counts[i] = state.count(i);
      }
    } else {
      entry.nodes = nodeSets.of(state);
      entry.counts = counts(state);
    }
  }

  /** Sets the entry's vector to the pointwise maximum of itself and {@code other}. */
  private void mergeInto(Entry entry, GCounter other) {
    if (sameNodes(entry.nodes, other)) {
      for (int i = 0; i < entry.counts.length; i++) {
        entry.counts[i] = Math.max(entry.counts[i], other.count(i));
      }
      return;
    }
    String[] nodes = entry.nodes;
    long[] counts = entry.counts;
    String[] mergedNodes = new String[nodes.length + other.size()];
    long[] mergedCounts = new long[mergedNodes.length];
    int i = 0;
    int j = 0;
    int merged = 0;
    while (i < nodes.length || j < other.size()) {
      int order = i == nodes.length ? 1 : j == other.size() ? -1 : nodes[i].compareTo(other.node(j));
      if (order < 0) {
        mergedNodes[merged] = nodes[i];
        mergedCounts[merged++] = counts[i++];
      } else if (order > 0) {
        mergedNodes[merged] = other.node(j);
        mergedCounts[merged++] = other.count(j++);
      } else {
        mergedNodes[merged] = nodes[i];
        mergedCounts[merged++] = Math.max(counts[i++], other.count(j++));
      }
    }
    entry.nodes = nodeSets.of(Arrays.copyOf(mergedNodes, merged));
    entry.counts = Arrays.copyOf(mergedCounts, merged);
  }

  /** Adds a slot for a node the entry has no slot for yet, keeping the node ids sorted. */
  private void addSlot(Entry entry, String nodeId, long count) {
    int insertAt = -Arrays.binarySearch(entry.nodes, nodeId) - 1;
    int length = entry.nodes.length;
    String[] nodes = new String[length + 1];
    long[] counts = new long[length + 1];
    System.arraycopy(entry.nodes, 0, nodes, 0, insertAt);
    System.arraycopy(entry.counts, 0, counts, 0, insertAt);
    nodes[insertAt] = nodeId;
    counts[insertAt] = count;
    System.arraycopy(entry.nodes, insertAt, nodes, insertAt + 1, length - insertAt);
    System.arraycopy(entry.counts, insertAt, counts, insertAt + 1, length - insertAt);
    entry.nodes = nodeSets.of(nodes);
    entry.counts = counts;
  }

  private static boolean sameNodes(String[] nodes, GCounter state) {
    if (nodes.length != state.size()) {
      return false;
    }
    for (int i = 0; i < nodes.length; i++) {
      if (!nodes[i].equals(state.node(i))) {
        return false;
      }
    }
    return true;
  }

  /** Returns the index of {@code nodeId} in the sorted {@code nodes}, negative when absent. */
  private static int indexOf(String[] nodes, String nodeId) {
    // Node ids are mostly the same String instances, so an identity scan usually finds the slot.
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] == nodeId) {
        return i;
      }
    }
    return Arrays.binarySearch(nodes, nodeId);
  }

  private static long[] counts(GCounter state) {
    long[] counts = new long[state.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = state.count(i);
    }
    return counts;
  }

  private static GCounter snapshot(Entry entry) {
    return GCounter.of(entry.nodes, entry.counts);
  }

  /** Returns the sum of the counts, saturating at {@link Long#MAX_VALUE} as {@link GCounter#value()} does. */
  private static long value(long[] counts) {
    long sum = 0;
    for (long count : counts) {
      if (sum > Long.MAX_VALUE - count) {
        return Long.MAX_VALUE;
      }
      sum += count;
    }
    return sum;
  }

  private long ownSlot(Entry entry) {
    int index = indexOf(entry.nodes, ownNodeId);
    return index >= 0 ? entry.counts[index] : 0;
  }

  /** Adds to the totals what the entry gained since it had {@code ownBefore} and {@code valueBefore}. */
  private void addToTotals(long ownBefore, long valueBefore, Entry entry) {
    ownTotal = saturatedAdd(ownTotal, ownSlot(entry) - ownBefore);
    mergedTotal = saturatedAdd(mergedTotal, value(entry.counts) - valueBefore);
  }

  private static long saturatedAdd(long total, long delta) {
    long sum = total + delta;
    return ((total ^ sum) & (delta ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  // The change log: a doubly linked list of every entry, from the oldest change to the newest.

  /** Gives the entry the next version and moves it to the newest end of the change log. */
  private void touch(Entry entry) {
    version++;
    entry.version = version;
    if (entry == newest) {
      return;
    }
    if (entry.newer != null) {
      if (entry.older != null) {
        entry.older.newer = entry.newer;
      } else {
        oldest = entry.newer;
      }
      entry.newer.older = entry.older;
    }
    entry.older = newest;
    entry.newer = null;
    if (newest != null) {
      newest.newer = entry;
    } else {
      oldest = entry;
    }
    newest = entry;
  }

  /**
   * Returns the oldest entry changed after {@code afterVersion}, or null. A version at which a
   * recent delta was cut continues right after that entry. Otherwise the walk starts from the end
   * of the log nearer to the version, because versions grow along the log. It covers the entries
   * between that end and the result.
   */
  private Entry firstChangedAfter(long afterVersion) {
    if (newest == null || newest.version <= afterVersion) {
      return null;
    }
    for (Entry cut : cuts) {
      if (cut != null && cut.version == afterVersion) {
        return cut.newer;
      }
    }
    if (afterVersion - oldest.version < newest.version - afterVersion) {
      Entry entry = oldest;
      while (entry.version <= afterVersion) {
        entry = entry.newer;
      }
      return entry;
    }
    Entry entry = newest;
    while (entry.older != null && entry.older.version > afterVersion) {
      entry = entry.older;
    }
    return entry;
  }

  // The table: open addressing with linear probing. Counters are never removed.

  private Entry find(String name) {
    Entry[] entries = table;
    int mask = entries.length - 1;
    for (int i = slotOf(name, mask); ; i = (i + 1) & mask) {
      Entry entry = entries[i];
      if (entry == null || entry.name.equals(name)) {
        return entry;
      }
    }
  }

  private void insert(Entry entry) {
    if ((size + 1) * 4L > table.length * 3L) {
      Entry[] old = table;
      table = new Entry[old.length * 2];
      for (Entry moved : old) {
        if (moved != null) {
          place(moved);
        }
      }
    }
    place(entry);
    size++;
  }

  private void place(Entry entry) {
    int mask = table.length - 1;
    int i = slotOf(entry.name, mask);
    while (table[i] != null) {
      i = (i + 1) & mask;
    }
    table[i] = entry;
  }

  /** Spreads the hash code over the table, so that similar names do not form long probe runs. */
  private static int slotOf(String name, int mask) {
    int mixed = name.hashCode() * 0x9E3779B9;
    return (mixed ^ (mixed >>> 16)) & mask;
  }
}
