package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import lab.counter.common.crdt.GCounter;
import lab.counter.region.CounterStore.Delta;
import lab.counter.region.CounterStore.MergeOutcome;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CounterStore")
class CounterStoreTest {

  private static final String OWN = "us-east-1";
  private static final String PEER = "us-west-1";
  private static final long MAX = Long.MAX_VALUE;

  private final CounterStore store = new CounterStore(OWN);

  @Test
  @DisplayName("increment creates, then adds")
  void incrementCreatesThenAdds() {
    GCounter first = store.increment("views", OWN, 5);
    GCounter second = store.increment("views", OWN, 2);

    assertThat(first.toMap()).containsExactly(entry(OWN, 5L));
    assertThat(second.toMap()).containsExactly(entry(OWN, 7L));
    assertThat(store.get("views")).isEqualTo(second);
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.version()).isEqualTo(2);
  }

  @Test
  @DisplayName("get of unknown counter is null")
  void getUnknownCounter() {
    assertThat(store.get("never")).isNull();
    assertThat(store.size()).isZero();
    assertThat(store.version()).isZero();
  }

  @Test
  @DisplayName("increment overflow changes nothing")
  void incrementOverflowChangesNothing() {
    store.increment("big", OWN, MAX);
    long versionBefore = store.version();

    assertThatThrownBy(() -> store.increment("big", OWN, 1)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> store.increment("big", PEER, 1)).isInstanceOf(ArithmeticException.class);

    assertThat(store.get("big").toMap()).containsExactly(entry(OWN, MAX));
    assertThat(store.version()).isEqualTo(versionBefore);
    assertThat(store.changedSince(versionBefore, 10).counters()).isEmpty();
  }

  @Test
  @DisplayName("merge creates an unknown counter")
  void mergeUnknownCounter() {
    assertThat(store.merge("empty", GCounter.empty())).isEqualTo(MergeOutcome.UNCHANGED);
    assertThat(store.get("empty")).isNull();
    assertThat(store.version()).isZero();

    assertThat(store.merge("views", counter(PEER, 4))).isEqualTo(MergeOutcome.UPDATED);
    assertThat(store.get("views").toMap()).containsExactly(entry(PEER, 4L));
    assertThat(store.version()).isEqualTo(1);
  }

  @Test
  @DisplayName("merge of older state is UNCHANGED")
  void mergeEqualOrOlderUnchanged() {
    store.increment("views", OWN, 3);
    store.merge("views", counter(PEER, 4));
    long versionBefore = store.version();

    assertThat(store.merge("views", slots(OWN, 3, PEER, 4))).isEqualTo(MergeOutcome.UNCHANGED);
    assertThat(store.merge("views", slots(OWN, 1, PEER, 4))).isEqualTo(MergeOutcome.UNCHANGED);
    assertThat(store.merge("views", counter(PEER, 2))).isEqualTo(MergeOutcome.UNCHANGED);
    assertThat(store.merge("views", GCounter.empty())).isEqualTo(MergeOutcome.UNCHANGED);

    assertThat(store.get("views").toMap()).containsExactly(entry(OWN, 3L), entry(PEER, 4L));
    assertThat(store.version()).isEqualTo(versionBefore);
  }

  @Test
  @DisplayName("merge of newer state is UPDATED")
  void mergeDominatingUpdated() {
    store.increment("views", OWN, 3);

    assertThat(store.merge("views", slots(OWN, 3, PEER, 9))).isEqualTo(MergeOutcome.UPDATED);

    assertThat(store.get("views").toMap()).containsExactly(entry(OWN, 3L), entry(PEER, 9L));
    assertThat(store.version()).isEqualTo(2);
  }

  @Test
  @DisplayName("merge of concurrent state is CONFLICT_RESOLVED")
  void mergeConcurrentResolved() {
    store.increment("views", OWN, 3);
    store.merge("views", counter(PEER, 2));

    MergeOutcome outcome = store.merge("views", slots(OWN, 1, PEER, 6, "eu-west-1", 5));

    assertThat(outcome).isEqualTo(MergeOutcome.CONFLICT_RESOLVED);
    assertThat(store.get("views").toMap())
        .containsExactly(entry("eu-west-1", 5L), entry(OWN, 3L), entry(PEER, 6L));
    assertThat(store.get("views").value()).isEqualTo(14);
    assertThat(store.version()).isEqualTo(3);
  }

  @Test
  @DisplayName("changedSince returns later changes in order")
  void changedSinceAfterVersion() {
    store.increment("a", OWN, 1);
    long afterA = store.version();
    store.increment("b", OWN, 1);
    store.merge("c", counter(PEER, 1));
    store.increment("a", OWN, 1);

    Delta delta = store.changedSince(afterA, 10);

    assertThat(delta.counters().keySet()).containsExactly("b", "c", "a");
    assertThat(delta.counters().get("a").toMap()).containsExactly(entry(OWN, 2L));
    assertThat(delta.toVersion()).isEqualTo(store.version());
    assertThat(delta.complete()).isTrue();
  }

  @Test
  @DisplayName("changedSince at latest version is empty")
  void changedSinceLatestEmpty() {
    store.increment("a", OWN, 1);
    store.increment("b", OWN, 1);

    Delta delta = store.changedSince(store.version(), 10);

    assertThat(delta.counters()).isEmpty();
    assertThat(delta.toVersion()).isEqualTo(store.version());
    assertThat(delta.complete()).isTrue();
  }

  @Test
  @DisplayName("changedSince resumes after the limit")
  void changedSinceResumesAfterLimit() {
    List<String> names = List.of("a", "b", "c", "d", "e");
    names.forEach(name -> store.increment(name, OWN, 1));

    List<String> received = new ArrayList<>();
    List<Boolean> completeFlags = new ArrayList<>();
    long since = 0;
    for (int round = 0; round < 3; round++) {
      Delta delta = store.changedSince(since, 2);
      received.addAll(delta.counters().keySet());
      completeFlags.add(delta.complete());
      assertThat(delta.toVersion()).as("toVersion of round %d", round).isGreaterThan(since);
      since = delta.toVersion();
    }

    assertThat(received).containsExactlyElementsOf(names);
    assertThat(completeFlags).containsExactly(false, false, true);
    assertThat(since).isEqualTo(store.version());
  }

  @Test
  @DisplayName("changedSince sees a change after the cut")
  void changedSinceSeesLaterChangeAfterCut() {
    List.of("a", "b", "c").forEach(name -> store.increment(name, OWN, 1));
    Delta first = store.changedSince(0, 2);

    store.increment("a", OWN, 1);
    Delta second = store.changedSince(first.toVersion(), 10);

    assertThat(first.counters().keySet()).containsExactly("a", "b");
    assertThat(first.complete()).isFalse();
    assertThat(second.counters().keySet()).containsExactly("c", "a");
    assertThat(second.counters().get("a").get(OWN)).isEqualTo(2);
    assertThat(second.complete()).isTrue();
  }

  @Test
  @DisplayName("changedSince cuts at the node id limit")
  void changedSinceCutsAtNodeIdLimit() {
    store.merge("a", GCounter.of(Map.of("n-1", 1L, "n-2", 1L)));
    store.merge("b", GCounter.of(Map.of("n-3", 1L)));
    store.merge("c", GCounter.of(Map.of("n-2", 1L, "n-3", 1L)));

    Delta first = store.changedSince(0, 10, 2);
    Delta second = store.changedSince(first.toVersion(), 10, 2);

    assertThat(first.counters().keySet()).as("b would add a third node id").containsExactly("a");
    assertThat(first.complete()).isFalse();
    assertThat(second.counters().keySet()).containsExactly("b", "c");
    assertThat(second.complete()).isTrue();
  }

  @Test
  @DisplayName("changedSince includes a first counter over the node id limit")
  void changedSinceIncludesFirstCounterOverLimit() {
    store.merge("wide", GCounter.of(Map.of("n-1", 1L, "n-2", 1L, "n-3", 1L)));
    store.merge("known", GCounter.of(Map.of("n-1", 1L)));
    store.merge("new", GCounter.of(Map.of("n-4", 1L)));

    Delta delta = store.changedSince(0, 10, 2);

    assertThat(delta.counters().keySet()).as("known adds no node id, new adds one").containsExactly("wide", "known");
    assertThat(delta.complete()).isFalse();
  }

  @Test
  @DisplayName("changedSince cost follows the changes")
  void changedSinceCostFollowsChanges() {
    int counters = 100_000;
    for (int i = 0; i < counters; i++) {
      store.increment("counter-" + i, OWN, 1);
    }
    long before = store.version();
    List<String> changed = IntStream.range(0, 10).mapToObj(i -> "counter-" + (i * 9_973)).toList();
    changed.forEach(name -> store.merge(name, counter(PEER, 1)));

    Delta delta = store.changedSince(before, 50_000);

    assertThat(delta.counters().keySet()).containsExactlyElementsOf(changed);
    assertThat(delta.complete()).isTrue();
    assertThat(store.size()).isEqualTo(counters);
    // Reading 20,000 deltas of 10 counters from the change log takes milliseconds. A scan of all
    // 100,000 counters per delta would visit about 2 * 10^9 entries, far beyond the limit.
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      for (int i = 0; i < 20_000; i++) {
        assertThat(store.changedSince(before, 50_000).counters()).hasSize(10);
      }
    });
  }

  @Test
  @DisplayName("list pages by name after a cursor")
  void listPagesByName() {
    List.of("delta", "alpha", "echo", "charlie", "bravo").forEach(name -> store.increment(name, OWN, 1));

    assertThat(store.list(null, 2).keySet()).containsExactly("alpha", "bravo");
    assertThat(store.list("bravo", 2).keySet()).containsExactly("charlie", "delta");
    assertThat(store.list("delta", 2).keySet()).containsExactly("echo");
    assertThat(store.list("echo", 2)).isEmpty();
    assertThat(store.list("b", 10).keySet()).containsExactly("bravo", "charlie", "delta", "echo");
    assertThat(store.list(null, 10).get("echo").value()).isEqualTo(1);
  }

  @Test
  @DisplayName("totals follow own and merged slots")
  void totalsFollowSlots() {
    store.increment("a", OWN, 5);
    store.increment("b", OWN, 2);
    store.merge("a", slots(OWN, 5, PEER, 10));
    store.merge("c", counter(PEER, 4));

    assertThat(store.ownTotal()).isEqualTo(7);
    assertThat(store.mergedTotal()).isEqualTo(21);

    // A peer returns this node's own slot, higher than known here, as after a restart.
    store.merge("b", counter(OWN, 6));

    assertThat(store.ownTotal()).isEqualTo(11);
    assertThat(store.mergedTotal()).isEqualTo(25);
  }

  @Test
  @DisplayName("unchanged merges leave totals alone")
  void totalsIgnoreNoOps() {
    store.increment("a", OWN, 5);
    store.merge("a", counter(OWN, 3));
    store.merge("a", GCounter.empty());

    assertThat(store.ownTotal()).isEqualTo(5);
    assertThat(store.mergedTotal()).isEqualTo(5);
  }

  @Test
  @DisplayName("totals saturate at Long.MAX_VALUE")
  void totalsSaturate() {
    store.increment("a", OWN, MAX);
    store.increment("b", OWN, 1);
    store.merge("c", counter(PEER, MAX));

    assertThat(store.ownTotal()).isEqualTo(MAX);
    assertThat(store.mergedTotal()).isEqualTo(MAX);

    store.increment("b", OWN, 1);

    assertThat(store.ownTotal()).isEqualTo(MAX);
    assertThat(store.mergedTotal()).isEqualTo(MAX);
  }

  private static GCounter counter(String node, long count) {
    return GCounter.of(Map.of(node, count));
  }

  private static GCounter slots(String firstNode, long firstCount, String secondNode, long secondCount) {
    Map<String, Long> slots = new LinkedHashMap<>();
    slots.put(firstNode, firstCount);
    slots.put(secondNode, secondCount);
    return GCounter.of(slots);
  }

  private static GCounter slots(String firstNode, long firstCount, String secondNode, long secondCount,
      String thirdNode, long thirdCount) {
    Map<String, Long> slots = new LinkedHashMap<>();
    slots.put(firstNode, firstCount);
    slots.put(secondNode, secondCount);
    slots.put(thirdNode, thirdCount);
    return GCounter.of(slots);
  }
}
