package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.RequestFields;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("SyncCodec")
class SyncCodecTest {

  @Test
  @DisplayName("encode then decode round-trips")
  void roundTrip() {
    Map<String, GCounter> counters = new LinkedHashMap<>();
    counters.put("views", GCounter.of(Map.of("us-west-1", 4L, "us-east-1", 15L)));
    counters.put("likes:2024-01", GCounter.of(Map.of("eu-west-1", Long.MAX_VALUE)));
    counters.put("_empty", GCounter.empty());

    JsonObject encoded = SyncCodec.encode(counters);
    Map<String, GCounter> decoded = SyncCodec.decode(new JsonObject(encoded.encode()));

    assertThat(decoded).isEqualTo(counters);
    assertThat(decoded.keySet()).containsExactly("views", "likes:2024-01", "_empty");
  }

  @Test
  @DisplayName("encode orders slots by node id")
  void encodeOrdersSlots() {
    GCounter counter = GCounter.of(Map.of("us-west-1", 4L, "eu-west-1", 1L, "us-east-1", 15L));

    JsonObject slots = SyncCodec.encode(counter);

    assertThat(slots.fieldNames()).containsExactly("eu-west-1", "us-east-1", "us-west-1");
    assertThat(slots.encode()).isEqualTo("{\"eu-west-1\":1,\"us-east-1\":15,\"us-west-1\":4}");
  }

  @Test
  @DisplayName("decode of empty message is empty")
  void decodeEmpty() {
    assertThat(SyncCodec.decode(new JsonObject())).isEmpty();
  }

  @Test
  @DisplayName("decode accepts the maximum slots")
  void decodeAcceptsMaxSlots() {
    JsonObject message = new JsonObject().put("wide", slots(SyncCodec.MAX_SLOTS_PER_COUNTER));

    Map<String, GCounter> decoded = SyncCodec.decode(message);

    assertThat(decoded.get("wide").size()).isEqualTo(SyncCodec.MAX_SLOTS_PER_COUNTER);
    assertThat(decoded.get("wide").value()).isEqualTo(SyncCodec.MAX_SLOTS_PER_COUNTER);
  }

  @ParameterizedTest(name = "name \"{0}\"")
  @ValueSource(strings = {"", "a/b", "..", ".hidden", "-x", "bad name", "bad\u0001name", "\uD83D\uDE00views"})
  @DisplayName("decode rejects an invalid counter name")
  void decodeRejectsInvalidName(String name) {
    JsonObject message = new JsonObject().put(name, new JsonObject().put("us-east-1", 1));

    assertRejected(message, "invalid counter_name");
  }

  @Test
  @DisplayName("decode enforces the name length")
  void decodeNameLengthLimit() {
    String longest = "n".repeat(RequestFields.MAX_NAME_LENGTH);

    assertThat(SyncCodec.decode(new JsonObject().put(longest, new JsonObject()))).containsOnlyKeys(longest);
    assertRejected(new JsonObject().put(longest + "n", new JsonObject()), "invalid counter_name", "129 characters");
  }

  static Stream<Arguments> nonObjectVectors() {
    return Stream.of(
        Arguments.of("number", 5),
        Arguments.of("string", "{\"us-east-1\":1}"),
        Arguments.of("array", new JsonArray().add(1)),
        Arguments.of("boolean", true),
        Arguments.of("null", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nonObjectVectors")
  @DisplayName("decode rejects a non-object vector")
  void decodeRejectsNonObjectVector(String kind, Object vector) {
    JsonObject message = new JsonObject().put("views", vector);

    assertRejected(message, "malformed sync message", "not an object of slots");
  }

  static Stream<Arguments> invalidCounts() {
    return Stream.of(
        Arguments.of("negative", "-1"),
        Arguments.of("minimum long", "-9223372036854775808"),
        Arguments.of("fraction", "1.5"),
        Arguments.of("whole double", "2.0"),
        Arguments.of("string", "\"1\""),
        Arguments.of("boolean", "true"),
        Arguments.of("null", "null"),
        Arguments.of("object", "{}"),
        Arguments.of("2^63", "9223372036854775808"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("invalidCounts")
  @DisplayName("decode rejects an invalid count")
  void decodeRejectsInvalidCount(String kind, String count) {
    JsonObject message = new JsonObject("{\"views\": {\"us-east-1\": 3, \"us-west-1\": " + count + "}}");

    assertRejected(message, "malformed sync message", "slot 'us-west-1' of counter 'views'");
  }

  @Test
  @DisplayName("decode rejects too many slots")
  void decodeRejectsTooManySlots() {
    JsonObject message = new JsonObject().put("wide", slots(SyncCodec.MAX_SLOTS_PER_COUNTER + 1));

    assertRejected(message, "malformed sync message", "1025 slots");
  }

  @ParameterizedTest(name = "node id \"{0}\"")
  @ValueSource(strings = {"", " "})
  @DisplayName("decode rejects a blank node id")
  void decodeRejectsBlankNodeId(String nodeId) {
    JsonObject message = new JsonObject().put("views", new JsonObject().put(nodeId, 1));

    assertRejected(message, "malformed sync message", "counter 'views'");
  }

  @Test
  @DisplayName("decode rejects the whole message")
  void decodeRejectsWholeMessage() {
    JsonObject message = new JsonObject()
        .put("good", new JsonObject().put("us-east-1", 1))
        .put("bad", new JsonObject().put("us-east-1", -1));

    assertRejected(message, "malformed sync message");
  }

  @Test
  @DisplayName("decode keeps counts exactly")
  void decodeKeepsCountsExactly() {
    JsonObject message = new JsonObject("{\"views\": {\"a-1\": 0, \"b-1\": 9223372036854775807, \"c-1\": 7}}");

    GCounter counter = SyncCodec.decode(message).get("views");

    assertThat(counter.toMap()).containsExactly(entry("a-1", 0L), entry("b-1", Long.MAX_VALUE), entry("c-1", 7L));
  }

  private static JsonObject slots(int count) {
    JsonObject slots = new JsonObject();
    for (int i = 0; i < count; i++) {
      slots.put("node-" + i, 1);
    }
    return slots;
  }

  private static void assertRejected(JsonObject message, String error, String... detailParts) {
    assertThatThrownBy(() -> SyncCodec.decode(message))
        .isInstanceOfSatisfying(ApiError.class, rejection -> {
          assertThat(rejection.status()).isEqualTo(400);
          assertThat(rejection.error()).isEqualTo(error);
          for (String part : detailParts) {
            assertThat(rejection.detail()).contains(part);
          }
        });
  }
}
