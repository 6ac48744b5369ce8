package lab.counter.common.crdt;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Seeds and random G-Counter states for the randomized tests.
 *
 * <p>Every test case draws its inputs from {@code new Random(seed)}, so a failure message that
 * names the seed is enough to rerun that case: {@code mvn -pl common test -Dtest='GCounter*'
 * -Dgcounter.seed=SEED} runs every randomized test with that one seed only.
 */
final class RandomCounters {

  /** Node ids shared by all random counters, so two counters often have slots in common. */
  static final List<String> NODE_POOL =
      List.of("af-1", "ap-1", "eu-1", "eu-2", "sa-1", "us-1", "us-10", "us-2");

  /** Largest count or amount that is not an edge case near {@code Long.MAX_VALUE}. */
  static final long MAX_REGULAR_COUNT = 1_000_000_000_000L;

  private static final long BASE_SEED = 0x6C0FFEE5EEDL;
  private static final int SEED_COUNT = 200;

  private RandomCounters() {}

  /**
   * Returns {@value #SEED_COUNT} seeds derived from a fixed base seed, or only the seed in the
   * system property {@code gcounter.seed} when it is set.
   */
  static LongStream seeds() {
    Long fixedSeed = Long.getLong("gcounter.seed");
    if (fixedSeed != null) {
      return LongStream.of(fixedSeed);
    }
    return new SplittableRandom(BASE_SEED).longs(SEED_COUNT);
  }

  /**
   * Builds a counter with 1 to 6 slots from {@link #NODE_POOL}. Each count is 0, small, up to
   * {@link #MAX_REGULAR_COUNT}, or just below {@code Long.MAX_VALUE / slotCount}, so one counter
   * never exceeds {@code Long.MAX_VALUE} but a merge of two can.
   */
  static GCounter counter(Random random) {
    List<String> nodes = new ArrayList<>(NODE_POOL);
    Collections.shuffle(nodes, random);
    int slotCount = 1 + random.nextInt(6);

    Map<String, Long> slots = new LinkedHashMap<>();
    for (String node : nodes.subList(0, slotCount)) {
      slots.put(node, count(random, slotCount));
    }
    return GCounter.of(slots);
  }

  /** Returns a node id from {@link #NODE_POOL}. */
  static String node(Random random) {
    return NODE_POOL.get(random.nextInt(NODE_POOL.size()));
  }

  /**
   * Returns a positive increment amount for {@code counter}: small, up to {@link
   * #MAX_REGULAR_COUNT}, exactly the room left below {@code Long.MAX_VALUE}, one more than that
   * room, or {@code Long.MAX_VALUE}.
   */
  static long amount(Random random, GCounter counter) {
    long room = Long.MAX_VALUE - counter.value();
    int kind = random.nextInt(10);
    if (kind < 3) {
      return 1 + random.nextInt(1000);
    }
    if (kind < 7) {
      return 1 + random.nextLong(MAX_REGULAR_COUNT);
    }
    if (kind == 7 && room > 0) {
      return room;
    }
    if (kind == 8 && room < Long.MAX_VALUE) {
      return room + 1;
    }
    return Long.MAX_VALUE;
  }

  /** Returns the exact sum of the slots, which {@link GCounter#value()} caps at Long.MAX_VALUE. */
  static BigInteger exactSum(GCounter counter) {
    BigInteger sum = BigInteger.ZERO;
    for (long count : counter.toMap().values()) {
      sum = sum.add(BigInteger.valueOf(count));
    }
    return sum;
  }

  private static long count(Random random, int slotCount) {
    int kind = random.nextInt(10);
    if (kind == 0) {
      return 0;
    }
    if (kind < 4) {
      return 1 + random.nextInt(1000);
    }
    if (kind < 8) {
      return random.nextLong(MAX_REGULAR_COUNT + 1);
    }
    return Long.MAX_VALUE / slotCount - random.nextInt(3);
  }
}
