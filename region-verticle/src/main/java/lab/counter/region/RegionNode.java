package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import lab.counter.common.cluster.PartitionTable;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.RequestFields;

/**
 * The operations of one counter node, shared by its HTTP routes and its event-bus API so both
 * validate and answer alike. Runs on the region verticle's event loop.
 */
final class RegionNode {

  /** Default and maximum page size of {@link #list}. */
  static final int DEFAULT_LIST_LIMIT = 1000;
  static final int MAX_LIST_LIMIT = 10_000;
  /** Maximum number of increments in one {@link #incrementBatch} message. */
  static final int MAX_BATCH_SIZE = 1000;

  private final ServiceIdentity self;
  private final CounterStore store;
  private final PartitionTable partitions;
  private final RegionMetrics metrics;
  private final DurableStore durable;
  private final IdempotencyKeys keys;
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
  }

  /** Marks the node ready: its start-up sync is over and it accepts increments. */
  void markReady() {
    ready = true;
  }

  boolean isReady() {
    return ready;
  }

  /**
   * Applies {@code {"counter_name", "amount"}} to this node's slot and completes once the increment
   * is as durable as the durability mode requires. With an idempotency key (the header value, or
   * the body's {@code idempotency_key}), a key accepted within the window returns its first
   * result and counts nothing.
   *
   * @throws ApiError 400 on invalid input or overflow, 409 for a key reused with another request,
   *     503 while the node is starting
   */
  Future<JsonObject> increment(JsonObject body, String headerKey) {
    String name = RequestFields.counterName(body);
    long amount = RequestFields.positiveLong(body, "amount", 1);
    String key = IdempotencyKeys.keyOf(headerKey, body);
    if (!ready) {
      throw ApiError.unavailable("starting", "node " + self.nodeId() + " is still loading its state from its peers; retry shortly");
    }
    if (key != null) {
      Future<JsonObject> earlier = keys.earlierOutcome(key, name, amount);
      if (earlier != null) {
        return earlier;
      }
    }

    GCounter updated;
    try {
      updated = store.increment(name, self.nodeId(), amount);
    } catch (ArithmeticException e) {
      throw ApiError.badRequest("overflow", "counter '" + name + "': " + e.getMessage());
    }
    incrementsAccepted++;
    metrics.onIncrement(name);

    JsonObject result = view(name, updated, false);
    long now = System.currentTimeMillis();
    JsonObject stored = key == null ? null : IdempotencyKeys.stored(name, amount, result, now);
    Future<Void> written = durable.persist(name, updated, key, stored);
    // Without DURABILITY=sync the write has already succeeded, so the reply skips the recover and map steps.
    Future<JsonObject> outcome = written.succeeded() ? Future.succeededFuture(result) : written
        .recover(failure -> Future.failedFuture(new ApiError(500, "not durable",
            "the increment could not be written to disk and is not acknowledged: " + failure.getMessage())))
        .map(ignored -> result);
    if (key != null) {
      keys.track(key, name, amount, outcome, now);
    }
    return outcome;
  }

  /**
   * Applies the increments of an {@link lab.counter.common.protocol.Actions#INCREMENT_BATCH}
   * message, each as {@link #increment} would, and completes once all are settled. Each result is
   * {@code {"ok": reply}} or {@code {"failure": {"code": ..., "message": ...}}}, the failed reply an
   * increment alone would get, so one invalid increment fails alone.
   *
   * @throws ApiError 400 when {@code increments} is missing, empty, longer than
   *     {@link #MAX_BATCH_SIZE} or not an array of objects
   */
  Future<JsonObject> incrementBatch(JsonObject body) {
    if (!(body.getValue("increments") instanceof JsonArray increments) || increments.isEmpty()
        || increments.size() > MAX_BATCH_SIZE) {
      throw ApiError.badRequest("invalid increments", "increments must be an array of 1 to " + MAX_BATCH_SIZE + " objects");
    }
    List<Future<JsonObject>> outcomes = new ArrayList<>(increments.size());
    for (Object item : increments) {
      if (!(item instanceof JsonObject increment) || !(increment.getValue("request") instanceof JsonObject request)
          || !(increment.getValue("key") == null || increment.getValue("key") instanceof String)) {
        outcomes.add(Future.failedFuture(ApiError.badRequest("invalid increments",
            "each increment must be {\"request\": {...}, \"key\": optional string}")));
        continue;
      }
      Future<JsonObject> outcome;
      try {
        outcome = increment(request, increment.getString("key"));
      } catch (RuntimeException e) {
        outcome = Future.failedFuture(e);
      }
      outcomes.add(outcome);
    }
    return Future.join(outcomes).transform(settled -> {
      JsonArray results = new JsonArray(new ArrayList<>(outcomes.size()));
      for (Future<JsonObject> outcome : outcomes) {
        if (outcome.succeeded()) {
          results.add(new JsonObject().put("ok", outcome.result()));
        } else {
          ApiError error = ApiError.from(outcome.cause());
          results.add(new JsonObject().put("failure",
              new JsonObject().put("code", error.toReplyCode()).put("message", error.toReplyMessage())));
        }
      }
      return Future.succeededFuture(new JsonObject().put("results", results));
    });
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
        .put("counter", name)
        .put("region", self.region())
        .put("node_id", self.nodeId())
        .put("local_count", counter.get(self.nodeId()))
        .put("total_count", counter.value());
    if (withNodes) {
      json.put("nodes", SyncCodec.encode(counter)).put("network_partition", partitioned());
    }
    return json;
  }

  private JsonObject identity() {
    return new JsonObject().put("region", self.region()).put("node_id", self.nodeId());
  }
}
