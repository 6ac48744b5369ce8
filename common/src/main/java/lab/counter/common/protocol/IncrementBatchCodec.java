package lab.counter.common.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The event-bus codec of {@link IncrementBatch}: a compact binary form for the clustered event
 * bus, and the same instance, not a copy, for a consumer in the same process.
 *
 * <p>The body on the wire is a 4-byte big-endian length, then:
 *
 * <pre>
 * byte     format version ({@value #FORMAT_VERSION})
 * byte     kind: 1 request, 2 reply
 * request: varint n, then n increments: string counter_name, varint amount, string key (may be absent)
 * reply:   string region, string node_id, varint n, then n results, each a byte kind and then:
 *          1 applied: varint local_count, varint total_count, bool replay
 *          2 other reply: string, the reply as JSON
 *          3 failed: varint code, string message
 * </pre>
 *
 * <p>Varints, strings and bools are those of {@link SyncMessageCodec}. An increment costs its
 * counter name and a few bytes, and its result three to a dozen bytes, where JSON repeated every
 * field name for each.
 *
 * <p>Why: the gateway sends every increment in these batches. With JSON, encoding a batch and
 * parsing its reply cost the gateway and the region nodes about a tenth of the CPU they spent per
 * increment (see docs/benchmarks.md, section 9).
 *
 * <p>A region node takes requests from any member of the cluster, so decoding checks the
 * structure: lengths, counts, the limits below, UTF-8 and that nothing follows the last entry. The
 * node then validates each increment's fields as it does for a single increment. Like
 * {@link SyncMessageCodec#decodeFromWire}, {@link #decodeFromWire} never throws; it returns an
 * {@link IncrementBatch.Malformed} with the reason.
 */
public final class IncrementBatchCodec extends ImmutableMessageCodec<IncrementBatch> {

  /** The codec's name, which every batch request and reply sets in its {@code DeliveryOptions}. */
  public static final String NAME = "counter-increments";
  /** The format this process writes and the only one it reads. */
  public static final int FORMAT_VERSION = 1;
  /** Maximum number of increments in one request, and of results in one reply. */
  public static final int MAX_INCREMENTS = 1000;
  /** Maximum length of a counter name, key, region or node id, in UTF-8 bytes; longer ones are invalid anyway. */
  static final int MAX_FIELD_BYTES = 1024;
  /** Maximum length of a failure message or of another reply's JSON, in UTF-8 bytes. */
  static final int MAX_TEXT_BYTES = 64 * 1024;

  static final int KIND_REQUEST = 1;
  static final int KIND_REPLY = 2;
  static final int RESULT_APPLIED = 1;
  static final int RESULT_OTHER = 2;
  static final int RESULT_FAILED = 3;

  /** Minimum size of an increment: an empty counter name, an amount and an absent key, one byte each. */
  private static final int MIN_INCREMENT_BYTES = 3;

  public IncrementBatchCodec() {
    super(NAME);
  }

  /**
   * Registers the codec on {@code eventBus} unless it already is: a gateway and counter nodes may
   * share one Vert.x instance, as in tests.
   */
  public static void register(EventBus eventBus) {
    registerOnce(eventBus, new IncrementBatchCodec());
  }


  /**
   * Appends the length-prefixed binary form of {@code message}.
   *
   * @throws IllegalArgumentException for an {@link IncrementBatch.Malformed}, which is never sent
   */
  @Override
  public void encodeToWire(Buffer buffer, IncrementBatch message) {
    WireWriter out;
    if (message instanceof IncrementBatch.Request request) {
      out = new WireWriter(16 + 24 * request.increments().size());
      out.writeByte(FORMAT_VERSION);
      out.writeByte(KIND_REQUEST);
      out.writeVarLong(request.increments().size());
      for (IncrementBatch.Increment increment : request.increments()) {
        out.writeString(increment.counterName());
        out.writeVarLong(increment.amount());
        out.writeString(increment.key());
      }
    } else if (message instanceof IncrementBatch.Reply reply) {
      out = new WireWriter(48 + 12 * reply.results().size());
      out.writeByte(FORMAT_VERSION);
      out.writeByte(KIND_REPLY);
      out.writeString(reply.region());
      out.writeString(reply.nodeId());
      out.writeVarLong(reply.results().size());
      for (IncrementBatch.Result result : reply.results()) {
        writeResult(out, result);
      }
    } else {
      throw new IllegalArgumentException("a malformed increment batch is never sent: " + ((IncrementBatch.Malformed) message).reason());
    }
    buffer.appendInt(out.length()).appendBytes(out.bytes(), 0, out.length());
  }

  private static void writeResult(WireWriter out, IncrementBatch.Result result) {
    if (result instanceof IncrementBatch.Applied applied) {
      out.writeByte(RESULT_APPLIED);
      out.writeVarLong(applied.localCount());
      out.writeVarLong(applied.totalCount());
      out.writeBoolean(applied.replay());
    } else if (result instanceof IncrementBatch.OtherReply other) {
      out.writeByte(RESULT_OTHER);
      out.writeString(other.reply().encode());
    } else {
      IncrementBatch.Failed failed = (IncrementBatch.Failed) result;
      out.writeByte(RESULT_FAILED);
      // Reply codes are HTTP statuses and the partition's 599; a negative one is sent as 500.
      out.writeVarLong(failed.code() < 0 ? 500 : failed.code());
      out.writeString(failed.message());
    }
  }

  /** Decodes the body at {@code pos}; returns an {@link IncrementBatch.Malformed} for invalid bytes instead of throwing. */
  @Override
  public IncrementBatch decodeFromWire(int pos, Buffer buffer) {
    try {
      return decode(WireReader.lengthPrefixedBody(pos, buffer));
    } catch (WireFormatException e) {
      return new IncrementBatch.Malformed(e.getMessage());
    }
  }

  /**
   * Decodes one message without its length prefix.
   *
   * @throws WireFormatException if the bytes are not a valid message of the current format
   */
  static IncrementBatch decode(byte[] body) {
    WireReader in = new WireReader(body);
    in.readVersion(FORMAT_VERSION);
    int kind = in.readByte("the message kind");
    IncrementBatch message = switch (kind) {
      case KIND_REQUEST -> readRequest(in);
      case KIND_REPLY -> readReply(in);
      default -> throw new WireFormatException("unknown message kind " + kind + "; expected 1 (request) or 2 (reply)");
    };
    in.requireEnd();
    return message;
  }

  private static IncrementBatch.Request readRequest(WireReader in) {
    int count = readEntryCount(in, "increments", MIN_INCREMENT_BYTES);
    List<IncrementBatch.Increment> increments = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String field = "increment " + i;
      String name = in.readString(field + " counter_name", MAX_FIELD_BYTES);
      if (name == null) {
        throw new WireFormatException(field + " has no counter_name");
      }
      long amount = in.readVarLong(field + " amount");
      String key = in.readString(field + " key", MAX_FIELD_BYTES);
      increments.add(new IncrementBatch.Increment(name, amount, key));
    }
    return new IncrementBatch.Request(increments);
  }

  private static IncrementBatch.Reply readReply(WireReader in) {
    String region = requiredString(in, "region", MAX_FIELD_BYTES);
    String nodeId = requiredString(in, "node_id", MAX_FIELD_BYTES);
    int count = readEntryCount(in, "results", 2);
    List<IncrementBatch.Result> results = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      results.add(readResult(in, "result " + i));
    }
    return new IncrementBatch.Reply(region, nodeId, results);
  }

  private static IncrementBatch.Result readResult(WireReader in, String field) {
    int kind = in.readByte(field + " kind");
    switch (kind) {
      case RESULT_APPLIED -> {
        long localCount = in.readVarLong(field + " local_count");
        long totalCount = in.readVarLong(field + " total_count");
        return new IncrementBatch.Applied(localCount, totalCount, in.readBoolean(field + " replay"));
      }
      case RESULT_OTHER -> {
        String json = requiredString(in, field + " reply", MAX_TEXT_BYTES);
        try {
          return new IncrementBatch.OtherReply(new JsonObject(json));
        } catch (DecodeException | ClassCastException e) {
          throw new WireFormatException(field + " reply is not a JSON object");
        }
      }
      case RESULT_FAILED -> {
        long code = in.readVarLong(field + " code");
        if (code > Integer.MAX_VALUE) {
          throw new WireFormatException(field + " code " + code + " is beyond a reply code");
        }
        return new IncrementBatch.Failed((int) code, requiredString(in, field + " message", MAX_TEXT_BYTES));
      }
      default -> throw new WireFormatException(field + " has unknown kind " + kind + "; expected 1 (applied), 2 (other reply) or 3 (failed)");
    }
  }

  /** Reads a count of 1 to {@link #MAX_INCREMENTS} entries of at least {@code minBytes} each, that fit in what is left. */
  private static int readEntryCount(WireReader in, String field, int minBytes) {
    int count = in.readCount(field, MAX_INCREMENTS);
    if (count == 0) {
      throw new WireFormatException(field + " is empty; a batch has 1 to " + MAX_INCREMENTS);
    }
    if ((long) count * minBytes > in.remaining()) {
      throw new WireFormatException(field + " claims " + count + " entries, more than the " + in.remaining() + " bytes left can hold");
    }
    return count;
  }

  private static String requiredString(WireReader in, String field, int maxBytes) {
    String value = in.readString(field, maxBytes);
    if (value == null) {
      throw new WireFormatException(field + " is missing");
    }
    return value;
  }
}
