package lab.counter.region;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lab.counter.common.crdt.GCounter;

/**
 * Shared sorted node-id arrays for {@link CounterStore}: the million counters of a node have a few
 * distinct sets of nodes, so each set is stored once instead of once per counter. The arrays
 * handed out are never modified.
 */
final class NodeSets {

  /**
   * Most distinct sets kept. A peer sending counters with ever new node ids cannot grow the map
   * past it; counters with sets beyond it keep their own array.
   */
  static final int MAX_SETS = 4096;

  private final Map<List<String>, String[]> shared = new HashMap<>();

  /** Returns the shared array equal to {@code sortedNodes}, which becomes the shared one if it is new; the caller must not modify it afterwards. */
  String[] of(String[] sortedNodes) {
    List<String> key = Arrays.asList(sortedNodes);
    String[] existing = shared.get(key);
    if (existing != null) {
      return existing;
    }
    if (shared.size() < MAX_SETS) {
      shared.put(key, sortedNodes);
    }
    return sortedNodes;
  }

  /** Returns the shared array of the single node {@code nodeId}. */
  String[] of(String nodeId) {
    return of(new String[] {nodeId});
  }

  /** Returns the shared array of the node ids of {@code state}. */
  String[] of(GCounter state) {
    String[] nodes = new String[state.size()];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = state.node(i);
    }
    return of(nodes);
  }
}
