package lab.counter.bench;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.crdt.pncounter.PNCounter;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The reference points for the counter store's increments: a {@link LongAdder}, the fastest
 * in-process counter the JDK offers, and Hazelcast's own PN counter (a CRDT) on an embedded
 * single-member cluster. Every state here is shared by all benchmark threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class IncrementCeilingBenchmark {

  /** Hazelcast member port; bench/run runs the JMH benchmarks while none of its services use it. */
  static final int HAZELCAST_PORT = 25806;

  /** One counter for all threads. */
  @State(Scope.Benchmark)
  public static class Adder {
    final LongAdder adder = new LongAdder();
  }

  /** A {@link LongAdder} per counter name, looked up like the store looks up its counters. */
  @State(Scope.Benchmark)
  public static class AdderByName {
    static final int COUNTERS = 1024;
    final ConcurrentHashMap<String, LongAdder> adders = new ConcurrentHashMap<>();
    String[] names;

    @Setup(Level.Trial)
    public void fill() {
      names = new String[COUNTERS];
      for (int i = 0; i < COUNTERS; i++) {
        names[i] = String.format("counter-%07d", i);
        adders.put(names[i], new LongAdder());
      }
    }
  }

  /** Position in {@link AdderByName#names}, per thread. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  /** An embedded Hazelcast member, alone in its cluster, and one PN counter on it. */
  @State(Scope.Benchmark)
  public static class HazelcastMember {
    HazelcastInstance member;
    PNCounter counter;

    @Setup(Level.Trial)
    public void start() {
      member = Hazelcast.newHazelcastInstance(loopbackOnly());
      counter = member.getPNCounter("bench-increments");
    }

    @TearDown(Level.Trial)
    public void stop() {
      member.shutdown();
    }

    /** Multicast and every discovery off, TCP-IP join to 127.0.0.1 only, bound to 127.0.0.1, no phone-home. */
    private static Config loopbackOnly() {
      Config config = new Config();
      config.setClusterName("counter-lab-bench-pncounter");
      config.setProperty("hazelcast.phone.home.enabled", "false");
      config.setProperty("hazelcast.logging.type", "none");
      config.setProperty("hazelcast.bind.any", "false");
      config.setProperty("hazelcast.socket.bind.any", "false");
      config.setProperty("hazelcast.wait.seconds.before.join", "0");
      NetworkConfig network = config.getNetworkConfig();
      network.setPort(HAZELCAST_PORT).setPortAutoIncrement(false);
      network.setPublicAddress("127.0.0.1");
      network.getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
      network.getRestApiConfig().setEnabled(false);
      JoinConfig join = network.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      join.getAwsConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1:" + HAZELCAST_PORT));
      return config;
    }
  }

  @Benchmark
  public void longAdder(Adder state) {
    state.adder.increment();
  }

  @Benchmark
  public void longAdderByName(AdderByName state, Cursor cursor) {
    state.adders.get(state.names[cursor.next++ & (AdderByName.COUNTERS - 1)]).increment();
  }

  @Benchmark
  public long hazelcastPnCounter(HazelcastMember state) {
    return state.counter.incrementAndGet();
  }
}
