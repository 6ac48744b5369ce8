package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.function.Function;
import lab.counter.common.cluster.PartitionTable;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.JsonWriter;
import lab.counter.common.http.RequestFields;
import lab.counter.common.protocol.IncrementBatch;

/**
 * The operations of one counter node, shared by its HTTP routes and its event-bus API so both
 * validate and answer alike. Runs on the region verticle's event loop.
 */
final class RegionNode {

  /** Default and maximum page size of {@link #list}. */
  static final int DEFAULT_LIST_LIMIT = 1000;
  static final int MAX_LIST_LIMIT = 10_000;

  private final ServiceIdentity self;
  private final CounterStore store;
  private final PartitionTable partitions;
  private final RegionMetrics metrics;
  private final DurableStore durable;
  private final IdempotencyKeys keys;
  private final IncrementReply replies;
  private boolean ready;
  private long incrementsAccepted;

  RegionNode(ServiceIdentity self, CounterStore store, PartitionTable partitions, RegionMetrics metrics,
      DurableStore durable, IdempotencyKeys keys) {
    this.self = self;
    this.store = store;
    this.partitions = partitions;
    this.metrics = metrics;
    this.durable = durable;
    this.keys = keys;
    this.replies = new IncrementReply(self.region(), self.nodeId());
  }

  /** Marks the node ready: its start-up sync is over and it accepts increments. */
  void markReady() {
    ready = true;
  }

  boolean isReady() {
    return ready;
  }

  /**
   * Applies {@code {"counter_name", "amount"}} to this node's slot, as {@link #increment(String,
   * long, String)} does, with the idempotency key of the header or of the body's
   * {@code idempotency_key}.
   *
   * @throws ApiError 400 on invalid input or overflow, 409 for a key reused with another request,
   *     503 while the node is starting
   */
  Future<JsonObject> increment(JsonObject body, String headerKey) {
    String name = RequestFields.counterName(body);
    long amount = RequestFields.positiveLong(body, "amount", 1);
    return apply(name, amount, RequestFields.idempotencyKey(headerKey, body));
  }

  /**
   * Applies an increment of the HTTP API as {@link #increment(JsonObject, String)} does and returns
   * the same reply, already encoded as JSON. An increment without idempotency key, the common case,
   * skips the reply object because its bytes are written straight from the counts.
   *
   * @throws ApiError as {@link #increment(JsonObject, String)}
   */
  Future<Buffer> incrementEncoded(JsonObject body, String headerKey) {
    String name = RequestFields.counterName(body);
    long amount = RequestFields.positiveLong(body, "amount", 1);
    String key = RequestFields.idempotencyKey(headerKey, body);
    if (key != null) {
      return apply(name, amount, key).map(JsonWriter::toBuffer);
    }
    return applyWithoutKey(name, amount, updated -> replies.encode(name, updated.get(self.nodeId()), updated.value()));
  }

  /**
   * Adds {@code amount} to counter {@code name} in this node's slot and completes once the
   * increment is as durable as the durability mode requires. With an idempotency key, a key
   * accepted within the window returns its first result and counts nothing.
   *
   * @throws ApiError 400 on an invalid name, amount or key, or on overflow, 409 for a key reused
   *     with another request, 503 while the node is starting
   */
  Future<JsonObject> increment(String name, long amount, String key) {
    RequestFields.counterName(name);
    RequestFields.positiveAmount(amount);
    RequestFields.idempotencyKey(key);
    return apply(name, amount, key);
  }

  /** Applies an increment whose fields are already valid; the HTTP path checks them only once. */
  private Future<JsonObject> apply(String name, long amount, String key) {
    if (key == null) {
      return applyWithoutKey(name, amount, updated -> view(name, updated, false));
    }
    requireReady();
    Future<JsonObject> earlier = keys.earlierOutcome(key, name, amount);
    if (earlier != null) {
      return earlier;
    }

    GCounter updated = add(name, amount);
    JsonObject result = view(name, updated, false);
    long now = System.currentTimeMillis();
    JsonObject stored = IdempotencyKeys.stored(name, amount, result, now);
    Future<JsonObject> outcome = acknowledged(durable.persist(name, updated, key, stored), result);
    keys.track(key, name, amount, outcome, now);
    return outcome;
  }

