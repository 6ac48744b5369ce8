package lab.counter.strong;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Predicate;
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
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The strong-counter service: an HTTP API and the {@link Addresses#STRONG_API} event-bus API over
 * {@link StrongCounterService}, which applies each increment on every region's nodes or nowhere.
 *
 * <p>Routes: {@code POST /increment}, {@code GET /counter/{name}}, {@code GET /health},
 * {@code GET /metrics} and {@code GET /}, an index of the routes.
 */
public final class StrongCounterVerticle extends VerticleBase implements ServiceVerticle {

  /** HTTP port used when {@code HTTP_PORT} is unset. */
  public static final int DEFAULT_HTTP_PORT = 8004;
  /** Node id used when {@code NODE_ID} is unset. */
  public static final String DEFAULT_NODE_ID = "strong-1";
  /**
   * Value of the {@link Headers#FROM_REGION} header on the service's requests to replicas. The
   * service is outside every region, so isolating any region cuts its messages to that region.
   */
  public static final String REGION = "strong";

  private static final Logger LOG = LoggerFactory.getLogger(StrongCounterVerticle.class);
  private static final long MAX_BODY_LIMIT = 16L * 1024 * 1024;

  /** Source of the partition state: which regions are isolated. */
  @FunctionalInterface
  interface IsolationSource {
    /** Starts tracking the partition state on {@code vertx} for node {@code nodeId}. */
    Future<Predicate<String>> start(Vertx vertx, String nodeId);
  }

  private final String nodeId;
  private final String httpHost;
  private final int httpPort;
  private final List<String> regions;
  private final long timeoutMillis;
  private final long presenceIntervalMillis;
  private final long maxBodyBytes;
  private final IsolationSource isolationSource;
  private final ServiceIdentity identity;
  private NodeDirectory directory;
  private StrongCounterService service;

  /**
   * Creates the verticle from {@code settings}, tracking partitions through {@link PartitionTable}.
   *
   * @throws IllegalArgumentException if a setting is invalid
   */
  public StrongCounterVerticle(Settings settings) {
    this(settings, (vertx, nodeId) -> PartitionTable.install(vertx, nodeId)
        .compose(table -> WanLatency.fromSettings(settings).install(vertx).map(latency -> table::isIsolated)));
  }

  /** Creates the verticle with another partition-state source, as tests without a cluster do. */
  StrongCounterVerticle(Settings settings, IsolationSource isolationSource) {
    String configuredNode = settings.string(ConfigKeys.NODE_ID);
    this.nodeId = configuredNode != null ? configuredNode : DEFAULT_NODE_ID;
    this.httpHost = settings.string(ConfigKeys.HTTP_HOST);
    this.httpPort = settings.string(ConfigKeys.HTTP_PORT) == null ? DEFAULT_HTTP_PORT
        : settings.integer(ConfigKeys.HTTP_PORT, 1, 65535);
    this.regions = regions(settings);
    this.timeoutMillis = settings.number(ConfigKeys.STRONG_TIMEOUT_MS, 10, 600_000);
    this.presenceIntervalMillis = settings.number(ConfigKeys.PRESENCE_INTERVAL_MS, 10, 600_000);
    this.maxBodyBytes = settings.number(ConfigKeys.MAX_BODY_BYTES, 1, MAX_BODY_LIMIT);
    this.isolationSource = isolationSource;
    this.identity = ServiceIdentity.starting(ServiceIdentity.STRONG_SERVICE, nodeId, null, httpPort);
  }

  @Override
  public ServiceIdentity identity() {
    return identity;
  }

  /**
   * Loads the partition state, starts presence, registers the {@link Addresses#STRONG_API} consumer
   * and starts the HTTP server; the returned future fails when any step fails.
   */
  @Override
  public Future<?> start() {
    return isolationSource.start(vertx, nodeId)
        .compose(isolated -> {
          directory = NodeDirectory.start(vertx, identity, presenceIntervalMillis);
          service = new StrongCounterService(vertx, nodeId, directory, isolated, regions, timeoutMillis);
          return vertx.eventBus().consumer(Addresses.STRONG_API, this::onApiMessage).completion();
        })
        .compose(registered -> HttpSupport.createServer(vertx, router(), maxBodyBytes).listen(httpPort, httpHost))
        .onSuccess(server -> LOG.info("Strong counter {} serves HTTP on {}:{} for regions {} with a {} ms timeout",
            nodeId, httpHost, server.actualPort(), regions, timeoutMillis));
  }

  /** Announces this node's departure; Vert.x closes the consumer and the HTTP server on undeploy. */
  @Override
  public Future<?> stop() {
    if (directory != null) {
      directory.stop();
    }
    return Future.succeededFuture();
  }

  private Router router() {
    Router router = HttpSupport.createRouter(vertx, maxBodyBytes, ServiceIdentity.STRONG_SERVICE);
    router.get("/").handler(ctx -> HttpSupport.ok(ctx, index()));
    router.get("/health").handler(ctx -> HttpSupport.ok(ctx, health()));
    router.post("/increment").handler(this::handleIncrement);
    router.get("/counter/:name").handler(this::handleRead);
    return router;
  }

  private void handleIncrement(RoutingContext ctx) {
    IncrementRequest request = IncrementRequest.parse(HttpSupport.jsonBody(ctx), RequestFields.idempotencyHeader(ctx.request().headers()));
    HttpSupport.respond(ctx, service.increment(request.counter(), request.amount(), request.opId()));
  }

  private void handleRead(RoutingContext ctx) {
    String counter = RequestFields.counterName(ctx.pathParam("name"));
    HttpSupport.respond(ctx, service.read(counter));
  }

  private void onApiMessage(Message<Object> message) {
    HttpSupport.reply(message, handleApi(message.headers().get(Headers.ACTION), message.body(),
        message.headers().get(Headers.IDEMPOTENCY_KEY)));
  }

  private Future<JsonObject> handleApi(String action, Object body, String idempotencyHeader) {
    try {
      if (!(body instanceof JsonObject json)) {
        throw ApiError.badRequest("invalid JSON", "the request body must be a JSON object");
      }
      if (Actions.INCREMENT.equals(action)) {
        IncrementRequest request = IncrementRequest.parse(json, idempotencyHeader);
        return service.increment(request.counter(), request.amount(), request.opId());
      }
      if (Actions.GET.equals(action)) {
        return service.read(RequestFields.counterName(json));
      }
      throw ApiError.badRequest("invalid action", "unknown action '" + action + "' on " + Addresses.STRONG_API
          + "; expected " + Actions.INCREMENT + " or " + Actions.GET);
    } catch (ApiError error) {
      return Future.failedFuture(error);
    }
  }

  private JsonObject health() {
    return new JsonObject()
        .put("status", "UP")
        .put("service", ServiceIdentity.STRONG_SERVICE)
        .put("node_id", nodeId)
        .mergeIn(service.status());
  }

  private static JsonObject index() {
    return new JsonObject()
        .put("service", ServiceIdentity.STRONG_SERVICE)
        .put("description", "strong counter: each increment is applied on every region's nodes or nowhere")
        .put("routes", new JsonArray()
            .add(route("POST", "/increment", "add amount (default 1) to counter_name; op_id (or idempotency_key) makes retries count once"))
            .add(route("GET", "/counter/{name}", "read a counter from every reachable replica"))
            .add(route("GET", "/health", "liveness, the live nodes of each region, and whether writes can succeed"))
            .add(route("GET", "/metrics", "Prometheus metrics")));
  }

  private static JsonObject route(String method, String path, String description) {
    return new JsonObject().put("method", method).put("path", path).put("description", description);
  }

  private static List<String> regions(Settings settings) {
    List<String> regions = settings.list(ConfigKeys.REGIONS);
    if (regions.isEmpty()) {
      throw new IllegalArgumentException("invalid value for " + ConfigKeys.REGIONS.name()
          + ": the strong counter needs at least one region");
    }
    if (regions.contains(REGION)) {
      throw new IllegalArgumentException("invalid value for " + ConfigKeys.REGIONS.name() + ": '" + REGION
          + "' is the strong service's own region header value and cannot name a region");
    }
    return regions;
  }
}
