package lab.counter.strong;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.metrics.Metrics;
import lab.counter.common.protocol.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The strong counter. An increment is applied by {@link TwoPhaseWrite} on every live node of every
 * configured region, or nowhere, and a read returns the maximum over the reachable replicas.
 * Operations on one counter run one at a time in arrival order, so a read's value includes every
 * write acknowledged before the read arrived ({@link ReplicaRead} describes the exception). Each
 * operation has {@code timeoutMillis} from its arrival, including the time it waits behind earlier
 * operations. Use it from one event loop only.
 */
final class StrongCounterService {

  /** Maximum number of op ids whose first result is kept for retries. */
  static final int OP_CACHE_CAPACITY = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(StrongCounterService.class);

  private final Vertx vertx;
  private final String nodeId;
  private final NodeDirectory directory;
  private final Predicate<String> isolated;
  private final List<String> regions;
  private final long timeoutMillis;
  private final ReplicaClient client;
  private final CommitRetrier retrier;
  private final CounterQueue queue = new CounterQueue();
  private final Map<String, CachedWrite> opCache = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, CachedWrite> eldest) {
      return size() > OP_CACHE_CAPACITY;
    }
  };

  /** A write's first attempt: what it wrote and its result, successful or still running. */
  private record CachedWrite(String counter, long amount, Future<JsonObject> result) {}

  /**
   * Creates the service of node {@code nodeId} over the nodes {@code directory} reports live in
   * {@code regions}. Writes fail at once while {@code isolated} returns true for any of them.
   */
  StrongCounterService(Vertx vertx, String nodeId, NodeDirectory directory, Predicate<String> isolated,
      List<String> regions, long timeoutMillis) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.directory = directory;
    this.isolated = isolated;
    this.regions = List.copyOf(regions);
    this.timeoutMillis = timeoutMillis;
    this.client = new ReplicaClient(vertx, nodeId);
    this.retrier = new CommitRetrier(vertx, client, directory, timeoutMillis);
  }

  /**
   * Adds {@code amount} to {@code counter} on every region's nodes as op {@code requestedOpId}, or
   * a generated one when it is null. A retry of an op that succeeded before returns the first
   * result. A failed op is not cached, so its retry runs again, and it fails again with 503 when a
   * replica recorded the op's abort.
   *
   * @return {@code {"counter","value","op_id","regions","nodes","latency_ms"}}, or a failed future
   *     with a 503 {@link ApiError} when nothing was applied, 400 when the amount would overflow,
   *     409 when the op_id was used for another write
   */
  Future<JsonObject> increment(String counter, long amount, String requestedOpId) {
    long startedAt = System.nanoTime();
    String opId = requestedOpId != null ? requestedOpId : UUID.randomUUID().toString();
    CachedWrite cached = opCache.get(opId);
    if (cached != null) {
      return replay(opId, cached, counter, amount, startedAt);
    }

    long deadline = System.currentTimeMillis() + timeoutMillis;
    Future<JsonObject> result = queue.submit(counter, () -> write(opId, counter, amount, deadline))
        .map(body -> body.put("latency_ms", elapsedMillis(startedAt)));
    CachedWrite entry = new CachedWrite(counter, amount, result);
    opCache.put(opId, entry);
    result.onComplete(done -> afterWrite(opId, entry, done, startedAt));
    return result.map(JsonObject::copy);
  }

  /**
   * Reads {@code counter} from every reachable replica after the operations submitted before it.
   *
   * @return {@code {"counter","value","replicas","pending","unreachable","query_time_ms"}}, or a
   *     failed future with a 503 {@link ApiError} when no replica replies
   */
  Future<JsonObject> read(String counter) {
    long startedAt = System.nanoTime();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    return queue.submit(counter, () -> readReplicas(counter, deadline))
        .map(body -> body.put("query_time_ms", elapsedMillis(startedAt)));
  }

  /** Returns the live nodes and isolation of each region, whether writes can succeed, and queue sizes. */
  JsonObject status() {
    JsonObject regionStatus = new JsonObject();
    boolean writable = true;
    for (String region : regions) {
      List<ServiceIdentity> nodes = directory.liveRegionNodes(region);
      boolean regionIsolated = isolated.test(region);
      writable &= !nodes.isEmpty() && !regionIsolated;
      regionStatus.put(region, new JsonObject()
          .put("live_nodes", new JsonArray(nodes.stream().map(ServiceIdentity::nodeId).toList()))
          .put("isolated", regionIsolated));
    }
    return new JsonObject()
        .put("regions", regionStatus)
        .put("writable", writable)
        .put("timeout_ms", timeoutMillis)
        .put("busy_counters", queue.activeCounters())
        .put("cached_ops", opCache.size())
        .put("background_commits", retrier.pendingCount());
  }

  private Future<JsonObject> replay(String opId, CachedWrite cached, String counter, long amount, long startedAt) {
    if (!cached.counter().equals(counter) || cached.amount() != amount) {
      return Future.failedFuture(new ApiError(409, "op_id reused", "op_id " + opId + " was used for counter "
          + cached.counter() + " with amount " + cached.amount() + "; send a new op_id for a different write"));
    }
    LOG.debug("Op {} on counter {} is a retry; returning its first result", opId, counter);
    cached.result()
        .onSuccess(first -> publishWrite(opId, counter, amount, "duplicate", elapsedMillis(startedAt), null));
    return cached.result().map(JsonObject::copy);
  }

  private Future<JsonObject> write(String opId, String counter, long amount, long deadline) {
    if (System.currentTimeMillis() >= deadline) {
      throw ApiError.unavailable("strong write failed", "timed out after " + timeoutMillis
          + " ms waiting behind earlier operations on counter " + counter + "; op " + opId + " was applied nowhere");
    }
    List<ServiceIdentity> targets = writeTargets(opId);
    return new TwoPhaseWrite(vertx, client, retrier, opId, counter, amount, targets, deadline, timeoutMillis).run();
  }

  /** Returns every live node of every region, or throws 503 naming a region that cannot take the write. */
  private List<ServiceIdentity> writeTargets(String opId) {
    List<ServiceIdentity> targets = new ArrayList<>();
    for (String region : regions) {
      if (isolated.test(region)) {
        throw ApiError.unavailable("strong write failed",
            "region " + region + " is isolated by partition mode; op " + opId + " was applied nowhere");
      }
      List<ServiceIdentity> nodes = directory.liveRegionNodes(region);
      if (nodes.isEmpty()) {
        throw ApiError.unavailable("strong write failed",
            "region " + region + " has no live node; op " + opId + " was applied nowhere");
      }
      targets.addAll(nodes);
    }
    return targets;
  }

  private Future<JsonObject> readReplicas(String counter, long deadline) {
    long remaining = deadline - System.currentTimeMillis();
    if (remaining <= 0) {
      throw ApiError.unavailable("strong read failed",
          "timed out after " + timeoutMillis + " ms waiting behind earlier operations on counter " + counter);
    }
    List<ServiceIdentity> reachable = new ArrayList<>();
    List<ServiceIdentity> unreachable = new ArrayList<>();
    List<String> withoutLiveNode = new ArrayList<>();
    for (String region : regions) {
      List<ServiceIdentity> nodes = directory.liveRegionNodes(region);
      if (nodes.isEmpty()) {
        withoutLiveNode.add(region);
      } else if (isolated.test(region)) {
        unreachable.addAll(nodes);
      } else {
        reachable.addAll(nodes);
      }
    }
    return new ReplicaRead(client, counter, reachable, unreachable, withoutLiveNode, remaining).run();
  }

  private void afterWrite(String opId, CachedWrite entry, AsyncResult<JsonObject> done, long startedAt) {
    long latency = elapsedMillis(startedAt);
    Timer.builder(MetricNames.STRONG_WRITE_DURATION)
        .description("Strong write duration, from request to the answer, by outcome")
        .tag(MetricNames.TAG_OUTCOME, done.succeeded() ? "committed" : "failed")
        .publishPercentileHistogram()
        .register(Metrics.registry())
        .record(System.nanoTime() - startedAt, TimeUnit.NANOSECONDS);
    if (done.succeeded()) {
      LOG.debug("Op {} committed: counter {} +{} in {} ms", opId, entry.counter(), entry.amount(), latency);
      publishWrite(opId, entry.counter(), entry.amount(), "committed", latency, null);
      return;
    }
    opCache.remove(opId, entry);
    ApiError error = ApiError.from(done.cause());
    if (error.status() < 500) {
      // The client's request was invalid, such as an amount that would overflow the counter.
      LOG.info("Strong write of op {} (counter {} +{}) was rejected after {} ms: {}", opId, entry.counter(), entry.amount(),
          latency, error.getMessage());
    } else {
      LOG.warn("Strong write of op {} (counter {} +{}) failed after {} ms: {}", opId, entry.counter(), entry.amount(),
          latency, error.getMessage());
    }
    publishWrite(opId, entry.counter(), entry.amount(), "failed", latency, error.getMessage());
  }

  private void publishWrite(String opId, String counter, long amount, String outcome, long latencyMillis,
      String detail) {
    vertx.eventBus().publish(Addresses.INSPECTOR, new JsonObject()
        .put("type", "strong-write")
        .put("node_id", nodeId)
        .put("op_id", opId)
        .put("counter", counter)
        .put("amount", amount)
        .put("outcome", outcome)
        .put("latency_ms", latencyMillis)
        .put("detail", detail)
        .put("timestamp", System.currentTimeMillis()));
  }

  private static long elapsedMillis(long startedAtNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAtNanos);
  }
}
