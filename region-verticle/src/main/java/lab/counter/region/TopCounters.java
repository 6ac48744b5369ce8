package lab.counter.region;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The most active counters, by number of increments, in bounded memory: the Space-Saving algorithm
 * of Metwally, Agrawal and El Abbadi, "Efficient Computation of Frequent and Top-k Elements in Data
 * Streams" (ICDT 2005). A new name replaces the least active tracked one and inherits its count, so
 * a name that is really among the most active is never missing, while a newcomer may briefly
 * displace a slightly more active one. Not thread-safe: used from the region verticle's event loop.
 */
final class TopCounters {

  private final int capacity;
  /** Increments by tracked name, each in a one-element array so that a hit changes it in place. */
  private final Map<String, long[]> counts;

  TopCounters(int capacity) {
    this.capacity = capacity;
    this.counts = new HashMap<>(capacity * 2);
  }

  /** Records one increment of {@code name}. */
  void record(String name) {
    long[] count = counts.get(name);
    if (count != null) {
      count[0]++;
    } else if (counts.size() < capacity) {
      counts.put(name, new long[] {1});
    } else if (capacity > 0) {
      Map.Entry<String, long[]> least = null;
      for (Map.Entry<String, long[]> entry : counts.entrySet()) {
        if (least == null || entry.getValue()[0] < least.getValue()[0]) {
          least = entry;
        }
      }
      long[] inherited = counts.remove(least.getKey());
      inherited[0]++;
      counts.put(name, inherited);
    }
  }

  /** Returns the names tracked now, at most the capacity. */
  Set<String> names() {
    return Set.copyOf(counts.keySet());
  }
}
