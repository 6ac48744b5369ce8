package lab.counter.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.http.ApiError;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.protocol.IncrementBatch;

/**
 * Chooses the region an increment goes to and fails over to the next one.
 *
 * <p>A region is skipped when presence says none of its nodes is live, when nothing consumes its
 * address, or when it answers 503 (a node still starting): in each case the increment was not
 * applied, so trying the next region cannot count it twice. A region that does not answer within
 * the timeout is not retried elsewhere, because it may have applied the increment; the client gets
 * 503 and decides.
 */
final class RegionRouter {

  /** Routing policies accepted in the {@code routing} field. */
  static final String ROUND_ROBIN = "round-robin";
  static final String RANDOM = "random";
  static final String EXPLICIT = "explicit";
  /**
   * Policy of a request with an idempotency key and no region: the key's hash picks one home
   * region and the request goes there alone. Keys are remembered per node, so failing over to
   * another region could count a retry of an applied increment twice; while the home region is
   * down, a keyed increment gets 503 and the client retries later.
   */
  static final String KEY_HASH = "key-hash";

  private final Vertx vertx;
  private final List<String> regions;
  private final NodeDirectory directory;
  private final long timeoutMillis;
  private final MeterRegistry registry;
  private final Counter failovers;
  private final Map<String, Counter> routedCounters = new HashMap<>();
  private final Map<String, IncrementBatcher> batchers = new HashMap<>();
  private final BatchGate gate;
  /** Index of the region where round-robin increments start; it moves on with each message that carries one. */
  private int nextIndex;

  RegionRouter(Vertx vertx, List<String> regions, NodeDirectory directory, long timeoutMillis, MeterRegistry registry) {
    this.vertx = vertx;
    this.regions = regions;
    this.directory = directory;
    this.timeoutMillis = timeoutMillis;
    this.registry = registry;
    this.gate = new BatchGate(vertx);
    this.failovers = Counter.builder(MetricNames.GATEWAY_FAILOVERS)
        .description("Regions skipped because they were down, unregistered or starting")
        .register(registry);
  }

  private void routed(String region) {
    routedCounters.computeIfAbsent(region, name -> Counter.builder(MetricNames.GATEWAY_ROUTED)
            .description("Requests routed to a region")
            .tag(MetricNames.TAG_TARGET_REGION, name)
            .register(registry))
        .increment();
  }

  private IncrementBatcher batcher(String region) {
    return batchers.computeIfAbsent(region, name -> new IncrementBatcher(vertx, name, timeoutMillis, registry, gate,
        () -> nextIndex++));
  }

  /** Returns the gate's state and, per region, how many increments went out in batch messages. */
  JsonObject batchingStatus() {
    JsonObject byRegion = new JsonObject();
    batchers.forEach((region, batcher) -> byRegion.put(region, batcher.status()));
    return new JsonObject()
        .put("in_flight", gate.active())
        .put("regions_waiting", gate.waiting())
        .put("regions", byRegion);
  }

  /** Returns the configured regions. */
  List<String> regions() {
    return regions;
  }

  /**
   * Returns the regions to try, in order: the named region alone, or every region starting from
   * the next in round-robin order or from a random one. Round-robin moves on to the next region
   * when a message carrying round-robin increments is sent, not with each increment: increments
   * that arrive together then share one message to one region, and the next message goes to the
   * next region. One client sending one increment at a time still meets a new region each time.
   */
  List<String> candidates(String routing, String region, String key) {
    if (region != null) {
      return List.of(region);
    }
    if (KEY_HASH.equals(routing) && key != null) {
      return List.of(homeOf(key));
    }
    int start;
    if (RANDOM.equals(routing)) {
      start = ThreadLocalRandom.current().nextInt(regions.size());
    } else {
      start = Math.floorMod(nextIndex, regions.size());
    }
    List<String> order = new ArrayList<>(regions.size());
    for (int i = 0; i < regions.size(); i++) {
      order.add(regions.get((start + i) % regions.size()));
    }
    return order;
  }

  /** Returns the home region of an idempotency key: the one region its increments go to. */
  String homeOf(String key) {
    return regions.get(Math.floorMod(key.hashCode(), regions.size()));
  }

  /**
   * Sends {@code increment} to the first candidate that accepts it; the reply names the skipped
   * regions. {@code routing} is the policy that chose the candidates.
   */
  Future<JsonObject> send(String routing, List<String> candidates, IncrementBatch.Increment increment) {
    return attempt(ROUND_ROBIN.equals(routing), candidates, 0, increment, new JsonArray());
  }

  private Future<JsonObject> attempt(boolean rotating, List<String> candidates, int index, IncrementBatch.Increment increment,
      JsonArray skipped) {
    if (index == candidates.size()) {
      String unavailable = candidates.size() == 1 ? "region " + candidates.get(0) + " was" : "every region was";
      return Future.failedFuture(ApiError.unavailable("no region available",
          unavailable + " down or starting: " + skipped.encode()));
    }
    String region = candidates.get(index);
    boolean lastChance = index == candidates.size() - 1;
    if (!lastChance && !directory.hasLiveRegionNode(region)) {
      skipped.add(new JsonObject().put("region", region).put("reason", "no live node"));
      failovers.increment();
      return attempt(rotating, candidates, index + 1, increment, skipped);
    }
    // One transform rather than a map and a recover: each step costs a future per increment.
    return batcher(region).send(increment, rotating).transform(outcome -> {
      if (outcome.succeeded()) {
        routed(region);
        return Future.succeededFuture(outcome.result().put("failed_over", skipped));
      }
      Throwable failure = outcome.cause();
      if (!safeToRetry(failure)) {
        return Future.failedFuture(failure);
      }
      skipped.add(new JsonObject().put("region", region).put("reason", ApiError.from(failure).detail()));
      failovers.increment();
      return attempt(rotating, candidates, index + 1, increment, skipped);
    });
  }

  /** Returns whether the failure proves the request was not applied. */
  private static boolean safeToRetry(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      return reply.failureType() == ReplyFailure.NO_HANDLERS
          || (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == 503);
    }
    return false;
  }
}