  /**
   * Applies an increment without idempotency key whose fields are already valid, and returns
   * {@code reply} of the counter after it once the increment is as durable as the mode requires.
   */
  private <T> Future<T> applyWithoutKey(String name, long amount, Function<GCounter, T> reply) {
    requireReady();
    GCounter updated = add(name, amount);
    return acknowledged(durable.persist(name, updated, null, null), reply.apply(updated));
  }

  private void requireReady() {
    if (!ready) {
      throw ApiError.unavailable("starting", "node " + self.nodeId() + " is still loading its state from its peers; retry shortly");
    }
  }

  /** Adds {@code amount} to {@code name} in this node's slot and returns the counter after it. */
  private GCounter add(String name, long amount) {
    GCounter updated;
    try {
      updated = store.increment(name, self.nodeId(), amount);
    } catch (ArithmeticException e) {
      throw ApiError.badRequest("overflow", "counter '" + name + "': " + e.getMessage());
    }
    incrementsAccepted++;
    metrics.onIncrement(name);
    return updated;
  }

  /** Returns {@code reply} once {@code written} succeeds, or a 500 reporting that the increment is not acknowledged. */
  private static <T> Future<T> acknowledged(Future<Void> written, T reply) {
    // Without DURABILITY=sync the write has already succeeded, so the reply skips the recover and map steps.
    if (written.succeeded()) {
      return Future.succeededFuture(reply);
    }
    return written
        .recover(failure -> Future.failedFuture(new ApiError(500, "not durable",
            "the increment could not be written to disk and is not acknowledged: " + failure.getMessage())))
        .map(ignored -> reply);
  }

  /**
   * Applies the increments of an {@link lab.counter.common.protocol.Actions#INCREMENT_BATCH}
   * message, each as {@link #increment(String, long, String)} would, and completes once all are
   * settled, with one result per increment in order: the reply an increment alone would get, or
   * its failure, so one invalid increment fails alone.
   */
  Future<IncrementBatch.Reply> incrementBatch(IncrementBatch.Request batch) {
    List<IncrementBatch.Increment> increments = batch.increments();
    List<Future<IncrementBatch.Result>> outcomes = new ArrayList<>(increments.size());
    boolean allSettled = true;
    for (IncrementBatch.Increment increment : increments) {
      Future<IncrementBatch.Result> outcome;
      try {
        outcome = batched(increment);
      } catch (RuntimeException e) {
        outcome = Future.failedFuture(e);
      }
      allSettled &= outcome.isComplete();
      outcomes.add(outcome);
    }
    if (allSettled) {
      return Future.succeededFuture(batchReply(outcomes));
    }
    return Future.join(outcomes).transform(settled -> Future.succeededFuture(batchReply(outcomes)));
  }

  /**
   * Applies one increment of a batch as {@link #increment(String, long, String)} does and returns
   * its result. An increment without idempotency key skips the reply object, because its result is
   * the counts, which is what {@link IncrementBatch#resultOf} would make of that object.
   */
  private Future<IncrementBatch.Result> batched(IncrementBatch.Increment increment) {
    String name = increment.counterName();
    if (increment.key() != null) {
      return increment(name, increment.amount(), increment.key())
          .map(reply -> IncrementBatch.resultOf(reply, name, self.region(), self.nodeId()));
    }
    RequestFields.counterName(name);
    RequestFields.positiveAmount(increment.amount());
    return applyWithoutKey(name, increment.amount(),
        updated -> new IncrementBatch.Applied(updated.get(self.nodeId()), updated.value(), false));
  }

