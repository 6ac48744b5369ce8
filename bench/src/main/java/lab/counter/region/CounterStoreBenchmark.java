package lab.counter.region;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import lab.counter.common.crdt.GCounter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The region's {@link CounterStore}: increments per second, and the cost of merging one incoming
 * counter.
 *
 * <p>The store is single-threaded by design: a region node uses it only from its verticle's event
 * loop. Its state is therefore per thread ({@link Scope#Thread}). With {@code -t 2} each thread
 * drives a store of its own, which measures how the design scales with one store per event loop,
 * not a store shared between threads.
 */
public class CounterStoreBenchmark {

  static final String OWN = "us-east-1";
  static final String PEER_WEST = "us-west-1";
  static final String PEER_EU = "eu-west-1";

  /** Counters the increment benchmark cycles through, a power of two. */
  static final int HOT_COUNTERS = 1024;
  /** Counters merged per invocation of the merge benchmark. */
  static final int MERGE_BATCH = 10_000;

  /** One node's store holding {@link #HOT_COUNTERS} counters with three slots each. */
  @State(Scope.Thread)
  public static class Node {
    CounterStore store;
    String[] names;
    int next;

    @Setup(Level.Trial)
    public void fill() {
      store = new CounterStore(OWN);
      names = BenchCounters.names(HOT_COUNTERS);
      for (String name : names) {
        store.increment(name, OWN, 1);
        store.merge(name, BenchCounters.peerSlots(1, 1));
      }
    }
  }

  /**
   * A store of {@link #MERGE_BATCH} counters and, before every invocation, one incoming state per
   * counter whose relation to the local state {@code relation} sets.
   */
  @State(Scope.Thread)
  public static class MergeBatch {
    /**
     * {@code concurrent}: both sides have an increment the other lacks (CONFLICT_RESOLVED);
     * {@code dominating}: the incoming state has everything local and more (UPDATED);
     * {@code unchanged}: the incoming state equals the local one (UNCHANGED).
     */
    @Param({"concurrent", "dominating", "unchanged"})
    public String relation;

    CounterStore store;
    String[] names;
    GCounter[] incoming;
    long round;

    @Setup(Level.Trial)
    public void fill() {
      store = new CounterStore(OWN);
      names = BenchCounters.names(MERGE_BATCH);
      incoming = new GCounter[MERGE_BATCH];
      for (String name : names) {
        store.increment(name, OWN, 1);
        store.merge(name, BenchCounters.peerSlots(1, 1));
      }
    }

    @Setup(Level.Invocation)
    public void prepareIncoming() {
      round++;
      for (int i = 0; i < MERGE_BATCH; i++) {
        GCounter local = store.get(names[i]);
        incoming[i] = switch (relation) {
          case "concurrent" -> {
            // The local own slot moves ahead, the incoming peer slots too.
            store.increment(names[i], OWN, 1);
            yield GCounter.of(Map.of(OWN, 1L, PEER_WEST, round + 1, PEER_EU, round + 1));
          }
          case "dominating" -> GCounter.of(Map.of(OWN, local.get(OWN), PEER_WEST, round + 1, PEER_EU, round + 1));
          case "unchanged" -> local;
          default -> throw new IllegalArgumentException("unknown relation " + relation);
        };
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public GCounter increment(Node node) {
    String name = node.names[node.next++ & (HOT_COUNTERS - 1)];
    return node.store.increment(name, OWN, 1);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(MERGE_BATCH)
  public int merge(MergeBatch batch) {
    int changed = 0;
    for (int i = 0; i < MERGE_BATCH; i++) {
      if (batch.store.merge(batch.names[i], batch.incoming[i]) != CounterStore.MergeOutcome.UNCHANGED) {
        changed++;
      }
    }
    return changed;
  }
}
