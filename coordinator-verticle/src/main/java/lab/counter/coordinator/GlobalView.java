package lab.counter.coordinator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.cluster.PartitionTable;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.cluster.WanLatency;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;

/**
 * The global view: asks one node of every region for its state over the event bus and computes
 * the totals, convergence and lag. A region that does not answer is reported unhealthy and left out
 * of the convergence check; the global count still includes every slot the answering regions know.
 */
final class GlobalView {

  private final Vertx vertx;
  private final List<String> regions;
  private final NodeDirectory directory;
  private final PartitionTable partitions;
  private final WanLatency wanLatency;
  private final long timeoutMillis;
  private final MeterRegistry registry;

  GlobalView(Vertx vertx, List<String> regions, NodeDirectory directory, PartitionTable partitions,
      WanLatency wanLatency, long timeoutMillis, MeterRegistry registry) {
    this.vertx = vertx;
    this.regions = regions;
    this.directory = directory;
    this.partitions = partitions;
    this.wanLatency = wanLatency;
    this.timeoutMillis = timeoutMillis;
    this.registry = registry;
  }

  /**
   * Returns the global view of one counter. {@code global_count} is the value of the pointwise
   * maximum of every region's vector, so it counts every increment some region has seen, even
   * while the regions disagree.
   */
  Future<JsonObject> counter(String name) {
    return timed("counter", () -> counterView(name));
  }

  private Future<JsonObject> counterView(String name) {
    long startedAt = System.nanoTime();
    JsonObject request = new JsonObject().put("counter_name", name);
    List<Future<JsonObject>> replies = regions.stream().map(region -> ask(region, Actions.GET, request)).toList();
    return Future.join(replies).transform(ignored -> {
      JsonObject regionViews = new JsonObject();
      GCounter merged = GCounter.empty();
      List<GCounter> healthyVectors = new ArrayList<>();
      List<Long> totals = new ArrayList<>();
      for (int i = 0; i < regions.size(); i++) {
        String region = regions.get(i);
        Future<JsonObject> reply = replies.get(i);
        if (reply.failed()) {
          regionViews.put(region, unhealthy(region, reply.cause()));
          continue;
        }
        GCounter vector = toCounter(reply.result().getJsonObject("nodes"));
        merged = merged.merge(vector);
        healthyVectors.add(vector);
        totals.add(vector.value());
        regionViews.put(region, regionView(region, reply.result(), vector));
      }
      return Future.succeededFuture(new JsonObject()
          .put("counter", name)
          .put("global_count", merged.value())
          .put("regions", regionViews)
          .put("convergence", convergence(healthyVectors, totals))
          .put("healthy_regions", healthyVectors.size())
          .put("total_regions", regions.size())
          .put("query_time_ms", elapsedMillis(startedAt)));
    });
  }

  /**
   * Returns up to {@code limit} counter names after {@code after} (from the first when null), in
   * name order, with each region's total. A region whose page was cut may have more names past its
   * last one, so the list ends at the smallest such last name. Each listed counter then has the
   * total of every region that replied, and {@code truncated} is true when another page may follow.
   */
  Future<JsonObject> counters(String after, int limit) {
    return timed("counters", () -> counterList(after, limit));
  }

