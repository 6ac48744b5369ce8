package lab.counter.common.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import lab.counter.common.crdt.GCounter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The binary sync message format: seeded random messages survive a round trip, and every kind of
 * malformed body decodes to a {@link SyncMessage.Malformed} that names the problem, never to an
 * exception.
 *
 * <p>{@code mvn -pl common test -Dtest=SyncMessageCodecTest -Dsync.seed=SEED} reruns the random
 * cases with one seed.
 */
@DisplayName("SyncMessageCodec")
class SyncMessageCodecTest {

  private static final long BASE_SEED = 0x5EC0DEC5L;
  private static final int SEED_COUNT = 200;
  /** Node ids of random counters, two of them non-ASCII so the UTF-8 path runs too. */
  private static final List<String> NODE_POOL =
      List.of("ap-1", "eu-west-1", "eu-zürich-1", "sa-1", "us-east-1", "us-east-2", "us-west-1", "東京-1");
  private static final String NAME_FIRST = "ABCXYZabcxyz0189_";
  private static final String NAME_REST = NAME_FIRST + ".:-";
  /** Bytes written before each encoded body, so decoding starts at a position other than 0, as on the event bus. */
  private static final int PREFIX_BYTES = 7;

  private final SyncMessageCodec codec = new SyncMessageCodec();

  static LongStream seeds() {
    Long fixedSeed = Long.getLong("sync.seed");
    return fixedSeed != null ? LongStream.of(fixedSeed) : new SplittableRandom(BASE_SEED).longs(SEED_COUNT);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @DisplayName("random messages round-trip")
  void randomMessagesRoundTrip(long seed) {
    Random random = new Random(seed);
    SyncMessage message = randomMessage(random);

    SyncMessage decoded = roundTrip(message);

    String context = "seed " + seed + ", message " + message;
    assertThat(decoded).as(context).isNotInstanceOf(SyncMessage.Malformed.class);
    assertThat(decoded).as(context).isEqualTo(message);
    assertThat(slotsOf(counters(decoded))).as(context + ": names in order and every slot, zeros included")
        .isEqualTo(slotsOf(counters(message)));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @DisplayName("damaged or cut bytes never throw")
  void damagedBytesNeverThrow(long seed) {
    Random random = new Random(seed);
    byte[] body = bodyBytes(randomMessage(random));
    String context = "seed " + seed + ", body " + HexFormat.of().formatHex(body);

    for (int i = 0; i < 50; i++) {
      byte[] damaged = body.clone();
      int position = random.nextInt(damaged.length);
      damaged[position] = (byte) random.nextInt(256);
      Buffer wire = lengthPrefixed(damaged);
      assertThatCode(() -> codec.decodeFromWire(0, wire))
          .as(context + ", byte " + position + " set to " + damaged[position])
          .doesNotThrowAnyException();
    }
    for (int i = 0; i < 50; i++) {
      int length = random.nextInt(body.length);
      byte[] prefix = Arrays.copyOf(body, length);
      SyncMessage decoded = codec.decodeFromWire(0, lengthPrefixed(prefix));
      assertThat(decoded).as(context + ", cut to " + length + " bytes").isInstanceOf(SyncMessage.Malformed.class);
    }
  }

  @Test
  @DisplayName("request encodes to the documented bytes")
  void requestEncodesToDocumentedBytes() {
    Map<String, GCounter> counters = new LinkedHashMap<>();
    counters.put("v", GCounter.of(Map.of("b", 300L, "a", 1L)));
    counters.put("w", GCounter.of(Map.of("b", 0L)));
    SyncMessage.Request request = new SyncMessage.Request("n", "r", "i", null, 5, true, counters);

    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, request);

    String expected = String.join("",
        "0000001e",         // length of what follows: 30 bytes
        "01", "01",         // format version 1, request
        "026e", "0272",     // node_id "n", region "r": length + 1, then UTF-8
        "0269", "00",       // incarnation "i", peer_incarnation absent
        "05", "01",         // since 5, full
        "02", "0261", "0262", // node ids "a" and "b"
        "02",               // two counters
        "0276", "02", "0001", "01ac02", // "v": slots a=1 and b=300 (varint ac 02)
        "0277", "01", "0100");          // "w": slot b=0
    assertThat(HexFormat.of().formatHex(buffer.getBytes())).isEqualTo(expected);
  }

  @Test
  @DisplayName("each node id is written once")
  void nodeIdWrittenOnce() {
    Map<String, GCounter> counters = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) {
      counters.put(String.format("counter-%07d", i), GCounter.of(Map.of("us-east-1", 7L, "us-west-1", 300L, "eu-west-1", 2L)));
    }
    Map<String, GCounter> oneLess = new LinkedHashMap<>(counters);
    oneLess.remove("counter-0000999");

    int bytes = bodyBytes(reply(counters)).length;
    int bytesOneLess = bodyBytes(reply(oneLess)).length;

    // A 16-byte name with its length, a slot count, three one-byte node indices and 4 bytes of counts.
    assertThat(bytes - bytesOneLess).as("bytes of one more counter").isEqualTo(24);
  }

