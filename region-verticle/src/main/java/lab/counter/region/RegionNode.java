package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
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

  private final ServiceIdentity self;
  private final CounterStore store;
  private final PartitionTable partitions;
  private final RegionMetrics metrics;
  private boolean ready;
  private long incrementsAccepted;

  RegionNode(ServiceIdentity self, CounterStore store, PartitionTable partitions, RegionMetrics metrics) {
    this.self = self;
    this.store = store;
    this.partitions = partitions;
    this.metrics = metrics;
  }

  /** Marks the node ready: its start-up sync is over and it accepts increments. */
  void markReady() {
    ready = true;
  }

  boolean isReady() {
    return ready;
  }

  /**
   * Applies {@code {"counter_name", "amount"}} to this node's slot.
   *
   * @throws ApiError 400 on invalid input or overflow, 503 while the node is starting
   */
  JsonObject increment(JsonObject body) {
    String name = RequestFields.counterName(body);
    long amount = RequestFields.positiveLong(body, "amount", 1);
    if (!ready) {
      throw ApiError.unavailable("starting", "node " + self.nodeId() + " is still loading its state from its peers; retry shortly");
    }
    GCounter updated;
    try {
      updated = store.increment(name, self.nodeId(), amount);
    } catch (ArithmeticException e) {
      throw ApiError.badRequest("overflow", "counter '" + name + "': " + e.getMessage());
    }
    incrementsAccepted++;
    metrics.onIncrement(name);
    return view(name, updated, false);
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
    Map<String, GCounter> page = store.list(after, limit);
    JsonObject counters = new JsonObject();
    page.forEach((name, counter) -> counters.put(name, counter.value()));
    return identity()
        .put("total_counters", store.size())
        .put("returned", page.size())
        .put("truncated", store.size() > page.size() && page.size() == limit)
        .put("counters", counters);
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
