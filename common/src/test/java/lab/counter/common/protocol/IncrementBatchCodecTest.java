package lab.counter.common.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The bytes of {@link IncrementBatchCodec}: round trips, and every malformed message rejected without throwing. */
@DisplayName("IncrementBatchCodec")
class IncrementBatchCodecTest {

  private final IncrementBatchCodec codec = new IncrementBatchCodec();

  @Test
  @DisplayName("a request and a reply survive the round trip, after bytes already in the buffer")
  void roundTrip() {
    IncrementBatch.Request request = new IncrementBatch.Request(List.of(
        new IncrementBatch.Increment("views", 1, null),
        new IncrementBatch.Increment("caf\u00e9", Long.MAX_VALUE, "key-\u20ac"),
        new IncrementBatch.Increment("", 0, "")));
    IncrementBatch.Reply reply = new IncrementBatch.Reply("us-east", "us-east-1", List.of(
        new IncrementBatch.Applied(0, Long.MAX_VALUE, false),
        new IncrementBatch.Applied(5, 7, true),
        new IncrementBatch.OtherReply(new JsonObject().put("counter", "views").put("extra", new JsonObject().put("a", 1))),
        new IncrementBatch.Failed(599, "{\"error\":\"partitioned\"}")));

    assertThat(roundTrip(request)).isEqualTo(request);
    assertThat(roundTrip(reply)).isEqualTo(reply);
  }