  @Test
  @DisplayName("limits themselves are accepted")
  void limitsAccepted() {
    List<String> nodeIds = new ArrayList<>();
    for (int i = 0; i < SyncMessageCodec.MAX_NODE_IDS; i++) {
      nodeIds.add(String.format("node-%04d", i));
    }
    Map<String, Long> wide = new LinkedHashMap<>();
    nodeIds.subList(0, SyncMessageCodec.MAX_SLOTS_PER_COUNTER).forEach(node -> wide.put(node, Long.MAX_VALUE));
    Map<String, GCounter> counters = new LinkedHashMap<>();
    counters.put("n".repeat(128), GCounter.of(wide));
    for (int i = SyncMessageCodec.MAX_SLOTS_PER_COUNTER; i < nodeIds.size(); i++) {
      counters.put("c" + i, GCounter.of(Map.of(nodeIds.get(i), 1L)));
    }
    String longestId = "x".repeat(SyncMessageCodec.MAX_ID_BYTES);
    SyncMessage.Request request =
        new SyncMessage.Request(longestId, longestId, longestId, longestId, Long.MAX_VALUE, false, counters);

    assertThat(roundTrip(request)).isEqualTo(request);
  }

  @Test
  @DisplayName("local delivery shares the instance")
  void localDeliverySharesInstance() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SyncMessageCodec.register(vertx.eventBus());
      SyncMessageCodec.register(vertx.eventBus());
      SyncMessage.Request request = new SyncMessage.Request("us-east-1", "us-east", "i", null, 0, true, Map.of());
      CompletableFuture<Object> received = new CompletableFuture<>();
      vertx.eventBus().consumer("test.sync", message -> received.complete(message.body()));

      vertx.eventBus().send("test.sync", request, new DeliveryOptions().setCodecName(SyncMessageCodec.NAME));

