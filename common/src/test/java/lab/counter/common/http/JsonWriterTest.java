package lab.counter.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link JsonWriter} writes the same bytes as {@link JsonObject#toBuffer()}, for every value it meets. */
@DisplayName("JsonWriter")
class JsonWriterTest {

  private static final String[] STRINGS = {
      "", "views", "us-east-1", "a\"quote", "back\\slash", "tab\there", "new\nline", "caf\u00e9", "\u20ac", "\ud83d\ude00",
      "lone \ud800 surrogate", "\u0001", "/slash", "{\"json\": [1]}", "~ del\u007f"};

  @Test
  @DisplayName("an increment reply")
  void incrementReply() {
    JsonObject reply = new JsonObject()
        .put("counter", "views")
        .put("region", "us-east")
        .put("node_id", "us-east-1")
        .put("local_count", 12L)
        .put("total_count", Long.MAX_VALUE)
        .put("failed_over", new JsonArray())
        .put("routing", "round-robin")
        .put("latency_ms", 0.42);

    assertSameBytes(reply);
    assertThat(JsonWriter.toBuffer(reply).toString()).isEqualTo("{\"counter\":\"views\",\"region\":\"us-east\",\"node_id\":\"us-east-1\","
        + "\"local_count\":12,\"total_count\":9223372036854775807,\"failed_over\":[],\"routing\":\"round-robin\",\"latency_ms\":0.42}");
  }

  @Test
  @DisplayName("every string, number and nesting of 2,000 seeded objects")
  void seededObjects() {
    for (int seed = 0; seed < 2000; seed++) {
      Random random = new Random(seed);
      JsonObject json = randomObject(random, 3);
      assertThat(JsonWriter.toBuffer(json).toString())
          .as("seed %d: %s", seed, json.encode())
          .isEqualTo(json.toBuffer().toString());
    }
  }

  @Test
  @DisplayName("values it does not write itself are left to Jackson")
  void otherValues() {
    assertSameBytes(new JsonObject().put("big", new BigDecimal("1.50")).put("after", 1));
    assertSameBytes(new JsonObject().put("bytes", new byte[] {1, 2, 3}));
    assertSameBytes(new JsonObject().put("float", 1.5f).put("nan", Double.NaN).put("infinite", Double.POSITIVE_INFINITY));
    assertSameBytes(new JsonObject().put("nested", new JsonObject().put("deep", new JsonArray().add(new BigDecimal("2")))));
    assertSameBytes(new JsonObject().put("key with \u00e9", "value"));
  }

  private static void assertSameBytes(JsonObject json) {
    assertThat(JsonWriter.toBuffer(json).getBytes()).isEqualTo(json.toBuffer().getBytes());
  }

  private static JsonObject randomObject(Random random, int depth) {
    JsonObject json = new JsonObject();
    int fields = random.nextInt(6);
    for (int i = 0; i < fields; i++) {
      json.put(randomString(random) + i, randomValue(random, depth));
    }
    return json;
  }

  private static Object randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 0 ? 10 : 8)) {
      case 0: return null;
      case 1: return randomString(random);
      case 2: return random.nextLong();
      case 3: return random.nextInt();
      case 4: return random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
      case 5: return random.nextBoolean();
      case 6: return (long) random.nextInt(1000);
      case 7: return -random.nextDouble();
      case 8: return randomObject(random, depth - 1);
      default:
        JsonArray array = new JsonArray();
        int items = random.nextInt(4);
        for (int i = 0; i < items; i++) {
          array.add(randomValue(random, depth - 1));
        }
        return array;
    }
  }

  private static String randomString(Random random) {
    return STRINGS[random.nextInt(STRINGS.length)];
  }
}
