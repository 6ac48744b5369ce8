package lab.counter.common.crdt;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable grow-only counter (G-Counter), the state-based CRDT of Shapiro, Preguiça, Baquero
 * and Zawirski, "A comprehensive study of Convergent and Commutative Replicated Data Types" (INRIA
 * RR-7506, 2011).
 *
 * <p>The state is a vector of non-negative counts, one slot per node id. A node increments only its
 * own slot; {@link #merge} takes the pointwise maximum, which is commutative, associative and
 * idempotent, so replicas that have seen the same increments converge whatever order they merge
 * in. The value is the sum of the slots.
 *
 * <p>Slots are kept in two parallel arrays sorted by node id: a counter with three slots costs two
 * small arrays instead of a map with an entry object per slot. Every operation returns a new
 * instance.
 */
public final class GCounter {

  private static final GCounter EMPTY = new GCounter(new String[0], new long[0]);

  private final String[] nodes;
  private final long[] counts;

  private GCounter(String[] nodes, long[] counts) {
    this.nodes = nodes;
    this.counts = counts;
  }

  /** Returns the counter with no slots, whose value is 0. */
  public static GCounter empty() {
    return EMPTY;
  }

  /**
   * Builds a counter from a node-id-to-count map.
   *
   * @throws IllegalArgumentException if a node id is blank or a count is negative
   */
  public static GCounter of(Map<String, Long> slots) {
    for (String node : slots.keySet()) {
      requireNodeId(node);
    }
    String[] nodes = slots.keySet().toArray(new String[0]);
    Arrays.sort(nodes);
    long[] counts = new long[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      Long count = slots.get(nodes[i]);
      if (count == null || count < 0) {
        throw new IllegalArgumentException("count of node '" + nodes[i] + "' must be >= 0, was " + count);
      }
      counts[i] = count;
    }
    return new GCounter(nodes, counts);
  }

  /**
   * Builds a counter from parallel arrays of node ids and counts, in any order. The arrays are
   * copied, so the caller may reuse them.
   *
   * @throws IllegalArgumentException if the arrays differ in length, a node id is blank or appears
   *     twice, or a count is negative
   */
  public static GCounter of(String[] nodes, long[] counts) {
    if (nodes.length != counts.length) {
      throw new IllegalArgumentException(nodes.length + " node ids but " + counts.length + " counts");
    }
    for (String node : nodes) {
      requireNodeId(node);
    }
    String[] sortedNodes = nodes.clone();
    long[] sortedCounts = counts.clone();
    // Insertion sort: a vector has one slot per node, a handful in practice.
    for (int i = 1; i < sortedNodes.length; i++) {
      String node = sortedNodes[i];
      long count = sortedCounts[i];
      int j = i - 1;
      while (j >= 0 && sortedNodes[j].compareTo(node) > 0) {
        sortedNodes[j + 1] = sortedNodes[j];
        sortedCounts[j + 1] = sortedCounts[j];
        j--;
      }
      sortedNodes[j + 1] = node;
      sortedCounts[j + 1] = count;
    }
    for (int i = 0; i < sortedNodes.length; i++) {
      if (i > 0 && sortedNodes[i].equals(sortedNodes[i - 1])) {
        throw new IllegalArgumentException("node '" + sortedNodes[i] + "' appears twice");
      }
      if (sortedCounts[i] < 0) {
        throw new IllegalArgumentException("count of node '" + sortedNodes[i] + "' must be >= 0, was " + sortedCounts[i]);
      }
    }
    return new GCounter(sortedNodes, sortedCounts);
  }

  /**
   * Adds {@code amount} to the slot of {@code nodeId}.
   *
   * @throws IllegalArgumentException if {@code nodeId} is blank or {@code amount} is not positive
   * @throws ArithmeticException if the slot or the value would exceed {@link Long#MAX_VALUE}; the
   *     counter is never wrapped
   */
  public GCounter increment(String nodeId, long amount) {
    requireNodeId(nodeId);
    if (amount <= 0) {
      throw new IllegalArgumentException("amount must be positive, was " + amount);
    }
    long total = value();
    if (total == Long.MAX_VALUE || total > Long.MAX_VALUE - amount) {
      throw new ArithmeticException("increment by " + amount + " would overflow the counter value " + total);
    }

    int index = Arrays.binarySearch(nodes, nodeId);
    if (index >= 0) {
      long[] newCounts = counts.clone();
      newCounts[index] = counts[index] + amount;
      return new GCounter(nodes, newCounts);
    }
    int insertAt = -index - 1;
    String[] newNodes = new String[nodes.length + 1];
    long[] newCounts = new long[nodes.length + 1];
    System.arraycopy(nodes, 0, newNodes, 0, insertAt);
    System.arraycopy(counts, 0, newCounts, 0, insertAt);
    newNodes[insertAt] = nodeId;
    newCounts[insertAt] = amount;
    System.arraycopy(nodes, insertAt, newNodes, insertAt + 1, nodes.length - insertAt);
    System.arraycopy(counts, insertAt, newCounts, insertAt + 1, nodes.length - insertAt);
    return new GCounter(newNodes, newCounts);
  }

  private static void requireNodeId(String nodeId) {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("node id must not be null or blank");
    }
  }

  /** Returns the pointwise maximum of this counter and {@code other}; returns {@code this} when it already dominates. */
  public GCounter merge(GCounter other) {
    Causality causality = compare(other);
    if (causality == Causality.EQUAL || causality == Causality.AFTER) {
      return this;
    }
    if (causality == Causality.BEFORE) {
      return other;
    }

    String[] mergedNodes = new String[nodes.length + other.nodes.length];
    long[] mergedCounts = new long[mergedNodes.length];
    int i = 0;
    int j = 0;
    int size = 0;
    while (i < nodes.length || j < other.nodes.length) {
      int order = i == nodes.length ? 1 : j == other.nodes.length ? -1 : nodes[i].compareTo(other.nodes[j]);
      if (order < 0) {
        mergedNodes[size] = nodes[i];
        mergedCounts[size++] = counts[i++];
      } else if (order > 0) {
        mergedNodes[size] = other.nodes[j];
        mergedCounts[size++] = other.counts[j++];
      } else {
        mergedNodes[size] = nodes[i];
        mergedCounts[size++] = Math.max(counts[i++], other.counts[j++]);
      }
    }
    return new GCounter(Arrays.copyOf(mergedNodes, size), Arrays.copyOf(mergedCounts, size));
  }

  /**
   * Compares the two vectors slot by slot: {@link Causality#BEFORE} when every slot of this counter
   * is at most the other's and one is lower, {@link Causality#CONCURRENT} when each has a slot
   * higher than the other's.
   */
  public Causality compare(GCounter other) {
    boolean thisHigher = false;
    boolean otherHigher = false;
    int i = 0;
    int j = 0;
    while ((i < nodes.length || j < other.nodes.length) && !(thisHigher && otherHigher)) {
      int order = i == nodes.length ? 1 : j == other.nodes.length ? -1 : nodes[i].compareTo(other.nodes[j]);
      if (order < 0) {
        thisHigher |= counts[i++] > 0;
      } else if (order > 0) {
        otherHigher |= other.counts[j++] > 0;
      } else {
        thisHigher |= counts[i] > other.counts[j];
        otherHigher |= counts[i++] < other.counts[j++];
      }
    }
    if (thisHigher && otherHigher) {
      return Causality.CONCURRENT;
    }
    return thisHigher ? Causality.AFTER : otherHigher ? Causality.BEFORE : Causality.EQUAL;
  }

  /**
   * Returns the sum of all slots.
   *
   * <p>{@link #increment} keeps the value within {@code long} as seen by the incrementing node, but
   * concurrent increments on different nodes can together exceed it after a merge. The value then
   * saturates at {@link Long#MAX_VALUE} instead of wrapping to a negative number.
   */
  public long value() {
    long sum = 0;
    for (long count : counts) {
      if (sum > Long.MAX_VALUE - count) {
        return Long.MAX_VALUE;
      }
      sum += count;
    }
    return sum;
  }

  /** Returns the slot of {@code nodeId}, 0 when the node never incremented this counter. */
  public long get(String nodeId) {
    int index = Arrays.binarySearch(nodes, nodeId);
    return index >= 0 ? counts[index] : 0;
  }

  /** Returns the number of slots. */
  public int size() {
    return nodes.length;
  }

  /** Returns the node id of slot {@code index}; slots are ordered by node id, from 0 to {@link #size()} - 1. */
  public String node(int index) {
    return nodes[index];
  }

  /** Returns the count of slot {@code index}, in the order of {@link #node(int)}. */
  public long count(int index) {
    return counts[index];
  }

  /** Returns the slots as an unmodifiable map ordered by node id. */
  public Map<String, Long> toMap() {
    Map<String, Long> map = new LinkedHashMap<>();
    for (int i = 0; i < nodes.length; i++) {
      map.put(nodes[i], counts[i]);
    }
    return Collections.unmodifiableMap(map);
  }

  /** Two counters are equal when every node has the same count; a slot of 0 equals a missing slot. */
  @Override
  public boolean equals(Object other) {
    return other instanceof GCounter && compare((GCounter) other) == Causality.EQUAL;
  }

  @Override
  public int hashCode() {
    int hash = 0;
    for (int i = 0; i < nodes.length; i++) {
      if (counts[i] != 0) {
        hash += nodes[i].hashCode() ^ Long.hashCode(counts[i]);
      }
    }
    return hash;
  }

  @Override
  public String toString() {
    return "GCounter" + toMap() + "=" + value();
  }

  /** The causal order of two G-Counter states, as {@link #compare} computes it. */
  public enum Causality {
    /** Every slot is equal. */
    EQUAL,
    /** This state is dominated by the other: the other has seen every increment this one has. */
    BEFORE,
    /** This state dominates the other. */
    AFTER,
    /** Each state has an increment the other has not seen, so a merge resolves a conflict. */
    CONCURRENT
  }
}
