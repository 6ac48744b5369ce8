package lab.counter.region;

import java.util.Map;
import lab.counter.common.crdt.GCounter;

/** Counter names and states shared by the benchmarks of this package. */
final class BenchCounters {

  private BenchCounters() {}

  /** Returns the name of counter {@code index}: 15 characters, such as {@code counter-0000042}. */
  static String name(int index) {
    return String.format("counter-%07d", index);
  }

  /** Returns {@code count} distinct counter names. */
  static String[] names(int count) {
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      names[i] = name(i);
    }
    return names;
  }

  /** Returns a state with the two peer slots of the lab's other regions. */
  static GCounter peerSlots(long west, long eu) {
    return GCounter.of(Map.of(CounterStoreBenchmark.PEER_WEST, west, CounterStoreBenchmark.PEER_EU, eu));
  }

  /**
   * Returns a store of node {@code us-east-1} with {@code count} counters of three slots each: the
   * own slot set by local increments, the two peer slots by a merge, as after a sync.
   */
  static CounterStore filledStore(int count) {
    CounterStore store = new CounterStore(CounterStoreBenchmark.OWN);
    for (int i = 0; i < count; i++) {
      String name = name(i);
      store.increment(name, CounterStoreBenchmark.OWN, 1 + i % 5);
      store.merge(name, peerSlots(1 + i % 3, 1 + i % 7));
    }
    return store;
  }
}