  private Future<JsonObject> counterList(String after, int limit) {
    JsonObject request = new JsonObject().put("limit", limit);
    if (after != null) {
      request.put("after", after);
    }
    List<Future<JsonObject>> replies = regions.stream().map(region -> ask(region, Actions.LIST, request)).toList();
    return Future.join(replies).transform(ignored -> {
      TreeMap<String, JsonObject> byName = new TreeMap<>();
      JsonObject unavailable = new JsonObject();
      String end = null;
      for (int i = 0; i < regions.size(); i++) {
        String region = regions.get(i);
        if (replies.get(i).failed()) {
          unavailable.put(region, ApiError.from(replies.get(i).cause()).detail());
          continue;
        }
        JsonObject reply = replies.get(i).result();
        JsonObject page = reply.getJsonObject("counters");
        page.forEach(entry -> byName.computeIfAbsent(entry.getKey(), key -> new JsonObject()).put(region, entry.getValue()));
        if (reply.getBoolean("truncated", false)) {
          String last = Collections.max(page.fieldNames());
          end = end == null || last.compareTo(end) < 0 ? last : end;
        }
      }
      SortedMap<String, JsonObject> upToEnd = end == null ? byName : byName.headMap(end, true);
      // Regions with different names each return up to limit names, so the union can exceed it.
      JsonObject counters = new JsonObject();
      upToEnd.entrySet().stream().limit(limit).forEach(entry -> counters.put(entry.getKey(), entry.getValue()));
      boolean truncated = end != null || upToEnd.size() > limit;
      return Future.succeededFuture(new JsonObject()
          .put("count", counters.size())
          .put("truncated", truncated)
          .put("counters", counters)
          .put("unavailable_regions", unavailable));
    });
  }

  /** Returns every region's nodes with their health, partition state and sync lag per peer, and the other services. */
  Future<JsonObject> status() {
    return timed("status", this::statusView);
  }