  @Test
  @DisplayName("seeded batches of 1 to 1,000 survive the round trip")
  void seededRoundTrips() {
    for (int seed = 0; seed < 200; seed++) {
      Random random = new Random(seed);
      int size = 1 + random.nextInt(random.nextBoolean() ? 10 : IncrementBatchCodec.MAX_INCREMENTS);
      List<IncrementBatch.Increment> increments = new ArrayList<>();
      List<IncrementBatch.Result> results = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        long amount = random.nextBoolean() ? random.nextInt(100) : random.nextLong() & Long.MAX_VALUE;
        increments.add(new IncrementBatch.Increment("c" + random.nextInt(1000), amount, random.nextBoolean() ? null : "k" + i));
        results.add(switch (random.nextInt(3)) {
          case 0 -> new IncrementBatch.Applied(amount, amount + random.nextInt(10), random.nextBoolean());
          case 1 -> new IncrementBatch.OtherReply(new JsonObject().put("n", i));
          default -> new IncrementBatch.Failed(400 + random.nextInt(200), "failure " + i);
        });
      }
      assertThat(roundTrip(new IncrementBatch.Request(increments))).as("seed %d", seed).isEqualTo(new IncrementBatch.Request(increments));
      IncrementBatch.Reply reply = new IncrementBatch.Reply("eu-west", "eu-west-" + seed, results);
      assertThat(roundTrip(reply)).as("seed %d", seed).isEqualTo(reply);
    }
  }

  @Test
  @DisplayName("an applied increment costs a few bytes, not its JSON")
  void compact() {
    IncrementBatch.Reply reply = new IncrementBatch.Reply("us-east", "us-east-1", List.of(new IncrementBatch.Applied(1000, 3000, false)));
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, reply);
    // 4 length + 2 header + 8 region + 10 node id + 1 count + 1 kind + 2 + 2 varints + 1 bool.
    assertThat(buffer.length()).isEqualTo(31);
  }

  @Test
  @DisplayName("every truncation of a valid message is rejected with a reason")
  void truncations() {
    byte[] body = body(new IncrementBatch.Request(List.of(new IncrementBatch.Increment("views", 300, "key-1"))));
    for (int length = 0; length < body.length; length++) {
      assertMalformed(Arrays.copyOf(body, length), "");
    }
    byte[] reply = body(new IncrementBatch.Reply("us-east", "us-east-1", List.of(new IncrementBatch.Failed(400, "bad"))));
    for (int length = 0; length < reply.length; length++) {
      assertMalformed(Arrays.copyOf(reply, length), "");
    }
  }

  @Test
  @DisplayName("a wrong version, kind, count, result kind or trailing byte is rejected")
  void malformed() {
    assertMalformed(new byte[] {2, 1, 1, 1, 1, 0}, "unknown format version 2");
    assertMalformed(new byte[] {1, 3}, "unknown message kind 3");
    assertMalformed(new byte[] {1, 1, 0}, "increments is empty");
    assertMalformed(new byte[] {1, 1, (byte) 0xe9, 0x07}, "increments");
    assertMalformed(new byte[] {1, 1, 100, 2, 'a', 1, 0}, "claims 100 entries");
    assertMalformed(new byte[] {1, 1, 1, 0, 1, 0}, "has no counter_name");
    assertMalformed(new byte[] {1, 1, 1, 2, 'a', 1, 0, 9}, "unexpected bytes after the last entry");
    assertMalformed(new byte[] {1, 2, 2, 'r', 2, 'n', 1, 4, 0, 0}, "unknown kind 4");
    assertMalformed(new byte[] {1, 2, 2, 'r', 2, 'n', 1, 1, 0, 0, 2}, "replay");
    assertMalformed(new byte[] {1, 2, 2, 'r', 2, 'n', 1, 2, 3, '[', ']'}, "is not a JSON object");
    assertMalformed(new byte[] {1, 2, 0, 2, 'n', 1, 1, 0, 0, 0}, "region is missing");
    assertMalformed(new byte[] {1, 2, 2, 'r', 2, 'n', 1, 3, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10, 1},
        "is beyond a reply code");
    assertMalformed(new byte[] {1, 1, 1, 3, (byte) 0xc3, 0x28, 1, 0}, "not valid UTF-8");
  }

  @Test
  @DisplayName("a length prefix beyond the buffer is rejected, and a malformed message is never sent")
  void lengthPrefixAndSend() {
    Buffer buffer = Buffer.buffer().appendInt(50).appendBytes(new byte[] {1, 1});
    assertThat(codec.decodeFromWire(0, buffer)).isInstanceOf(IncrementBatch.Malformed.class);
    assertThat(codec.decodeFromWire(0, Buffer.buffer(new byte[] {0, 0}))).isInstanceOf(IncrementBatch.Malformed.class);
    assertThatThrownBy(() -> codec.encodeToWire(Buffer.buffer(), new IncrementBatch.Malformed("bad")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("a reply of the usual shape becomes counts, any other stays JSON")
  void resultOf() {
    JsonObject usual = new IncrementBatch.Applied(3, 9, false).toJson("views", "us-east", "us-east-1");
    assertThat(IncrementBatch.resultOf(usual, "views", "us-east", "us-east-1")).isEqualTo(new IncrementBatch.Applied(3, 9, false));
    JsonObject replay = new IncrementBatch.Applied(3, 9, true).toJson("views", "us-east", "us-east-1");
    assertThat(IncrementBatch.resultOf(replay, "views", "us-east", "us-east-1")).isEqualTo(new IncrementBatch.Applied(3, 9, true));

    List<JsonObject> others = List.of(
        usual.copy().put("extra", 1),
        usual.copy().put("local_count", 3),
        usual.copy().put("node_id", "us-east-2"),
        usual.copy().put("idempotent_replay", false),
        usual.copy().put("total_count", -1L));
    for (JsonObject other : others) {
      assertThat(IncrementBatch.resultOf(other, "views", "us-east", "us-east-1")).as(other.encode())
          .isEqualTo(new IncrementBatch.OtherReply(other));
    }
    assertThat(IncrementBatch.resultOf(usual, "likes", "us-east", "us-east-1")).isInstanceOf(IncrementBatch.OtherReply.class);
  }

  private IncrementBatch roundTrip(IncrementBatch message) {
    Buffer buffer = Buffer.buffer("prefix");
    codec.encodeToWire(buffer, message);
    return codec.decodeFromWire("prefix".length(), buffer);
  }

  private byte[] body(IncrementBatch message) {
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, message);
    return buffer.getBytes(Integer.BYTES, buffer.length());
  }

  private void assertMalformed(byte[] body, String reason) {
    IncrementBatch decoded = codec.decodeFromWire(0, Buffer.buffer().appendInt(body.length).appendBytes(body));
    assertThat(decoded).as("bytes %s", Arrays.toString(body)).isInstanceOf(IncrementBatch.Malformed.class);
    assertThat(((IncrementBatch.Malformed) decoded).reason()).contains(reason);
  }
}
