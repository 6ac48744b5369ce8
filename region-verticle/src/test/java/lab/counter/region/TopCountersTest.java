package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("TopCounters")
class TopCountersTest {

  @Test
  @DisplayName("tracks every name while under capacity")
  void tracksUnderCapacity() {
    TopCounters top = new TopCounters(3);

    top.record("a");
    top.record("b");
    top.record("a");

    assertThat(top.names()).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  @DisplayName("never tracks more names than its capacity")
  void boundedSize() {
    TopCounters top = new TopCounters(5);

    for (int i = 0; i < 10_000; i++) {
      top.record("name-" + i);
      assertThat(top.names().size()).as("names tracked after %d records", i + 1).isLessThanOrEqualTo(5);
    }

    assertThat(top.names()).hasSize(5);
  }

  @Test
  @DisplayName("capacity 0 tracks nothing")
  void zeroCapacityTracksNothing() {
    TopCounters top = new TopCounters(0);

    top.record("a");
    top.record("a");

    assertThat(top.names()).isEmpty();
  }

  @Test
  @DisplayName("heavy hitter stays tracked among many one-off names")
  void heavyHitterStaysAmongOneOffs() {
    TopCounters top = new TopCounters(5);

    for (int i = 0; i < 1000; i++) {
      top.record("hot");
      top.record("once-" + i);
      assertThat(top.names()).as("names after round %d", i).contains("hot");
    }
  }

  @Test
  @DisplayName("frequent names survive a shuffled stream")
  void frequentNamesSurviveShuffledStream() {
    // Space-Saving keeps every name with more than N / capacity occurrences in a stream of N.
    List<String> stream = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      stream.add("noise-" + i);
    }
    for (int i = 0; i < 1500; i++) {
      stream.add("hot");
    }
    for (int i = 0; i < 1000; i++) {
      stream.add("warm");
    }
    Collections.shuffle(stream, new Random(42));
    TopCounters top = new TopCounters(10);

    stream.forEach(top::record);

    assertThat(top.names()).contains("hot", "warm").hasSize(10);
  }

  @Test
  @DisplayName("names returns a snapshot")
  void namesIsSnapshot() {
    TopCounters top = new TopCounters(1);
    top.record("a");

    var snapshot = top.names();
    top.record("b");

    assertThat(snapshot).containsExactly("a");
    assertThat(top.names()).containsExactly("b");
  }
}