  private Future<JsonObject> statusView() {
    long startedAt = System.nanoTime();
    List<ServiceIdentity> nodes = new ArrayList<>(directory.liveOthers(ServiceIdentity.REGION_SERVICE));
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).addHeader(Headers.ACTION, Actions.STATUS);
    List<Future<JsonObject>> replies = nodes.stream()
        .map(node -> vertx.eventBus().<JsonObject>request(Addresses.nodeControl(node.nodeId()), new JsonObject(), options)
            .map(reply -> reply.body()))
        .toList();
    return Future.join(replies).transform(ignored -> {
      Map<String, JsonObject> nodeStatus = new HashMap<>();
      for (int i = 0; i < nodes.size(); i++) {
        nodeStatus.put(nodes.get(i).nodeId(), replies.get(i).succeeded()
            ? summarize(replies.get(i).result())
            : new JsonObject().put("status", "DOWN").put("error", ApiError.from(replies.get(i).cause()).detail()));
      }
      JsonObject regionJson = new JsonObject();
      int healthy = 0;
      for (String region : regions) {
        JsonObject json = regionStatus(region, nodeStatus);
        healthy += "UP".equals(json.getString("status")) ? 1 : 0;
        regionJson.put(region, json);
      }
      return Future.succeededFuture(new JsonObject()
          .put("regions", regionJson)
          .put("healthy_regions", healthy)
          .put("total_regions", regions.size())
          .put("partitioned_regions", new JsonArray(partitions.isolatedRegions().stream().toList()))
          .put("wan_latency", wanLatency.toJson())
          .put("services", services())
          .put("query_time_ms", elapsedMillis(startedAt)));
    });
  }

  private JsonObject regionStatus(String region, Map<String, JsonObject> nodeStatus) {
    JsonObject nodes = new JsonObject();
    boolean anyUp = false;
    for (ServiceIdentity node : directory.liveRegionNodes(region)) {
      JsonObject status = nodeStatus.getOrDefault(node.nodeId(), new JsonObject().put("status", "UNKNOWN"));
      anyUp |= "UP".equals(status.getString("status"));
      nodes.put(node.nodeId(), status);
    }
    return new JsonObject()
        .put("status", anyUp ? "UP" : "DOWN")
        .put("network_partition", partitions.isIsolated(region))
        .put("nodes", nodes);
  }

  private static JsonObject summarize(JsonObject nodeStatus) {
    JsonObject sync = nodeStatus.getJsonObject("sync", new JsonObject());
    JsonObject lagByPeer = new JsonObject();
    sync.getJsonObject("peers", new JsonObject()).forEach(peer ->
        lagByPeer.put(peer.getKey(), ((JsonObject) peer.getValue()).getLong("sync_lag_ms")));
    return new JsonObject()
        .put("status", nodeStatus.getString("status"))
        .put("counters", nodeStatus.getInteger("counters"))
        .put("increments_accepted", nodeStatus.getLong("increments_accepted"))
        .put("sync_interval_ms", nodeStatus.getLong("sync_interval_ms"))
        .put("sync_lag_ms", lagByPeer)
        .put("sync_outcomes", sync.getJsonObject("outcomes"))
        .put("conflicts_resolved", sync.getLong("conflicts_resolved"))
        .put("dropped_messages", nodeStatus.getJsonObject("partition", new JsonObject()).getLong("dropped_outbound", 0L)
            + nodeStatus.getJsonObject("partition", new JsonObject()).getLong("dropped_inbound", 0L));
  }

  private JsonObject services() {
    JsonObject services = new JsonObject();
    for (NodeDirectory.Entry entry : directory.all()) {
      if (!ServiceIdentity.REGION_SERVICE.equals(entry.identity().service())) {
        services.put(entry.identity().nodeId(), directory.isLive(entry) ? "UP" : "DOWN");
      }
    }
    services.put(directory.self().nodeId(), "UP");
    return services;
  }

  private JsonObject regionView(String region, JsonObject reply, GCounter vector) {
    long regionLocal = 0;
    for (Map.Entry<String, Long> slot : vector.toMap().entrySet()) {
      if (region.equals(regionOf(slot.getKey()))) {
        regionLocal += slot.getValue();
      }
    }
    return new JsonObject()
        .put("local_count", regionLocal)
        .put("total_count", vector.value())
        .put("nodes", reply.getJsonObject("nodes"))
        .put("network_partition", reply.getBoolean("network_partition", partitions.isIsolated(region)))
        .put("answered_by", reply.getString("node_id"))
        .put("healthy", true);
  }

  private JsonObject unhealthy(String region, Throwable cause) {
    return new JsonObject()
        .put("healthy", false)
        .put("network_partition", partitions.isIsolated(region))
        .put("error", ApiError.from(cause).detail());
  }

  private static JsonObject convergence(List<GCounter> vectors, List<Long> totals) {
    boolean converged = !vectors.isEmpty() && vectors.stream().allMatch(vector -> vector.equals(vectors.get(0)));
    long max = totals.stream().mapToLong(Long::longValue).max().orElse(0);
    long min = totals.stream().mapToLong(Long::longValue).min().orElse(0);
    return new JsonObject()
        .put("converged", converged)
        .put("lag", max - min)
        .put("max_count", max)
        .put("min_count", min);
  }

  /** Returns the region of a node: as announced, else by the {@code <region>-<n>} naming convention. */
  private String regionOf(String nodeId) {
    for (NodeDirectory.Entry entry : directory.all()) {
      if (entry.identity().nodeId().equals(nodeId)) {
        return entry.identity().region();
      }
    }
    int dash = nodeId.lastIndexOf('-');
    return dash > 0 ? nodeId.substring(0, dash) : nodeId;
  }

  private Future<JsonObject> ask(String region, String action, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).addHeader(Headers.ACTION, action);
    return vertx.eventBus().<JsonObject>request(Addresses.regionApi(region), body, options).map(reply -> reply.body());
  }

  private static GCounter toCounter(JsonObject nodes) {
    Map<String, Long> slots = new HashMap<>();
    if (nodes != null) {
      nodes.forEach(slot -> slots.put(slot.getKey(), ((Number) slot.getValue()).longValue()));
    }
    return GCounter.of(slots);
  }

  private Future<JsonObject> timed(String query, Supplier<Future<JsonObject>> view) {
    long startedAt = System.nanoTime();
    return view.get().andThen(done -> Timer.builder(MetricNames.COORDINATOR_QUERY_DURATION)
        .description("Global-view query duration, asking every region")
        .tag(MetricNames.TAG_QUERY, query)
        .tag(MetricNames.TAG_OUTCOME, done.succeeded() ? "success" : "failure")
        .publishPercentileHistogram()
        .register(registry)
        .record(System.nanoTime() - startedAt, TimeUnit.NANOSECONDS));
  }

  private static long elapsedMillis(long startedAt) {
    return (System.nanoTime() - startedAt) / 1_000_000;
  }
}
