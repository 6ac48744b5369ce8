package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import lab.counter.common.crdt.GCounter;
import lab.counter.region.CounterStore.Delta;
import lab.counter.region.CounterStore.MergeOutcome;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs random increments, merges and restores on a {@link CounterStore} and on a plain model built
 * from immutable {@link GCounter}s and a version per counter, and checks after every operation that
 * both hold the same vectors, versions, totals, deltas and pages. The store keeps its vectors in
 * shared arrays updated in place, so the model guards against one counter's change leaking into
 * another or into a snapshot handed out earlier.
 */
@DisplayName("CounterStore against a model of immutable counters")
class CounterStoreModelTest {

  private static final String OWN = "us-east-1";
  /** Node ids of the random states; copies of them are used too, so equal ids are not always the same String. */
  private static final List<String> NODES = List.of(OWN, "us-west-1", "eu-west-1", "ap-south-1", "sa-east-1");
  /** Enough names to grow the store's table several times. */
  private static final int NAMES = 300;
  private static final int OPERATIONS = 1000;

  static LongStream seeds() {
    Long fixedSeed = Long.getLong("store.seed");
    return fixedSeed != null ? LongStream.of(fixedSeed) : new Random(0x5702E).longs(20);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @DisplayName("store matches the model after every operation")
  void storeMatchesModel(long seed) {
    Random random = new Random(seed);
    CounterStore store = new CounterStore(OWN);
    Model model = new Model();
    List<GCounter> handedOut = new ArrayList<>();
    List<Map<String, Long>> handedOutSlots = new ArrayList<>();

    for (int step = 0; step < OPERATIONS; step++) {
      String context = "seed " + seed + ", step " + step;
      String name = "counter-" + random.nextInt(NAMES);
      int kind = random.nextInt(10);
      if (kind < 4) {
        String node = nodeId(random);
        long amount = amount(random);
        GCounter expected;
        try {
          expected = model.increment(name, node, amount);
        } catch (ArithmeticException overflow) {
          assertThatThrownBy(() -> store.increment(name, node, amount)).as(context).isInstanceOf(ArithmeticException.class);
          continue;
        }
        GCounter snapshot = store.increment(name, node, amount);
        assertThat(snapshot.toMap()).as(context).isEqualTo(expected.toMap());
        handedOut.add(snapshot);
        handedOutSlots.add(snapshot.toMap());
      } else if (kind < 9) {
        GCounter incoming = state(random, store.get(name));
        assertThat(store.merge(name, incoming)).as(context).isEqualTo(model.merge(name, incoming));
      } else {
        GCounter recovered = state(random, null);
        store.restore(Map.of(name, recovered));
        model.restore(name, recovered);
      }

      assertThat(store.get(name) == null ? null : store.get(name).toMap()).as(context)
          .isEqualTo(model.states.containsKey(name) ? model.states.get(name).toMap() : null);
      assertThat(store.slot(name, OWN)).as(context).isEqualTo(model.states.getOrDefault(name, GCounter.empty()).get(OWN));
      assertThat(store.version()).as(context).isEqualTo(model.version);
      assertThat(store.size()).as(context).isEqualTo(model.states.size());
      assertThat(store.ownTotal()).as(context).isEqualTo(model.ownTotal);
      assertThat(store.mergedTotal()).as(context).isEqualTo(model.mergedTotal);

      long since = random.nextInt((int) model.version + 1);
      int limit = 1 + random.nextInt(random.nextBoolean() ? 5 : NAMES);
      Delta delta = store.changedSince(since, limit);
      assertDelta(delta, model.changedSince(since, limit), context + ", since " + since);
      if (!delta.complete()) {
        // The next batch starts where this one was cut, as a peer's next sync round does.
        long resumeFrom = delta.toVersion();
        assertDelta(store.changedSince(resumeFrom, limit), model.changedSince(resumeFrom, limit), context + ", resumed at " + resumeFrom);
      }
    }

    for (int i = 0; i < handedOut.size(); i++) {
      assertThat(handedOut.get(i).toMap()).as("snapshot %d of seed %d", i, seed).isEqualTo(handedOutSlots.get(i));
    }
    assertThat(store.list(null, NAMES).keySet()).containsExactlyElementsOf(model.states.keySet());
    String cursor = "counter-15";
    assertThat(store.list(cursor, 7).keySet())
        .containsExactlyElementsOf(model.states.tailMap(cursor, false).keySet().stream().limit(7).toList());
  }

  private static void assertDelta(Delta actual, Delta expected, String context) {
    assertThat(actual.counters().keySet()).as(context).containsExactlyElementsOf(expected.counters().keySet());
    assertThat(slotsByName(actual)).as(context).isEqualTo(slotsByName(expected));
    assertThat(actual.toVersion()).as(context).isEqualTo(expected.toVersion());
    assertThat(actual.complete()).as(context).isEqualTo(expected.complete());
  }

  private static Map<String, Map<String, Long>> slotsByName(Delta delta) {
    Map<String, Map<String, Long>> slots = new HashMap<>();
    delta.counters().forEach((name, counter) -> slots.put(name, counter.toMap()));
    return slots;
  }

  private static String nodeId(Random random) {
    String node = NODES.get(random.nextInt(NODES.size()));
    return random.nextBoolean() ? node : new String(node);
  }

  /** Returns a mostly small amount, sometimes one near the top of the range so that overflow occurs. */
  private static long amount(Random random) {
    return random.nextInt(20) == 0 ? Long.MAX_VALUE / 2 + random.nextInt(1000) : 1 + random.nextInt(50);
  }

  /** Returns a random state: often the local one with some slots raised or lowered, else a fresh vector. */
  private static GCounter state(Random random, GCounter local) {
    Map<String, Long> slots = new HashMap<>();
    if (local != null && random.nextBoolean()) {
      slots.putAll(local.toMap());
    }
    int changes = random.nextInt(4);
    for (int i = 0; i < changes; i++) {
      String node = nodeId(random);
      long current = slots.getOrDefault(node, 0L);
      long next = random.nextInt(8) == 0 ? 0 : Math.max(0, current + random.nextInt(40) - 10);
      slots.put(node, next);
    }
    return GCounter.of(slots);
  }

  /** The store's contract with immutable counters: a state and the version of its last change per name. */
  private static final class Model {
    final TreeMap<String, GCounter> states = new TreeMap<>();
    final Map<String, Long> versions = new HashMap<>();
    long version;
    long ownTotal;
    long mergedTotal;

    GCounter increment(String name, String node, long amount) {
      GCounter updated = states.getOrDefault(name, GCounter.empty()).increment(node, amount);
      record(name, updated);
      return updated;
    }

    MergeOutcome merge(String name, GCounter incoming) {
      GCounter local = states.get(name);
      if (local == null) {
        if (incoming.size() == 0) {
          return MergeOutcome.UNCHANGED;
        }
        record(name, incoming);
        return MergeOutcome.UPDATED;
      }
      switch (local.compare(incoming)) {
        case EQUAL, AFTER:
          return MergeOutcome.UNCHANGED;
        case BEFORE:
          record(name, incoming);
          return MergeOutcome.UPDATED;
        default:
          record(name, local.merge(incoming));
          return MergeOutcome.CONFLICT_RESOLVED;
      }
    }

    void restore(String name, GCounter recovered) {
      record(name, recovered);
    }

    Delta changedSince(long since, int limit) {
      List<String> changed = versions.entrySet().stream()
          .filter(entry -> entry.getValue() > since)
          .sorted(Comparator.comparingLong(Map.Entry::getValue))
          .map(Map.Entry::getKey)
          .toList();
      Map<String, GCounter> counters = new LinkedHashMap<>();
      for (String name : changed.subList(0, Math.min(limit, changed.size()))) {
        counters.put(name, states.get(name));
      }
      if (changed.size() > limit) {
        return new Delta(counters, versions.get(changed.get(limit - 1)), false);
      }
      return new Delta(counters, version, true);
    }

    private void record(String name, GCounter updated) {
      GCounter previous = states.getOrDefault(name, GCounter.empty());
      ownTotal = saturatedAdd(ownTotal, updated.get(OWN) - previous.get(OWN));
      mergedTotal = saturatedAdd(mergedTotal, updated.value() - previous.value());
      states.put(name, updated);
      versions.put(name, ++version);
    }

    private static long saturatedAdd(long total, long delta) {
      long sum = total + delta;
      return ((total ^ sum) & (delta ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
  }
}
