package lab.counter.common.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GCounter from arrays and by slot index")
class GCounterArraysTest {

  @Test
  @DisplayName("of(arrays) sorts the slots by node id")
  void ofArraysSorts() {
    GCounter counter = GCounter.of(new String[] {"us-1", "af-1", "eu-1"}, new long[] {3, 1, 2});

    assertThat(counter.toMap()).containsExactly(entry("af-1", 1L), entry("eu-1", 2L), entry("us-1", 3L));
    assertThat(counter).isEqualTo(GCounter.of(Map.of("us-1", 3L, "af-1", 1L, "eu-1", 2L)));
    assertThat(counter.value()).isEqualTo(6);
  }

  @Test
  @DisplayName("of(arrays) copies its arguments")
  void ofArraysCopies() {
    String[] nodes = {"eu-1", "us-1"};
    long[] counts = {4, 5};

    GCounter counter = GCounter.of(nodes, counts);
    nodes[0] = "zz-9";
    counts[1] = 99;

    assertThat(counter.toMap()).containsExactly(entry("eu-1", 4L), entry("us-1", 5L));
  }

  @Test
  @DisplayName("of(arrays) with no slots is empty")
  void ofArraysEmpty() {
    GCounter counter = GCounter.of(new String[0], new long[0]);

    assertThat(counter.size()).isZero();
    assertThat(counter).isEqualTo(GCounter.empty());
  }

  @Test
  @DisplayName("of(arrays) rejects invalid slots")
  void ofArraysRejectsInvalid() {
    assertThatThrownBy(() -> GCounter.of(new String[] {"eu-1"}, new long[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 node ids but 2 counts");
    assertThatThrownBy(() -> GCounter.of(new String[] {"eu-1", " "}, new long[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
    assertThatThrownBy(() -> GCounter.of(new String[] {"eu-1", null}, new long[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
    assertThatThrownBy(() -> GCounter.of(new String[] {"eu-1", "us-1", "eu-1"}, new long[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'eu-1' appears twice");
    assertThatThrownBy(() -> GCounter.of(new String[] {"eu-1", "us-1"}, new long[] {1, -2}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'us-1' must be >= 0, was -2");
  }

  @Test
  @DisplayName("node and count read the slots in node-id order")
  void slotsByIndex() {
    GCounter counter = GCounter.of(Map.of("us-1", 7L, "eu-1", 0L, "af-1", 2L));

    assertThat(counter.size()).isEqualTo(3);
    assertThat(counter.node(0)).isEqualTo("af-1");
    assertThat(counter.count(0)).isEqualTo(2);
    assertThat(counter.node(1)).isEqualTo("eu-1");
    assertThat(counter.count(1)).isZero();
    assertThat(counter.node(2)).isEqualTo("us-1");
    assertThat(counter.count(2)).isEqualTo(7);
    assertThatThrownBy(() -> counter.node(3)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
