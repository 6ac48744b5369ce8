package lab.counter.common.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import lab.counter.common.crdt.GCounter.Causality;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the semilattice laws of {@link GCounter} on random counters. Each case draws its inputs
 * from {@code new Random(seed)}, and every failure message names the seed and the inputs.
 */
@DisplayName("GCounter laws on random counters")
@ExtendWith(SeedInErrors.class)
class GCounterLawsTest {

  private static final String SEEDS = "lab.counter.common.crdt.RandomCounters#seeds";
  private static final BigInteger MAX_VALUE = BigInteger.valueOf(Long.MAX_VALUE);

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("merge is commutative")
  void mergeIsCommutative(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = RandomCounters.counter(random);

    GCounter ab = a.merge(b);
    GCounter ba = b.merge(a);

    String inputs = String.format("seed %d, a=%s, b=%s", seed, a, b);
    assertThat(ab).as(inputs).isEqualTo(ba);
    assertThat(ab.value()).as(inputs).isEqualTo(ba.value());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("merge is associative")
  void mergeIsAssociative(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = RandomCounters.counter(random);
    GCounter c = RandomCounters.counter(random);

    GCounter leftFirst = a.merge(b).merge(c);
    GCounter rightFirst = a.merge(b.merge(c));

    String inputs = String.format("seed %d, a=%s, b=%s, c=%s", seed, a, b, c);
    assertThat(leftFirst).as(inputs).isEqualTo(rightFirst);
    assertThat(leftFirst.value()).as(inputs).isEqualTo(rightFirst.value());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("merge is idempotent")
  void mergeIsIdempotent(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = RandomCounters.counter(random);
    GCounter ab = a.merge(b);

    String inputs = String.format("seed %d, a=%s, b=%s", seed, a, b);
    assertThat(a.merge(a)).as(inputs + ", a merged with a").isEqualTo(a);
    assertThat(ab.merge(b)).as(inputs + ", (a merged with b) merged with b").isEqualTo(ab);
    assertThat(ab.merge(a)).as(inputs + ", (a merged with b) merged with a").isEqualTo(ab);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("merge result dominates both inputs")
  void mergeDominatesInputs(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = RandomCounters.counter(random);

    GCounter merged = a.merge(b);

    String inputs = String.format("seed %d, a=%s, b=%s, merged=%s", seed, a, b, merged);
    assertThat(merged.compare(a)).as(inputs + ", merged compared to a").isIn(Causality.AFTER, Causality.EQUAL);
    assertThat(merged.compare(b)).as(inputs + ", merged compared to b").isIn(Causality.AFTER, Causality.EQUAL);
    assertThat(a.compare(merged)).as(inputs + ", a compared to merged").isIn(Causality.BEFORE, Causality.EQUAL);
    assertThat(b.compare(merged)).as(inputs + ", b compared to merged").isIn(Causality.BEFORE, Causality.EQUAL);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("merge takes the maximum of each slot")
  void mergeTakesSlotMaximums(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = RandomCounters.counter(random);

    GCounter merged = a.merge(b);

    String inputs = String.format("seed %d, a=%s, b=%s, merged=%s", seed, a, b, merged);
    for (String node : RandomCounters.NODE_POOL) {
      long expected = Math.max(a.get(node), b.get(node));
      assertThat(merged.get(node)).as(inputs + ", slot " + node).isEqualTo(expected);
    }
    long expectedValue = RandomCounters.exactSum(merged).min(MAX_VALUE).longValueExact();
    assertThat(merged.value()).as(inputs + ", value capped at Long.MAX_VALUE").isEqualTo(expectedValue);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("compare of b with a mirrors compare of a with b")
  void compareIsAntisymmetric(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = random.nextBoolean() ? RandomCounters.counter(random) : a.merge(RandomCounters.counter(random));

    Causality forward = a.compare(b);
    Causality backward = b.compare(a);

    String inputs = String.format("seed %d, a=%s, b=%s, a compared to b=%s", seed, a, b, forward);
    assertThat(backward).as(inputs).isEqualTo(mirror(forward));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("compare agrees with merge")
  void compareAgreesWithMerge(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = random.nextBoolean() ? RandomCounters.counter(random) : a.merge(RandomCounters.counter(random));

    Causality causality = a.compare(b);
    GCounter merged = a.merge(b);

    String inputs = String.format("seed %d, a=%s, b=%s, a compared to b=%s", seed, a, b, causality);
    boolean aDominated = causality == Causality.BEFORE || causality == Causality.EQUAL;
    boolean bDominated = causality == Causality.AFTER || causality == Causality.EQUAL;
    assertThat(merged.equals(b)).as(inputs + ", merged equals b").isEqualTo(aDominated);
    assertThat(merged.equals(a)).as(inputs + ", merged equals a").isEqualTo(bDominated);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("value is monotonic under merge")
  void valueIsMonotonicUnderMerge(long seed) {
    Random random = new Random(seed);
    GCounter a = RandomCounters.counter(random);
    GCounter b = RandomCounters.counter(random);

    GCounter merged = a.merge(b);

    String inputs = String.format("seed %d, a=%s, b=%s, merged=%s", seed, a, b, merged);
    assertThat(merged.value()).as(inputs + ", merged value against a").isGreaterThanOrEqualTo(a.value());
    assertThat(merged.value()).as(inputs + ", merged value against b").isGreaterThanOrEqualTo(b.value());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("value grows by the amount under increment")
  void valueIsMonotonicUnderIncrement(long seed) {
    Random random = new Random(seed);
    GCounter counter = random.nextBoolean()
        ? RandomCounters.counter(random)
        : RandomCounters.counter(random).merge(RandomCounters.counter(random));
    String node = RandomCounters.node(random);
    long amount = RandomCounters.amount(random, counter);
    Map<String, Long> slotsBefore = counter.toMap();

    String inputs = String.format("seed %d, counter=%s, increment %s by %d", seed, counter, node, amount);
    boolean overflows = BigInteger.valueOf(counter.value()).add(BigInteger.valueOf(amount)).compareTo(MAX_VALUE) > 0;
    if (overflows) {
      assertThatExceptionOfType(ArithmeticException.class).as(inputs).isThrownBy(() -> counter.increment(node, amount));
      assertThat(counter.toMap()).as(inputs + ", slots after the rejected increment").isEqualTo(slotsBefore);
      return;
    }

    GCounter incremented = incrementOrFail(counter, node, amount, inputs);

    assertThat(incremented.value()).as(inputs + ", value").isEqualTo(counter.value() + amount);
    assertThat(incremented.compare(counter)).as(inputs + ", incremented compared to counter").isEqualTo(Causality.AFTER);
    assertThat(counter.toMap()).as(inputs + ", slots of the original counter").isEqualTo(slotsBefore);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("increment changes only the named slot")
  void incrementTouchesOnlyNamedSlot(long seed) {
    Random random = new Random(seed);
    GCounter counter = RandomCounters.counter(random);
    while (counter.value() == Long.MAX_VALUE) {
      counter = RandomCounters.counter(random);
    }
    long room = Long.MAX_VALUE - counter.value();
    String node = RandomCounters.node(random);
    long amount = 1 + random.nextLong(Math.min(room, RandomCounters.MAX_REGULAR_COUNT));

    String inputs = String.format("seed %d, counter=%s, increment %s by %d", seed, counter, node, amount);
    GCounter incremented = incrementOrFail(counter, node, amount, inputs);

    TreeSet<String> nodes = new TreeSet<>(RandomCounters.NODE_POOL);
    nodes.addAll(counter.toMap().keySet());
    for (String other : nodes) {
      long expected = other.equals(node) ? counter.get(other) + amount : counter.get(other);
      assertThat(incremented.get(other)).as(inputs + ", slot " + other).isEqualTo(expected);
    }
    int expectedSize = counter.toMap().containsKey(node) ? counter.size() : counter.size() + 1;
    assertThat(incremented.size()).as(inputs + ", size").isEqualTo(expectedSize);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource(SEEDS)
  @DisplayName("equal counters have equal hash codes")
  void equalCountersHaveEqualHashCodes(long seed) {
    Random random = new Random(seed);
    GCounter counter = RandomCounters.counter(random);
    Map<String, Long> withZeroSlots = new LinkedHashMap<>();
    for (String node : RandomCounters.NODE_POOL) {
      if (random.nextBoolean()) {
        withZeroSlots.put(node, 0L);
      }
    }
    withZeroSlots.putAll(counter.toMap());
    GCounter padded = GCounter.of(withZeroSlots);

    String inputs = String.format("seed %d, counter=%s, padded=%s", seed, counter, padded);
    assertThat(padded).as(inputs).isEqualTo(counter);
    assertThat(counter).as(inputs).isEqualTo(padded);
    assertThat(padded.hashCode()).as(inputs + ", hash codes").isEqualTo(counter.hashCode());
  }

  /** Increments {@code counter}, turning an exception into a failure that names {@code inputs}. */
  private static GCounter incrementOrFail(GCounter counter, String node, long amount, String inputs) {
    try {
      return counter.increment(node, amount);
    } catch (RuntimeException e) {
      throw new AssertionError(inputs + ": unexpected " + e, e);
    }
  }

  private static Causality mirror(Causality causality) {
    return switch (causality) {
      case BEFORE -> Causality.AFTER;
      case AFTER -> Causality.BEFORE;
      case EQUAL, CONCURRENT -> causality;
    };
  }
}