      assertThat(received.get(5, TimeUnit.SECONDS)).isSameAs(request);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("malformed message is never encoded")
  void malformedNeverEncoded() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> codec.encodeToWire(Buffer.buffer(), new SyncMessage.Malformed("test")))
        .withMessageContaining("never sent");
  }

  /** A body the codec must reject, and a part of the reason it must give. */
  static Stream<Arguments> malformedBodies() {
    return Stream.of(
        Arguments.of("empty body", Buffer.buffer(), "fewer than its 4-byte length"),
        Arguments.of("three bytes", Buffer.buffer(new byte[3]), "fewer than its 4-byte length"),
        Arguments.of("negative length prefix", Buffer.buffer().appendInt(-1).appendByte((byte) 1), "length prefix is -1"),
        Arguments.of("length prefix past the end", Buffer.buffer().appendInt(100).appendBytes(new byte[3]),
            "length prefix is 100, outside 0 to 3"),
        Arguments.of("nothing after the prefix", body(out -> { }), "before the format version"),
        Arguments.of("format version 0", body(out -> out.writeByte(0)), "unknown format version 0"),
        Arguments.of("format version 2", body(out -> {
          out.writeByte(2);
          out.writeByte(SyncMessageCodec.KIND_REQUEST);
        }), "unknown format version 2"),
        Arguments.of("unknown kind", body(out -> {
          out.writeByte(1);
          out.writeByte(3);
        }), "unknown message kind 3"),
        Arguments.of("truncated after node_id", body(out -> {
          header(out, SyncMessageCodec.KIND_REQUEST);
          out.writeString("us-west-1");
        }), "before region"),
        Arguments.of("missing node_id", requestFrom(out -> out.writeString(null)), "node_id is missing"),
        Arguments.of("blank node_id", requestFrom(out -> out.writeString("  ")), "node_id is blank"),
        Arguments.of("control character in node_id", requestFrom(out -> out.writeString("us\n1")),
            "node_id contains the control character U+000A"),
        Arguments.of("129-byte node_id", requestFrom(out -> out.writeString("n".repeat(129))),
            "node_id is 129 bytes long; the maximum is 128"),
        Arguments.of("node_id not UTF-8", requestFrom(out -> rawString(out, 0xC3, 0x28)), "node_id at byte 3 is not valid UTF-8"),
        Arguments.of("string past the end", body(out -> {
          header(out, SyncMessageCodec.KIND_REQUEST);
          out.writeVarLong(10);
          out.writeByte('a');
        }), "before node_id"),
        Arguments.of("since of ten bytes", body(out -> {
          requestFields(out, "us-west-1");
          for (int i = 0; i < 9; i++) {
            out.writeByte(0xFF);
          }
          out.writeByte(0x01);
        }), "since exceeds 9223372036854775807"),
        Arguments.of("full neither 0 nor 1", body(out -> {
          requestFields(out, "us-west-1");
          out.writeVarLong(0);
          out.writeByte(2);
        }), "full must be the byte 0 or 1, was 2"),
        Arguments.of("4097 node ids", request(out -> out.writeVarLong(4097), counters()),
            "the node id count is 4097; the maximum is 4096"),
        Arguments.of("huge node id count", request(out -> out.writeVarLong(1L << 40), counters()),
            "the node id count is 1099511627776"),
        Arguments.of("node id count past the end", request(out -> out.writeVarLong(1000), out -> { }),
            "1000 node ids cannot fit"),
        Arguments.of("node ids descending", request(ids("b-1", "a-1"), counters()),
            "node id 1 is not after node id 0"),
        Arguments.of("node id repeated", request(ids("a-1", "a-1"), counters()),
            "ascending and distinct"),
        Arguments.of("blank node id in the table", request(ids("a-1", " "), counters()),
            "node id 1 is blank"),
        Arguments.of("huge counter count", request(ids(), out -> out.writeVarLong(Long.MAX_VALUE)),
            "the counter count is 9223372036854775807; the maximum is 2147483647"),
        Arguments.of("counter count past the end", request(ids(), out -> out.writeVarLong(1000)),
            "1000 counters cannot fit"),
        Arguments.of("fewer counters than counted", request(ids("a-1"), out -> {
          out.writeVarLong(2);
          counter(out, "views", 0, 1);
          out.writeByte(0);
        }), "counter 1: the name is missing"),
        Arguments.of("invalid counter name", request(ids("a-1"), counters("bad name")),
            "counter 0: the name is invalid: counter_name may contain only"),
        Arguments.of("counter name starting with a dot", request(ids("a-1"), counters(".hidden")),
            "counter 0: the name is invalid"),
        Arguments.of("129-byte counter name", request(ids("a-1"), counters("n".repeat(129))),
            "counter 0: the name is 129 bytes long; the maximum is 128"),
        Arguments.of("non-ASCII counter name", request(ids("a-1"), counters("vüe")),
            "counter 0: the name is invalid"),
        Arguments.of("counter name not UTF-8", request(ids("a-1"), out -> {
          out.writeVarLong(1);
          rawString(out, 0xFF);
          out.writeVarLong(0);
        }), "counter 0: the name at byte"),
        Arguments.of("1025 slots", request(ids("a-1"), out -> {
          out.writeVarLong(1);
          out.writeString("wide");
          out.writeVarLong(1025);
        }), "counter 'wide': the slot count is 1025; the maximum is 1024"),
        Arguments.of("node index out of range", request(ids("a-1", "b-1"), out -> {
          out.writeVarLong(1);
          counter(out, "views", 5, 1);
        }), "counter 'views': slot 0 refers to node id 5 of 2"),
        Arguments.of("slots descending", request(ids("a-1", "b-1"), out -> {
          out.writeVarLong(1);
          counter(out, "views", 1, 1, 0, 1);
        }), "counter 'views': slot 1 is not in ascending node order"),
        Arguments.of("slot repeated", request(ids("a-1", "b-1"), out -> {
          out.writeVarLong(1);
          counter(out, "views", 0, 1, 0, 2);
        }), "slot 1 is not in ascending node order"),
        Arguments.of("count of 2^63", request(ids("a-1"), out -> {
          out.writeVarLong(1);
          out.writeString("views");
          out.writeVarLong(1);
          out.writeVarLong(0);
          for (int i = 0; i < 9; i++) {
            out.writeByte(0x80);
          }
          out.writeByte(0x01);
        }), "counter 'views': a count exceeds 9223372036854775807"),
        Arguments.of("slots past the end", request(ids("a-1"), out -> {
          out.writeVarLong(1);
          out.writeString("views");
          out.writeVarLong(1);
          out.writeVarLong(0);
        }), "counter 'views': the message ends at byte"),
        Arguments.of("counter repeated", request(ids("a-1"), out -> {
          out.writeVarLong(2);
          counter(out, "views", 0, 1);
          counter(out, "views", 0, 2);
        }), "counter 'views' appears twice"),
        Arguments.of("bytes after the last counter", body(out -> {
          requestFields(out, "us-west-1");
          out.writeVarLong(0);
          out.writeBoolean(false);
          ids("a-1").accept(out);
          counters("views").accept(out);
          out.writeByte(0);
        }), "unexpected bytes after the last counter: 1"),
        Arguments.of("reply without incarnation", body(out -> {
          header(out, SyncMessageCodec.KIND_REPLY);
          out.writeString("us-west-1");
          out.writeString(null);
        }), "incarnation is missing"),
        Arguments.of("reply complete neither 0 nor 1", body(out -> {
          replyFields(out);
          out.writeByte(7);
        }), "complete must be the byte 0 or 1, was 7"),
        Arguments.of("reply updated above int", body(out -> {
          replyFields(out);
          out.writeBoolean(true);
          out.writeVarLong(1L << 31);
        }), "updated is 2147483648; the maximum is 2147483647"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedBodies")
  @DisplayName("malformed body is rejected")
  void malformedBodyRejected(String description, Buffer body, String reasonPart) {
    Buffer framed = Buffer.buffer(new byte[PREFIX_BYTES]).appendBuffer(body);

    SyncMessage decoded = codec.decodeFromWire(PREFIX_BYTES, framed);

    assertThat(decoded).as(description).isInstanceOf(SyncMessage.Malformed.class);
    assertThat(((SyncMessage.Malformed) decoded).reason()).as(description).contains(reasonPart);
  }

  // Random messages.

  private static SyncMessage randomMessage(Random random) {
    Map<String, GCounter> counters = new LinkedHashMap<>();
    int size = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(40);
    while (counters.size() < size) {
      counters.put(randomName(random), randomCounter(random));
    }
    String nodeId = NODE_POOL.get(random.nextInt(NODE_POOL.size()));
    if (random.nextBoolean()) {
      String peerIncarnation = random.nextBoolean() ? null : randomIncarnation(random);
      return new SyncMessage.Request(nodeId, "region-" + random.nextInt(10), randomIncarnation(random), peerIncarnation,
          randomVersion(random), random.nextBoolean(), counters);
    }
    return new SyncMessage.Reply(nodeId, randomIncarnation(random), randomVersion(random), random.nextBoolean(), counters,
        random.nextInt(Integer.MAX_VALUE), random.nextInt(1000));
  }

  private static String randomName(Random random) {
    int length = random.nextInt(10) == 0 ? 128 : 1 + random.nextInt(20);
    StringBuilder name = new StringBuilder().append(NAME_FIRST.charAt(random.nextInt(NAME_FIRST.length())));
    while (name.length() < length) {
      name.append(NAME_REST.charAt(random.nextInt(NAME_REST.length())));
    }
    return name.toString();
  }

  private static GCounter randomCounter(Random random) {
    List<String> nodes = new ArrayList<>(NODE_POOL);
    Collections.shuffle(nodes, random);
    Map<String, Long> slots = new LinkedHashMap<>();
    for (String node : nodes.subList(0, random.nextInt(nodes.size() + 1))) {
      slots.put(node, switch (random.nextInt(4)) {
        case 0 -> 0L;
        case 1 -> (long) random.nextInt(200);
        case 2 -> Long.MAX_VALUE - random.nextInt(3);
        default -> random.nextLong() & Long.MAX_VALUE;
      });
    }
    return GCounter.of(slots);
  }

  private static String randomIncarnation(Random random) {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  private static long randomVersion(Random random) {
    return random.nextBoolean() ? random.nextInt(1000) : random.nextLong() & Long.MAX_VALUE;
  }

  // Encoding helpers.

  private SyncMessage roundTrip(SyncMessage message) {
    Buffer buffer = Buffer.buffer(new byte[PREFIX_BYTES]);
    codec.encodeToWire(buffer, message);
    return codec.decodeFromWire(PREFIX_BYTES, buffer);
  }

  private byte[] bodyBytes(SyncMessage message) {
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, message);
    return buffer.getBytes(Integer.BYTES, buffer.length());
  }

  private static Buffer lengthPrefixed(byte[] body) {
    return Buffer.buffer().appendInt(body.length).appendBytes(body);
  }

  private static SyncMessage.Reply reply(Map<String, GCounter> counters) {
    return new SyncMessage.Reply("us-west-1", "0f8c2a4e-5b7d-4c1e-9a3f-6d2b8e7c1a90", 42, true, counters, 0, 0);
  }

  private static Map<String, GCounter> counters(SyncMessage message) {
    return message instanceof SyncMessage.Request request ? request.counters() : ((SyncMessage.Reply) message).counters();
  }

  /** Returns each counter's slots, zeros included, which {@link GCounter#equals} treats as absent. */
  private static List<Map.Entry<String, Map<String, Long>>> slotsOf(Map<String, GCounter> counters) {
    return counters.entrySet().stream().map(entry -> Map.entry(entry.getKey(), entry.getValue().toMap())).toList();
  }

  // Hand-written bodies for the malformed cases.

  private static Buffer body(Consumer<WireWriter> content) {
    WireWriter out = new WireWriter(64);
    content.accept(out);
    return Buffer.buffer().appendInt(out.length()).appendBytes(out.bytes(), 0, out.length());
  }

  /** Returns a request body with valid fields, the given node id table, and the given counters after it. */
  private static Buffer request(Consumer<WireWriter> nodeIds, Consumer<WireWriter> counters) {
    return body(out -> {
      requestFields(out, "us-west-1");
      out.writeVarLong(0);
      out.writeBoolean(false);
      nodeIds.accept(out);
      counters.accept(out);
    });
  }

  /** Returns a request body with valid fields and no counters, in which {@code nodeId} writes the node_id. */
  private static Buffer requestFrom(Consumer<WireWriter> nodeId) {
    return body(out -> {
      header(out, SyncMessageCodec.KIND_REQUEST);
      nodeId.accept(out);
      out.writeString("us-west");
      out.writeString("incarnation-1");
      out.writeString(null);
      out.writeVarLong(0);
      out.writeBoolean(false);
      ids().accept(out);
      counters().accept(out);
    });
  }

  private static void header(WireWriter out, int kind) {
    out.writeByte(SyncMessageCodec.FORMAT_VERSION);
    out.writeByte(kind);
  }

  private static void requestFields(WireWriter out, String nodeId) {
    header(out, SyncMessageCodec.KIND_REQUEST);
    out.writeString(nodeId);
    out.writeString("us-west");
    out.writeString("incarnation-1");
    out.writeString(null);
  }

  private static void replyFields(WireWriter out) {
    header(out, SyncMessageCodec.KIND_REPLY);
    out.writeString("us-west-1");
    out.writeString("incarnation-1");
    out.writeVarLong(3);
  }

  private static Consumer<WireWriter> ids(String... nodeIds) {
    return out -> {
      out.writeVarLong(nodeIds.length);
      for (String nodeId : nodeIds) {
        out.writeString(nodeId);
      }
    };
  }

  /** Returns a writer of a counters block with one counter per name, each with one slot of node 0 and count 1. */
  private static Consumer<WireWriter> counters(String... names) {
    return out -> {
      out.writeVarLong(names.length);
      for (String name : names) {
        counter(out, name, 0, 1);
      }
    };
  }

  /** Writes one counter whose slots are given as pairs of node index and count. */
  private static void counter(WireWriter out, String name, long... indexCountPairs) {
    out.writeString(name);
    out.writeVarLong(indexCountPairs.length / 2);
    for (long value : indexCountPairs) {
      out.writeVarLong(value);
    }
  }

  /** Writes a string marker for {@code bytes.length} bytes, then those bytes as given. */
  private static void rawString(WireWriter out, int... bytes) {
    out.writeVarLong(bytes.length + 1L);
    for (int value : bytes) {
      out.writeByte(value);
    }
  }
}