  private IncrementBatch.Reply batchReply(List<Future<IncrementBatch.Result>> outcomes) {
    List<IncrementBatch.Result> results = new ArrayList<>(outcomes.size());
    for (int i = 0; i < outcomes.size(); i++) {
      Future<IncrementBatch.Result> outcome = outcomes.get(i);
      if (outcome.succeeded()) {
        results.add(outcome.result());
      } else {
        ApiError error = ApiError.from(outcome.cause());
        results.add(new IncrementBatch.Failed(error.toReplyCode(), error.toReplyMessage()));
      }
    }
    return new IncrementBatch.Reply(self.region(), self.nodeId(), results);
  }

  /** Returns a counter as this node sees it; an unknown counter reads as 0 and is not created. */
  JsonObject read(String name) {
    RequestFields.counterName(name);
    GCounter counter = store.get(name);
    return view(name, counter == null ? GCounter.empty() : counter, true);
  }

  /** Returns up to {@code limit} counters with their totals, ordered by name, starting after {@code after}. */
  JsonObject list(String after, int limit) {
    if (limit < 1 || limit > MAX_LIST_LIMIT) {
      throw ApiError.badRequest("invalid limit", "limit must be from 1 to " + MAX_LIST_LIMIT + ", was " + limit);
    }
    // Reading one counter past the page shows whether more follow, so an exactly full last page is not truncated.
    NavigableMap<String, GCounter> page = store.list(after, limit + 1);
    boolean truncated = page.size() > limit;
    if (truncated) {
      page.pollLastEntry();
    }
    JsonObject counters = new JsonObject();
    page.forEach((name, counter) -> counters.put(name, counter.value()));
    return identity()
        .put("total_counters", store.size())
        .put("returned", page.size())
        .put("truncated", truncated)
        .put("counters", counters);
  }

  /**
   * Parses a page size given as a JSON number or a decimal string, as the event-bus LIST action
   * and the {@code limit} query parameter send it; absent means {@link #DEFAULT_LIST_LIMIT}.
   *
   * @throws ApiError 400 unless it is an integer from 1 to {@link #MAX_LIST_LIMIT}
   */
  static int parseLimit(Object raw) {
    if (raw == null) {
      return DEFAULT_LIST_LIMIT;
    }
    if (raw instanceof Integer number) {
      return number;
    }
    if (raw instanceof String text) {
      try {
        return Integer.parseInt(text.trim());
      } catch (NumberFormatException e) {
        // Reported below with the other invalid values.
      }
    }
    throw ApiError.badRequest("invalid limit", "limit must be an integer from 1 to " + MAX_LIST_LIMIT + ", was '" + raw + "'");
  }

  /** Returns whether this node's region is isolated. */
  boolean partitioned() {
    return partitions.isIsolated(self.region());
  }

  long incrementsAccepted() {
    return incrementsAccepted;
  }

  /** Returns this node's health: UP once ready, STARTING before. */
  JsonObject health() {
    return identity()
        .put("status", ready ? "UP" : "STARTING")
        .put("incarnation", self.incarnation())
        .put("network_partition", partitioned())
        .put("counters", store.size());
  }

  /** Validates a counter name and reads it, as a future for the event-bus API. */
  Future<JsonObject> readAsync(String name) {
    try {
      return Future.succeededFuture(read(name));
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
  }

  private JsonObject view(String name, GCounter counter, boolean withNodes) {
    JsonObject json = new JsonObject()
        .put(IncrementBatch.COUNTER, name)
        .put(IncrementBatch.REGION, self.region())
        .put(IncrementBatch.NODE_ID, self.nodeId())
        .put(IncrementBatch.LOCAL_COUNT, counter.get(self.nodeId()))
        .put(IncrementBatch.TOTAL_COUNT, counter.value());
    if (withNodes) {
      json.put("nodes", SyncCodec.encode(counter)).put("network_partition", partitioned());
    }
    return json;
  }

  private JsonObject identity() {
    return new JsonObject().put("region", self.region()).put("node_id", self.nodeId());
  }
}
