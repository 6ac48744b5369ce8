package lab.counter.common.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import lab.counter.common.crdt.GCounter.Causality;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("GCounter")
class GCounterTest {

  private static final long MAX = Long.MAX_VALUE;

  @Test
  @DisplayName("empty counter has value 0 and no slots")
  void emptyHasNoSlots() {
    GCounter empty = GCounter.empty();

    assertThat(empty.value()).isZero();
    assertThat(empty.size()).isZero();
    assertThat(empty.toMap()).isEmpty();
    assertThat(empty.get("eu-1")).isZero();
  }

  @Test
  @DisplayName("increment on the empty counter creates one slot")
  void incrementOnEmpty() {
    GCounter counter = GCounter.empty().increment("eu-1", 5);

    assertThat(counter.value()).isEqualTo(5);
    assertThat(counter.get("eu-1")).isEqualTo(5);
    assertThat(counter.size()).isEqualTo(1);
    assertThat(counter.toMap()).containsExactly(entry("eu-1", 5L));
    assertThat(GCounter.empty().value()).as("value of the shared empty counter").isZero();
  }

  @Test
  @DisplayName("increment adds to an existing slot and keeps the original")
  void incrementExistingSlot() {
    GCounter original = GCounter.of(Map.of("eu-1", 3L, "us-1", 4L));

    GCounter incremented = original.increment("eu-1", 2);

    assertThat(incremented.toMap()).containsExactly(entry("eu-1", 5L), entry("us-1", 4L));
    assertThat(incremented.value()).isEqualTo(9);
    assertThat(original.toMap()).containsExactly(entry("eu-1", 3L), entry("us-1", 4L));
  }

