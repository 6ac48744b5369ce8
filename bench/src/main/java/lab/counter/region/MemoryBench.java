package lab.counter.region;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;

/**
 * Heap per counter of a region node's {@link CounterStore}, in one process: the used heap after a
 * full GC with the store filled, minus the used heap after a full GC before, divided by the number
 * of counters. Each counter has a 15-character name and three slots (us-east-1, us-west-1,
 * eu-west-1); the node id strings are shared, as on a region node.
 *
 * <p>Usage: {@code java -XX:+UseSerialGC -cp benchmarks.jar lab.counter.region.MemoryBench COUNTERS}
 * prints one {@code RESULT} line.
 */
public final class MemoryBench {

  private MemoryBench() {}

  public static void main(String[] args) throws InterruptedException {
    int counters = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    long before = usedHeapAfterGc();
    CounterStore store = BenchCounters.filledStore(counters);
    long after = usedHeapAfterGc();
    if (store.size() != counters) {
      throw new IllegalStateException("the store contains " + store.size() + " counters, expected " + counters);
    }
    Reference.reachabilityFence(store);
    System.out.printf("RESULT kind=memory counters=%d slots=3 heap_bytes=%d bytes_per_counter=%.1f gc=%s%n",
        counters, after - before, (double) (after - before) / counters,
        ManagementFactory.getGarbageCollectorMXBeans().get(0).getName());
  }

  /** Returns the smallest used heap seen over five full GCs. */
  private static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
