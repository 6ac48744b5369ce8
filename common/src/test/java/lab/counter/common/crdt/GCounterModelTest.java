package lab.counter.common.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs random increments and merges on a few replicas and checks each replica against a sequential
 * model, in the manner of Hazelcast's {@code PNCounterImplPropertyTest}, which applies random
 * operations both to PN-counter replicas and to a plain state holder.
 *
 * <p>The model numbers every increment and stores, for each replica, the set of increments that
 * replica has seen. An increment is seen by its own replica, and merging replica a into replica b
 * adds everything a has seen to b. A replica's value must equal the sum of the increments it has
 * seen, and after every replica has merged every other, all replicas must equal the model total.
 */
@DisplayName("GCounter replicas against a sequential model")
@ExtendWith(SeedInErrors.class)
class GCounterModelTest {

  private static final int MAX_OPERATIONS = 80;

  /**
   * Largest increment amount. {@value #MAX_OPERATIONS} increments of this size still sum to less
   * than {@code Long.MAX_VALUE}, so no operation in a run can overflow.
   */
  private static final long MAX_AMOUNT = Long.MAX_VALUE / 128;

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("lab.counter.common.crdt.RandomCounters#seeds")
  @DisplayName("replicas match the model after every operation and converge")
  void replicasMatchModel(long seed) {
    Random random = new Random(seed);
    int replicaCount = 2 + random.nextInt(4);
    List<Operation> operations = randomOperations(random, replicaCount);

    GCounter[] replicas = new GCounter[replicaCount];
    Model model = new Model(replicaCount);
    for (int r = 0; r < replicaCount; r++) {
      replicas[r] = GCounter.empty();
    }

    for (int step = 0; step < operations.size(); step++) {
      Operation operation = operations.get(step);
      try {
        operation.applyTo(replicas);
      } catch (RuntimeException e) {
        String message = String.format(
            "seed %d, operation %d of %d failed: %s, operations %s", seed, step + 1, operations.size(), e, operations);
        throw new AssertionError(message, e);
      }
      operation.applyTo(model);

      for (int r = 0; r < replicaCount; r++) {
        GCounter replica = replicas[r];
        String where = String.format(
            "seed %d, replica %s after operation %d of %d", seed, nodeId(r), step + 1, operations.size());
        assertThat(replica.value())
            .as(() -> where + ", value, replica state " + replica + ", operations " + operations)
            .isEqualTo(model.seenTotal(r));
        assertThat(slotsOf(replica, replicaCount))
            .as(() -> where + ", slots, operations " + operations)
            .isEqualTo(model.seenSlots(r));
      }
    }

    for (int r = 0; r < replicaCount; r++) {
      for (int other = 0; other < replicaCount; other++) {
        replicas[r] = replicas[r].merge(replicas[other]);
      }
    }

    for (int r = 0; r < replicaCount; r++) {
      String context = String.format(
          "seed %d, replica %s after merging every replica, operations %s, replica state %s",
          seed, nodeId(r), operations, replicas[r]);
      assertThat(replicas[r]).as(context + ", compared to replica " + nodeId(0)).isEqualTo(replicas[0]);
      assertThat(replicas[r].value()).as(context + ", value").isEqualTo(model.total());
    }
  }

  private static List<Operation> randomOperations(Random random, int replicaCount) {
    int count = 1 + random.nextInt(MAX_OPERATIONS);
    List<Operation> operations = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (random.nextInt(5) < 3) {
        operations.add(new Increment(random.nextInt(replicaCount), randomAmount(random)));
      } else {
        operations.add(new Merge(random.nextInt(replicaCount), random.nextInt(replicaCount)));
      }
    }
    return operations;
  }

  private static long randomAmount(Random random) {
    int kind = random.nextInt(10);
    if (kind < 4) {
      return 1 + random.nextInt(10);
    }
    if (kind < 9) {
      return 1 + random.nextLong(RandomCounters.MAX_REGULAR_COUNT);
    }
    return 1 + random.nextLong(MAX_AMOUNT);
  }

  /** Returns the slot of every replica's node id in {@code counter}, including slots of 0. */
  private static Map<String, Long> slotsOf(GCounter counter, int replicaCount) {
    Map<String, Long> slots = new TreeMap<>();
    for (int origin = 0; origin < replicaCount; origin++) {
      slots.put(nodeId(origin), counter.get(nodeId(origin)));
    }
    return slots;
  }

  private static String nodeId(int replica) {
    return "replica-" + replica;
  }

  /** One step of a run, applied both to the replicas and to the model. */
  private interface Operation {
    void applyTo(GCounter[] replicas);

    void applyTo(Model model);
  }

  private record Increment(int replica, long amount) implements Operation {
    @Override
    public void applyTo(GCounter[] replicas) {
      replicas[replica] = replicas[replica].increment(nodeId(replica), amount);
    }

    @Override
    public void applyTo(Model model) {
      model.increment(replica, amount);
    }

    @Override
    public String toString() {
      return "increment " + nodeId(replica) + " by " + amount;
    }
  }

  private record Merge(int source, int target) implements Operation {
    @Override
    public void applyTo(GCounter[] replicas) {
      replicas[target] = replicas[target].merge(replicas[source]);
    }

    @Override
    public void applyTo(Model model) {
      model.merge(source, target);
    }

    @Override
    public String toString() {
      return "merge " + nodeId(source) + " into " + nodeId(target);
    }
  }

  /** The increments made so far, and for each replica the set of increments it has seen. */
  private static final class Model {
    private final List<Long> amounts = new ArrayList<>();
    private final List<Integer> origins = new ArrayList<>();
    private final BitSet[] seen;

    Model(int replicaCount) {
      seen = new BitSet[replicaCount];
      for (int r = 0; r < replicaCount; r++) {
        seen[r] = new BitSet();
      }
    }

    void increment(int replica, long amount) {
      seen[replica].set(amounts.size());
      amounts.add(amount);
      origins.add(replica);
    }

    void merge(int source, int target) {
      seen[target].or(seen[source]);
    }

    long total() {
      return amounts.stream().mapToLong(Long::longValue).sum();
    }

    long seenTotal(int replica) {
      return seen[replica].stream().mapToLong(amounts::get).sum();
    }

    /**
     * Returns, for each replica's node id, the sum of the increments made on that replica that
     * {@code replica} has seen.
     */
    Map<String, Long> seenSlots(int replica) {
      Map<String, Long> slots = new TreeMap<>();
      for (int origin = 0; origin < seen.length; origin++) {
        slots.put(nodeId(origin), 0L);
      }
      seen[replica].stream().forEach(i -> slots.merge(nodeId(origins.get(i)), amounts.get(i), Long::sum));
      return slots;
    }
  }
}
