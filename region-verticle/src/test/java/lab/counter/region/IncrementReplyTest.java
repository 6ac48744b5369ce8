package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;
import lab.counter.common.http.JsonWriter;
import lab.counter.common.http.RequestFields;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("IncrementReply")
class IncrementReplyTest {

  private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-";

  @Test
  @DisplayName("writes the bytes of the reply object, for edge counts and random names")
  void sameBytesAsTheReplyObject() {
    IncrementReply replies = new IncrementReply("us-east", "us-east-1");
    List<Long> counts = List.of(0L, 1L, 9L, 10L, 99L, 100L, 999_999_999L, 1_000_000_000L, Long.MAX_VALUE - 1, Long.MAX_VALUE);
    for (long local : counts) {
      for (long total : counts) {
        assertSameBytes(replies, "us-east", "us-east-1", "views", local, total);
      }
    }
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      StringBuilder name = new StringBuilder("_");
      int length = random.nextInt(RequestFields.MAX_NAME_LENGTH);
      for (int j = 0; j < length; j++) {
        name.append(NAME_CHARS.charAt(random.nextInt(NAME_CHARS.length())));
      }
      long local = random.nextLong() >>> 2;
      assertSameBytes(replies, "us-east", "us-east-1", name.toString(), local, local + (random.nextLong() >>> 2));
    }
  }

  @Test
  @DisplayName("escapes a region and node id as JSON does")
  void escapesConfiguredNames() {
    assertSameBytes(new IncrementReply("eu \"west\"", "n\\1\u00e9"), "eu \"west\"", "n\\1\u00e9", "c", 3, 4);
  }

  private static void assertSameBytes(IncrementReply replies, String region, String nodeId, String name, long local, long total) {
    JsonObject expected = new JsonObject()
        .put("counter", name)
        .put("region", region)
        .put("node_id", nodeId)
        .put("local_count", local)
        .put("total_count", total);
    assertThat(replies.encode(name, local, total).getBytes())
        .as("%s %d %d", name, local, total)
        .isEqualTo(JsonWriter.toBuffer(expected).getBytes());
  }
}
