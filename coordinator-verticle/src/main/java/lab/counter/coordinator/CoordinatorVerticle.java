package lab.counter.coordinator;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator: serves the global view, status, force-sync and partition control over HTTP and
 * over {@link Addresses#COORDINATOR_API}, which the gateway uses. It keeps no counter state of its
 * own; every answer is computed from the regions at the time of the request.
 */
public final class CoordinatorVerticle extends VerticleBase implements ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorVerticle.class);

  /** Region name accepted by the partition endpoints to mean every region. */
  static final String ALL_REGIONS = "all";

  private final ServiceIdentity self;
  private final String host;
  private final List<String> regions;
  private final long requestTimeoutMillis;
  private final long syncTimeoutMillis;
  private final long presenceIntervalMillis;
  private final long maxBodyBytes;
  private final WanLatency wanLatency;
  private final String adminToken;

  private NodeDirectory directory;
  private PartitionTable partitions;
  private GlobalView view;
  private HttpServer server;

  /** Creates the coordinator from {@code HTTP_PORT} (default 8000), {@code REGIONS} and the timeouts. */
  public CoordinatorVerticle(Settings settings) {
    this.self = ServiceIdentity.starting(ServiceIdentity.COORDINATOR_SERVICE, "coordinator", null,
        settings.port(ConfigKeys.HTTP_PORT, 8000));
    this.host = settings.string(ConfigKeys.HTTP_HOST);
    this.regions = settings.list(ConfigKeys.REGIONS).stream().map(RequestFields::counterName).toList();
    this.requestTimeoutMillis = settings.number(ConfigKeys.REQUEST_TIMEOUT_MS, 50, 600_000);
    this.syncTimeoutMillis = settings.number(ConfigKeys.SYNC_TIMEOUT_MS, 50, 600_000);
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
          view = new GlobalView(vertx, regions, directory, partitions, wanLatency, requestTimeoutMillis, Metrics.registry());
          return vertx.eventBus().<JsonObject>consumer(Addresses.COORDINATOR_API, this::onApi).completion();
        })
        .compose(registered -> HttpSupport.createServer(vertx, router(), maxBodyBytes).listen(self.httpPort(), host))
        .andThen(listening -> {
          server = listening.result();
          LOG.info("Coordinator serves HTTP on {}:{} for regions {}", host, self.httpPort(), regions);
        });
  }

  @Override
  public Future<?> stop() {
    directory.stop();
    return server == null ? Future.succeededFuture() : server.close();
  }

  private Router router() {
    Router router = HttpSupport.createRouter(vertx, maxBodyBytes, ServiceIdentity.COORDINATOR_SERVICE);
    router.get("/global/counter/:name").handler(this::globalCounter);
    router.get("/global/counters").handler(ctx ->
        HttpSupport.respond(ctx, view.counters(ctx.queryParams().get("after"), limit(ctx.queryParams().get("limit")))));
    router.get("/global/status").handler(ctx -> HttpSupport.respond(ctx, view.status()));
    router.post("/global/force-sync").handler(HttpSupport.adminAuth(adminToken));
    router.post("/global/partition").handler(HttpSupport.adminAuth(adminToken));
    router.post("/global/force-sync").handler(ctx -> HttpSupport.respond(ctx, forceSync()));
    router.post("/global/partition").handler(this::partition);
    router.get("/health").handler(ctx -> HttpSupport.ok(ctx, new JsonObject().put("status", "UP").put("service", "coordinator")));
    router.get("/").handler(ctx -> HttpSupport.ok(ctx, new JsonObject()
        .put("service", "coordinator")
        .put("regions", new JsonArray(regions))
        .put("routes", new JsonArray(List.of("GET /global/counter/{name}", "GET /global/counters?limit=&after=", "GET /global/status",
            "POST /global/force-sync", "POST /global/partition?region=<region|all>&enabled=true|false", "GET /health", "GET /metrics")))));
    return router;
  }

  private void globalCounter(RoutingContext ctx) {
    HttpSupport.respond(ctx, view.counter(RequestFields.counterName(ctx.pathParam("name"))));
  }

  private void partition(RoutingContext ctx) {
    String region = ctx.queryParams().get("region");
    String enabled = ctx.queryParams().get("enabled");
    if (region == null && ctx.body().length() > 0) {
      JsonObject body = HttpSupport.jsonBody(ctx);
      region = RequestFields.optionalString(body, "region");
      enabled = body.getValue("enabled") == null ? null : String.valueOf(body.getValue("enabled"));
    }
    HttpSupport.respond(ctx, partition(region, RequestFields.enabledParam(enabled)));
  }

  private Future<JsonObject> partition(String region, boolean enabled) {
    List<String> targets = regionsNamed(region);
    LOG.info("Partition of {} set to {} through the coordinator", targets, enabled);
    return ClusterAdmin.setPartition(vertx, partitions, targets, enabled);
  }

  private Future<JsonObject> forceSync() {
    return ClusterAdmin.forceSync(vertx, directory, syncTimeoutMillis * 2);
  }

  private void onApi(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String action = String.valueOf(message.headers().get(Headers.ACTION));
    Future<JsonObject> result;
    try {
      result = switch (action) {
        case Actions.GLOBAL_COUNTER -> view.counter(RequestFields.counterName(body));
        // Checked like the HTTP route's limit, so a bad limit is a 400 rather than a list with every region unavailable.
        case Actions.GLOBAL_COUNTERS -> view.counters(RequestFields.optionalString(body, "after"),
            limit(body.getValue("limit") == null ? null : String.valueOf(body.getValue("limit"))));
        case Actions.GLOBAL_STATUS -> view.status();
        case Actions.FORCE_SYNC -> forceSync();
        case Actions.PARTITION -> partition(body.getString("region"), body.getBoolean("enabled"));
        default -> Future.failedFuture(ApiError.badRequest("unknown action", "action '" + action + "' is not served by the coordinator"));
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    HttpSupport.reply(message, result);
  }

  /**
   * Returns the regions a partition request names: one configured region, or all of them.
   *
   * @throws ApiError 400 when missing, 404 when not a configured region
   */
  List<String> regionsNamed(String region) {
    if (region == null || region.isBlank()) {
      throw ApiError.badRequest("invalid region", "region is missing; use one of " + regions + " or all");
    }
    if (ALL_REGIONS.equals(region)) {
      return regions;
    }
    if (!regions.contains(region)) {
      throw ApiError.notFound("unknown region", "region '" + abbreviate(region) + "' is not one of " + regions + " or all");
    }
    return List.of(region);
  }

  private static int limit(String raw) {
    try {
      int limit = raw == null ? 1000 : Integer.parseInt(raw);
      if (limit >= 1 && limit <= 10_000) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // Reported below with the accepted range.
    }
    throw ApiError.badRequest("invalid limit", "limit must be an integer from 1 to 10000");
  }

  private static String abbreviate(String text) {
    return RequestFields.abbreviate(text, 40);
  }
}
