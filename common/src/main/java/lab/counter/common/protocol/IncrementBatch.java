package lab.counter.common.protocol;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * A message of the {@link Actions#INCREMENT_BATCH} exchange on {@link Addresses#regionApi}: the
 * gateway's batch of increments for one region node, the node's reply with one result per
 * increment in the same order, or what {@link IncrementBatchCodec} decoded from bytes it had to
 * reject. Requests and replies are immutable, so the event bus hands the same instance to a
 * consumer in the same process.
 */
public sealed interface IncrementBatch {

  /** Field names of a region node's increment reply, the JSON object an increment alone gets. */
  String COUNTER = "counter";
  String REGION = "region";
  String NODE_ID = "node_id";
  String LOCAL_COUNT = "local_count";
  String TOTAL_COUNT = "total_count";
  /** Set to true on the reply to a retry whose idempotency key was already applied. */
  String IDEMPOTENT_REPLAY = "idempotent_replay";

  /**
   * One increment as the gateway read it from a client. The region node validates every field
   * again, as it does for an {@link Actions#INCREMENT} message.
   *
   * @param counterName the counter to increment
   * @param amount how much to add
   * @param key the idempotency key, or null
   */
  record Increment(String counterName, long amount, String key) {

    public Increment {
      Objects.requireNonNull(counterName, "counterName");
    }
  }

  /** The increments of one message, at most {@link IncrementBatchCodec#MAX_INCREMENTS}. */
  record Request(List<Increment> increments) implements IncrementBatch {

    public Request {
      increments = List.copyOf(increments);
    }
  }

  /**
   * A node's reply: its region and node id, and one result per increment of the request, in order.
   */
  record Reply(String region, String nodeId, List<Result> results) implements IncrementBatch {

    public Reply {
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(nodeId, "nodeId");
      results = List.copyOf(results);
    }
  }

  /** Bytes the codec rejected, and why; never sent. */
  record Malformed(String reason) implements IncrementBatch {}

  /** The outcome of one increment of a batch. */
  sealed interface Result {}

  /**
   * An applied increment whose reply has the usual shape, sent as its two counts: the reply is
   * {@link #toJson} of the counter, the node's region and node id, and these.
   */
  record Applied(long localCount, long totalCount, boolean replay) implements Result {

    /** Returns the reply an increment of {@code counter} alone would have got from the node. */
    public JsonObject toJson(String counter, String region, String nodeId) {
      JsonObject json = new JsonObject()
          .put(COUNTER, counter)
          .put(REGION, region)
          .put(NODE_ID, nodeId)
          .put(LOCAL_COUNT, localCount)
          .put(TOTAL_COUNT, totalCount);
      return replay ? json.put(IDEMPOTENT_REPLAY, true) : json;
    }
  }

  /** An applied increment whose reply has another shape, sent as its JSON. */
  record OtherReply(JsonObject reply) implements Result {

    public OtherReply {
      Objects.requireNonNull(reply, "reply");
    }
  }

  /** A failed increment: the code and message of the failed reply it would have got alone. */
  record Failed(int code, String message) implements Result {

    public Failed {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Returns the result that carries {@code reply}, a node's reply to an increment of
   * {@code counter}: {@link Applied} when it is exactly what {@link Applied#toJson} rebuilds, else
   * {@link OtherReply}.
   */
  static Result resultOf(JsonObject reply, String counter, String region, String nodeId) {
    Object replay = reply.getValue(IDEMPOTENT_REPLAY);
    int expectedSize = replay == null ? 5 : 6;
    if (reply.size() == expectedSize
        && (replay == null || Boolean.TRUE.equals(replay))
        && counter.equals(reply.getValue(COUNTER))
        && region.equals(reply.getValue(REGION))
        && nodeId.equals(reply.getValue(NODE_ID))
        && reply.getValue(LOCAL_COUNT) instanceof Long localCount && localCount >= 0
        && reply.getValue(TOTAL_COUNT) instanceof Long totalCount && totalCount >= 0) {
      return new Applied(localCount, totalCount, replay != null);
    }
    return new OtherReply(reply);
  }
}
