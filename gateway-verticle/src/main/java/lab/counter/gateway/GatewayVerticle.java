package lab.counter.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import lab.counter.common.cluster.ClusterAdmin;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.cluster.PartitionTable;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.cluster.ServiceVerticle;
import lab.counter.common.cluster.WanLatency;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.HttpSupport;
import lab.counter.common.http.RequestFields;
import lab.counter.common.metrics.Metrics;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.IncrementBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public API: routes increments to a region over the event bus, forwards global reads to the
 * coordinator, and offers the admin endpoints (partition, force-sync) and the consistency
 * comparison.
 */
public final class GatewayVerticle extends VerticleBase implements ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final String ALL_REGIONS = "all";

  private final ServiceIdentity self;
  private final String host;
  private final List<String> regions;
  private final long requestTimeoutMillis;
  private final long syncTimeoutMillis;
  private final long strongTimeoutMillis;
  private final long presenceIntervalMillis;
  private final long maxBodyBytes;
  private final WanLatency wanLatency;
  private final String adminToken;

  private NodeDirectory directory;
  private PartitionTable partitions;
  private RegionRouter regionRouter;
  private ConsistencyComparison comparison;
  private HttpServer server;

  /** Creates the gateway from {@code HTTP_PORT} (default 8080), {@code REGIONS} and the timeouts. */
  public GatewayVerticle(Settings settings) {
    this.self = ServiceIdentity.starting(ServiceIdentity.GATEWAY_SERVICE, "gateway", null,
        settings.port(ConfigKeys.HTTP_PORT, 8080));
    this.host = settings.string(ConfigKeys.HTTP_HOST);
    this.regions = settings.list(ConfigKeys.REGIONS).stream().map(RequestFields::counterName).toList();
    this.requestTimeoutMillis = settings.number(ConfigKeys.REQUEST_TIMEOUT_MS, 50, 600_000);
    this.syncTimeoutMillis = settings.number(ConfigKeys.SYNC_TIMEOUT_MS, 50, 600_000);
    this.strongTimeoutMillis = settings.number(ConfigKeys.STRONG_TIMEOUT_MS, 50, 600_000);
    this.presenceIntervalMillis = settings.number(ConfigKeys.PRESENCE_INTERVAL_MS, 50, 60_000);
    this.maxBodyBytes = settings.number(ConfigKeys.MAX_BODY_BYTES, 64, 64L * 1024 * 1024);
    this.wanLatency = WanLatency.fromSettings(settings);
    this.adminToken = settings.string(ConfigKeys.ADMIN_TOKEN);
  }

  @Override
  public ServiceIdentity identity() {
    return self;
  }

  @Override
  public Future<?> start() {
    return PartitionTable.install(vertx, self.nodeId())
        .compose(table -> {
          partitions = table;
          return wanLatency.install(vertx);
        })
        .compose(latency -> {
          directory = NodeDirectory.start(vertx, self, presenceIntervalMillis);
          regionRouter = new RegionRouter(vertx, regions, directory, requestTimeoutMillis, Metrics.registry());
          comparison = new ConsistencyComparison(vertx, regionRouter, wanLatency, strongTimeoutMillis);
          return HttpSupport.createServer(vertx, router(), maxBodyBytes).listen(self.httpPort(), host);
        })
        .andThen(listening -> {
          server = listening.result();
          LOG.info("Gateway serves HTTP on {}:{} for regions {}", host, self.httpPort(), regions);
        });
  }

  @Override
  public Future<?> stop() {
    directory.stop();
    return server == null ? Future.succeededFuture() : server.close();
  }

  private Router router() {
    Router router = HttpSupport.createRouter(vertx, maxBodyBytes, ServiceIdentity.GATEWAY_SERVICE);
    InspectorRoutes.mount(vertx, router);
    router.route("/admin/*").handler(HttpSupport.adminAuth(adminToken));
    router.post("/api/increment").handler(this::increment);
    router.get("/api/counter/:name").handler(this::globalCounter);
    router.get("/api/counters").handler(this::counters);
    router.get("/api/status").handler(ctx -> HttpSupport.respond(ctx, status()));
    router.post("/api/compare").handler(this::compare);
    router.post("/admin/partition/:region").handler(this::partition);
    router.post("/admin/latency").handler(this::setLatency);
    router.post("/admin/force-sync").handler(ctx -> HttpSupport.respond(ctx,
        ClusterAdmin.forceSync(vertx, directory, syncTimeoutMillis * 2)));
    router.get("/health").handler(ctx -> HttpSupport.ok(ctx, new JsonObject().put("status", "UP").put("service", "gateway")));
    router.get("/").handler(ctx -> HttpSupport.ok(ctx, index()));
    return router;
  }

  private void increment(RoutingContext ctx) {
    long startedAt = System.nanoTime();
    JsonObject body = HttpSupport.jsonBody(ctx);
    String name = RequestFields.counterName(body);
    long amount = RequestFields.positiveLong(body, "amount", 1);
    String region = RequestFields.optionalString(body, "region");
    // Checked here as the region would, since the key decides where the increment goes.
    String key = RequestFields.idempotencyKey(RequestFields.idempotencyHeader(ctx.request().headers()), body);
    String requestedRouting = routingOf(body, region);
    String home = key == null ? null : regionRouter.homeOf(key);
    if (home != null && region != null && !region.equals(home)) {
      // A node remembers the keys it applied, so a retry sent to another region would count again.
      throw ApiError.badRequest("conflicting region", "an increment with an idempotency key goes to the key's home region, "
          + home + ", so that a retry counts once; leave out region or name " + home);
    }
    String routing = key != null ? RegionRouter.KEY_HASH : requestedRouting;

    List<String> candidates = regionRouter.candidates(routing, region, key);
    HttpSupport.respond(ctx, regionRouter.send(routing, candidates, new IncrementBatch.Increment(name, amount, key))
        .map(reply -> reply
            .put("routing", routing)
            .put("latency_ms", (System.nanoTime() - startedAt) / 10_000 / 100.0)));
  }

  private String routingOf(JsonObject body, String region) {
    String routing = RequestFields.optionalString(body, "routing");
    if (region != null) {
      if (!regions.contains(region)) {
        throw ApiError.notFound("unknown region", "region '" + abbreviate(region) + "' is not one of " + regions);
      }
      return RegionRouter.EXPLICIT;
    }
    if (routing == null || RegionRouter.ROUND_ROBIN.equals(routing)) {
      return RegionRouter.ROUND_ROBIN;
    }
    if (RegionRouter.RANDOM.equals(routing)) {
      return RegionRouter.RANDOM;
    }
    throw ApiError.badRequest("invalid routing", "routing must be round-robin or random, or give a region; was '" + abbreviate(routing) + "'");
  }

  private void globalCounter(RoutingContext ctx) {
    String name = RequestFields.counterName(ctx.pathParam("name"));
    HttpSupport.respond(ctx, askCoordinator(Actions.GLOBAL_COUNTER, new JsonObject().put("counter_name", name)));
  }

  private void counters(RoutingContext ctx) {
    String limit = ctx.queryParams().get("limit");
    String after = ctx.queryParams().get("after");
    JsonObject request = new JsonObject();
    if (after != null) {
      request.put("after", after);
    }
    if (limit != null) {
      try {
        request.put("limit", Integer.parseInt(limit));
      } catch (NumberFormatException e) {
        throw ApiError.badRequest("invalid limit", "limit must be an integer from 1 to 10000");
      }
    }
    HttpSupport.respond(ctx, askCoordinator(Actions.GLOBAL_COUNTERS, request));
  }

  private Future<JsonObject> status() {
    return askCoordinator(Actions.GLOBAL_STATUS, new JsonObject())
        .map(status -> status.put("gateway", new JsonObject()
            .put("routing", RegionRouter.ROUND_ROBIN)
            .put("partition", partitions.toJson())
            .put("wan_latency", wanLatency.toJson())
            .put("increment_batching", regionRouter.batchingStatus())));
  }

  private void compare(RoutingContext ctx) {
    JsonObject body = HttpSupport.jsonBody(ctx);
    String name = RequestFields.counterName(body);
    long iterations = RequestFields.positiveLong(body, "iterations", 20);
    if (iterations > ConsistencyComparison.MAX_ITERATIONS) {
      throw ApiError.badRequest("invalid iterations", "iterations must be from " + ConsistencyComparison.MIN_ITERATIONS
          + " to " + ConsistencyComparison.MAX_ITERATIONS + ", was " + iterations);
    }
    HttpSupport.respond(ctx, comparison.run(name, (int) iterations, () -> ctx.response().closed()));
  }

  private void partition(RoutingContext ctx) {
    String region = ctx.pathParam("region");
    boolean enabled = RequestFields.enabledParam(ctx.queryParams().get("enabled"));
    List<String> targets;
    if (ALL_REGIONS.equals(region)) {
      targets = regions;
    } else if (regions.contains(region)) {
      targets = List.of(region);
    } else {
      throw ApiError.notFound("unknown region", "region '" + abbreviate(region) + "' is not one of " + regions + " or all");
    }
    LOG.info("Partition of {} set to {} through the gateway", targets, enabled);
    HttpSupport.respond(ctx, ClusterAdmin.setPartition(vertx, partitions, targets, enabled));
  }

  private void setLatency(RoutingContext ctx) {
    boolean enabled = RequestFields.enabledParam(ctx.queryParams().get("enabled"));
    LOG.info("Simulated WAN latency set to {} through the gateway", enabled);
    HttpSupport.respond(ctx, WanLatency.setEnabled(vertx, enabled).map(done -> {
      wanLatency.apply(enabled);
      return wanLatency.toJson();
    }));
  }

  /** Sends a read of the global view to the coordinator. Every caller only reads, so a timeout changed nothing. */
  private Future<JsonObject> askCoordinator(String action, JsonObject request) {
    long timeoutMillis = requestTimeoutMillis * 2;
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).addHeader(Headers.ACTION, action);
    return vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_API, request, options)
        .map(reply -> reply.body())
        .recover(failure -> {
          ApiError error = ApiError.from(failure);
          if (error.status() != 503) {
            return Future.failedFuture(error);
          }
          String reason = "timeout".equals(error.error()) ? "no reply within " + timeoutMillis + " ms" : error.detail();
          return Future.failedFuture(ApiError.unavailable("coordinator unavailable",
              "the coordinator computes the global view and did not answer (" + reason + "); retry shortly"));
        });
  }

  private JsonObject index() {
    return new JsonObject()
        .put("service", "gateway")
        .put("regions", new JsonArray(regions))
        .put("routes", new JsonArray(List.of(
            "POST /api/increment", "GET /api/counter/{name}", "GET /api/counters?limit=&after=", "GET /api/status", "POST /api/compare",
            "POST /admin/partition/{region|all}?enabled=true|false", "POST /admin/latency?enabled=true|false", "POST /admin/force-sync", "GET /health", "GET /metrics")));
  }

  private static String abbreviate(String text) {
    return RequestFields.abbreviate(text, 40);
  }
}
