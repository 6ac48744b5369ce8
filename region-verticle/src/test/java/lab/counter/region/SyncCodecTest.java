package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import lab.counter.common.crdt.GCounter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SyncCodec")
class SyncCodecTest {

  @Test
  @DisplayName("encode orders slots by node id")
  void encodeOrdersSlots() {
    GCounter counter = GCounter.of(Map.of("us-west-1", 4L, "eu-west-1", 1L, "us-east-1", 15L));

    JsonObject slots = SyncCodec.encode(counter);

    assertThat(slots.fieldNames()).containsExactly("eu-west-1", "us-east-1", "us-west-1");
    assertThat(slots.encode()).isEqualTo("{\"eu-west-1\":1,\"us-east-1\":15,\"us-west-1\":4}");
  }

  @Test
  @DisplayName("encode keeps counts exactly")
  void encodeKeepsCountsExactly() {
    GCounter counter = GCounter.of(Map.of("a-1", 0L, "b-1", Long.MAX_VALUE));

    JsonObject slots = SyncCodec.encode(counter);

    assertThat(slots.encode()).isEqualTo("{\"a-1\":0,\"b-1\":9223372036854775807}");
  }
}