  @ParameterizedTest(name = "amount {0}")
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  @DisplayName("increment rejects an amount that is not positive")
  void incrementRejectsNonPositiveAmount(long amount) {
    GCounter counter = GCounter.of(Map.of("eu-1", 3L));

    assertThatThrownBy(() -> counter.increment("eu-1", amount))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(amount));
    assertThat(counter.toMap()).containsExactly(entry("eu-1", 3L));
  }

  @Test
  @DisplayName("increment rejects a null or blank node id")
  void incrementRejectsMissingNodeId() {
    GCounter counter = GCounter.of(Map.of("eu-1", 3L));

    assertThatThrownBy(() -> counter.increment(null, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> counter.increment(" ", 1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(counter.toMap()).containsExactly(entry("eu-1", 3L));
  }

  @Test
  @DisplayName("increment that overflows the slot throws ArithmeticException")
  void incrementRejectsSlotOverflow() {
    GCounter full = GCounter.of(Map.of("eu-1", MAX));
    GCounter almostFull = GCounter.of(Map.of("eu-1", MAX - 1));

    assertThatThrownBy(() -> full.increment("eu-1", 1)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> almostFull.increment("eu-1", 2)).isInstanceOf(ArithmeticException.class);
    assertThat(full.toMap()).containsExactly(entry("eu-1", MAX));
    assertThat(almostFull.toMap()).containsExactly(entry("eu-1", MAX - 1));
  }

  @Test
  @DisplayName("increment that overflows the total throws ArithmeticException")
  void incrementRejectsTotalOverflow() {
    GCounter counter = GCounter.of(Map.of("eu-1", MAX - 10, "us-1", 5L));

    assertThatThrownBy(() -> counter.increment("us-1", 6)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> counter.increment("ap-1", 6)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> counter.increment("us-1", MAX)).isInstanceOf(ArithmeticException.class);
    assertThat(counter.toMap()).containsExactly(entry("eu-1", MAX - 10), entry("us-1", 5L));
    assertThat(counter.value()).isEqualTo(MAX - 5);
  }

  @Test
  @DisplayName("increment may bring the total to exactly Long.MAX_VALUE")
  void incrementUpToMaxValue() {
    GCounter counter = GCounter.of(Map.of("eu-1", MAX - 10, "us-1", 5L));

    GCounter full = counter.increment("us-1", 5);

    assertThat(full.value()).isEqualTo(MAX);
    assertThat(full.get("us-1")).isEqualTo(10);
  }

  @Test
  @DisplayName("increment on a saturated counter throws ArithmeticException")
  void incrementRejectsSaturatedCounter() {
    GCounter saturated = GCounter.of(Map.of("eu-1", MAX - 1)).merge(GCounter.of(Map.of("us-1", 2L)));

    assertThatThrownBy(() -> saturated.increment("us-1", 1)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> saturated.increment("ap-1", 1)).isInstanceOf(ArithmeticException.class);
    assertThat(saturated.toMap()).containsExactly(entry("eu-1", MAX - 1), entry("us-1", 2L));
  }

  @Test
  @DisplayName("of rejects a negative count")
  void ofRejectsNegativeCount() {
    Map<String, Long> slots = Map.of("eu-1", 3L, "us-1", -1L);

    assertThatThrownBy(() -> GCounter.of(slots))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("us-1");
  }

  @Test
  @DisplayName("of rejects a null count")
  void ofRejectsNullCount() {
    Map<String, Long> slots = new HashMap<>();
    slots.put("eu-1", null);

    assertThatThrownBy(() -> GCounter.of(slots)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "node id \"{0}\"")
  @ValueSource(strings = {"", " ", "\t", "\n"})
  @DisplayName("of rejects a blank node id")
  void ofRejectsBlankId(String nodeId) {
    Map<String, Long> slots = Map.of("eu-1", 3L, nodeId, 1L);

    assertThatThrownBy(() -> GCounter.of(slots))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
  }

  @Test
  @DisplayName("of keeps a slot of 0, which equals a missing slot")
  void ofKeepsZeroSlot() {
    GCounter counter = GCounter.of(Map.of("eu-1", 0L));

    assertThat(counter.size()).isEqualTo(1);
    assertThat(counter.value()).isZero();
    assertThat(counter).isEqualTo(GCounter.empty());
  }

  @Test
  @DisplayName("of copies the map")
  void ofCopiesMap() {
    Map<String, Long> slots = new HashMap<>(Map.of("eu-1", 3L));
    GCounter counter = GCounter.of(slots);

    slots.put("eu-1", 100L);
    slots.put("us-1", 7L);

    assertThat(counter.toMap()).containsExactly(entry("eu-1", 3L));
  }

  @Test
  @DisplayName("get returns 0 for a node without a slot")
  void getUnknownNodeIsZero() {
    GCounter counter = GCounter.of(Map.of("eu-1", 3L));

    assertThat(counter.get("us-1")).isZero();
  }

  static Stream<Arguments> causalityCases() {
    return Stream.of(
        Arguments.of("both empty", Map.of(), Map.of(), Causality.EQUAL),
        Arguments.of("same slots", Map.of("eu-1", 1L, "us-1", 2L), Map.of("eu-1", 1L, "us-1", 2L), Causality.EQUAL),
        Arguments.of("slot of 0 against missing slot", Map.of("eu-1", 0L, "us-1", 1L), Map.of("us-1", 1L), Causality.EQUAL),
        Arguments.of("slot of 0 against empty", Map.of("eu-1", 0L), Map.of(), Causality.EQUAL),
        Arguments.of("lower slot", Map.of("eu-1", 1L), Map.of("eu-1", 2L), Causality.BEFORE),
        Arguments.of("missing slot", Map.of("eu-1", 1L), Map.of("eu-1", 1L, "us-1", 1L), Causality.BEFORE),
        Arguments.of("slot of 0 against positive slot", Map.of("eu-1", 0L), Map.of("us-1", 1L), Causality.BEFORE),
        Arguments.of("empty against positive slot", Map.of(), Map.of("us-1", 1L), Causality.BEFORE),
        Arguments.of("higher slot", Map.of("eu-1", 2L), Map.of("eu-1", 1L), Causality.AFTER),
        Arguments.of("extra slot against slot of 0", Map.of("eu-1", 1L, "us-1", 1L), Map.of("eu-1", 1L, "us-1", 0L), Causality.AFTER),
        Arguments.of("slots of Long.MAX_VALUE", Map.of("eu-1", MAX), Map.of("eu-1", MAX - 1), Causality.AFTER),
        Arguments.of("crossed slots", Map.of("eu-1", 2L, "us-1", 1L), Map.of("eu-1", 1L, "us-1", 2L), Causality.CONCURRENT),
        Arguments.of("disjoint slots", Map.of("eu-1", 1L), Map.of("us-1", 1L), Causality.CONCURRENT),
        Arguments.of("disjoint slots with zeros", Map.of("eu-1", 1L, "us-1", 0L), Map.of("eu-1", 0L, "us-1", 1L), Causality.CONCURRENT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("causalityCases")
  @DisplayName("compare orders two counters slot by slot")
  void compareSlotBySlot(String description, Map<String, Long> left, Map<String, Long> right, Causality expected) {
    GCounter leftCounter = GCounter.of(left);
    GCounter rightCounter = GCounter.of(right);

    assertThat(leftCounter.compare(rightCounter)).as("%s compared to %s", left, right).isEqualTo(expected);
    assertThat(rightCounter.compare(leftCounter)).as("%s compared to %s", right, left).isEqualTo(mirror(expected));
  }

  @Test
  @DisplayName("merge keeps the slots of both counters")
  void mergeKeepsAllSlots() {
    GCounter left = GCounter.of(Map.of("eu-1", 3L, "us-1", 1L));
    GCounter right = GCounter.of(Map.of("us-1", 4L, "ap-1", 2L));

    GCounter merged = left.merge(right);

    assertThat(merged.toMap()).containsExactly(entry("ap-1", 2L), entry("eu-1", 3L), entry("us-1", 4L));
    assertThat(merged.value()).isEqualTo(9);
  }

  @Test
  @DisplayName("merge returns the dominating counter itself")
  void mergeReturnsDominatingCounter() {
    GCounter lower = GCounter.of(Map.of("eu-1", 1L));
    GCounter higher = GCounter.of(Map.of("eu-1", 2L, "us-1", 1L));

    assertThat(higher.merge(lower)).isSameAs(higher);
    assertThat(lower.merge(higher)).isSameAs(higher);
    assertThat(higher.merge(higher)).isSameAs(higher);
  }

  @Test
  @DisplayName("value saturates at Long.MAX_VALUE when merged slots exceed it")
  void valueSaturates() {
    GCounter merged = GCounter.of(Map.of("eu-1", MAX - 1)).merge(GCounter.of(Map.of("us-1", 2L)));

    assertThat(merged.value()).isEqualTo(MAX);
    assertThat(merged.get("eu-1")).isEqualTo(MAX - 1);
    assertThat(merged.get("us-1")).isEqualTo(2);
  }

  @Test
  @DisplayName("value saturates when every slot is Long.MAX_VALUE")
  void valueSaturatesWithMaxSlots() {
    GCounter merged = GCounter.of(Map.of("eu-1", MAX))
        .merge(GCounter.of(Map.of("us-1", MAX)))
        .merge(GCounter.of(Map.of("ap-1", MAX)));

    assertThat(merged.value()).isEqualTo(MAX);
    assertThat(merged.size()).isEqualTo(3);
  }

  @Test
  @DisplayName("value is exact up to Long.MAX_VALUE")
  void valueExactBelowMax() {
    GCounter belowMax = GCounter.of(Map.of("eu-1", MAX - 3)).merge(GCounter.of(Map.of("us-1", 2L)));
    GCounter atMax = GCounter.of(Map.of("eu-1", MAX - 2)).merge(GCounter.of(Map.of("us-1", 2L)));

    assertThat(belowMax.value()).isEqualTo(MAX - 1);
    assertThat(atMax.value()).isEqualTo(MAX);
  }

  @Test
  @DisplayName("toMap is ordered by node id")
  void toMapOrderedByNodeId() {
    GCounter incremented = GCounter.empty()
        .increment("us-2", 1)
        .increment("eu-1", 2)
        .increment("us-10", 3)
        .increment("ap-1", 4);
    Map<String, Long> unordered = new LinkedHashMap<>();
    unordered.put("us-2", 1L);
    unordered.put("eu-1", 2L);
    unordered.put("us-10", 3L);
    unordered.put("ap-1", 4L);

    assertThat(incremented.toMap()).containsExactly(
        entry("ap-1", 4L), entry("eu-1", 2L), entry("us-10", 3L), entry("us-2", 1L));
    assertThat(GCounter.of(unordered).toMap()).containsExactly(
        entry("ap-1", 4L), entry("eu-1", 2L), entry("us-10", 3L), entry("us-2", 1L));
  }

  @Test
  @DisplayName("toMap is unmodifiable")
  void toMapIsUnmodifiable() {
    Map<String, Long> slots = GCounter.of(Map.of("eu-1", 3L)).toMap();
    Map.Entry<String, Long> slot = slots.entrySet().iterator().next();

    assertThatThrownBy(() -> slots.put("us-1", 1L)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> slots.remove("eu-1")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(slots::clear).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> slot.setValue(100L)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @DisplayName("equals treats a slot of 0 like a missing slot")
  void equalsIgnoresZeroSlots() {
    GCounter withZero = GCounter.of(Map.of("eu-1", 0L, "us-1", 2L));
    GCounter withoutZero = GCounter.of(Map.of("us-1", 2L));

    assertThat(withZero).isEqualTo(withoutZero);
    assertThat(withoutZero).isEqualTo(withZero);
    assertThat(withZero.hashCode()).isEqualTo(withoutZero.hashCode());
  }

  @Test
  @DisplayName("equal counters built in different orders have equal hash codes")
  void equalsAndHashCodeAgree() {
    GCounter forward = GCounter.empty().increment("eu-1", 1).increment("us-1", 2).increment("eu-1", 3);
    GCounter backward = GCounter.empty().increment("us-1", 2).increment("eu-1", 4);

    assertThat(forward).isEqualTo(backward);
    assertThat(backward).isEqualTo(forward);
    assertThat(forward.hashCode()).isEqualTo(backward.hashCode());
  }

  @Test
  @DisplayName("equals rejects different counts, null and other types")
  void equalsRejectsDifferentValues() {
    GCounter counter = GCounter.of(Map.of("eu-1", 1L, "us-1", 2L));

    assertThat(counter).isEqualTo(counter);
    assertThat(counter).isNotEqualTo(GCounter.of(Map.of("eu-1", 1L, "us-1", 3L)));
    assertThat(counter).isNotEqualTo(GCounter.of(Map.of("eu-1", 2L, "us-1", 1L)));
    assertThat(counter).isNotEqualTo(GCounter.of(Map.of("eu-1", 1L)));
    assertThat(counter.equals(null)).isFalse();
    assertThat(counter.equals(counter.toMap())).isFalse();
  }

  private static Causality mirror(Causality causality) {
    return switch (causality) {
      case BEFORE -> Causality.AFTER;
      case AFTER -> Causality.BEFORE;
      case EQUAL, CONCURRENT -> causality;
    };
  }
}
