package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.counter.common.cluster.ClusterAdmin;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.cluster.PartitionTable;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.cluster.ServiceVerticle;
import lab.counter.common.cluster.WanLatency;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.HttpSupport;
import lab.counter.common.http.RequestFields;
import lab.counter.common.metrics.Metrics;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.IncrementBatch;
import lab.counter.common.protocol.IncrementBatchCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One counter node of one region: its HTTP API, the region's event-bus API shared with the other
 * nodes of the region, anti-entropy with every other node, and its strong-counter replica.
 *
 * <p>The node rejects increments with 503 until its start-up sync has pulled the peers' state, so a
 * restarted node learns its own slot back before it counts again.
 */
public final class RegionVerticle extends VerticleBase implements ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(RegionVerticle.class);
  /** How often the per-counter gauges follow the set of most active counters. */
  private static final long TOP_COUNTERS_REFRESH_MS = 2000;
  /** How often expired idempotency keys are forgotten. */
  private static final long KEY_EXPIRY_INTERVAL_MS = 10_000;
  /** Pause between start-up sync attempts while a live peer does not reply. */
  private static final long STARTUP_RETRY_MS = 1000;
  private static final String IDEMPOTENCY_HEADER = Headers.IDEMPOTENCY_KEY;

  private final ServiceIdentity self;
  private final String host;
  private final long syncIntervalMillis;
  private final long syncTimeoutMillis;
  private final int fullSyncEvery;
  private final int syncBatchMax;
  private final long presenceIntervalMillis;
  private final long strongLeaseMillis;
  private final long maxBodyBytes;
  private final int topCounters;
  private final WanLatency wanLatency;
  private final DurableStore.Mode durability;
  private final Path dataDir;
  private final IdempotencyKeys keys;
  private final String adminToken;
  private DurableStore durable;

  private NodeDirectory directory;
  private PartitionTable partitions;
  private RegionNode node;
  private SyncEngine sync;
  private StrongReplica strongReplica;
  private Map<String, Long> recoveredStrongValues;
  private Map<String, Long> recoveredStrongDecided;
  private HttpServer server;

  /** Creates the verticle from the {@code REGION}, {@code NODE_ID}, {@code HTTP_PORT} and sync settings. */
  public RegionVerticle(Settings settings) {
    String region = RequestFields.counterName(settings.required(ConfigKeys.REGION));
    String nodeId = settings.string(ConfigKeys.NODE_ID);
    this.self = ServiceIdentity.starting(ServiceIdentity.REGION_SERVICE,
        nodeId == null ? region + "-1" : nodeId, region, settings.port(ConfigKeys.HTTP_PORT, 8001));
    this.host = settings.string(ConfigKeys.HTTP_HOST);
    this.syncIntervalMillis = settings.number(ConfigKeys.SYNC_INTERVAL_MS, 50, 3_600_000);
    this.syncTimeoutMillis = settings.number(ConfigKeys.SYNC_TIMEOUT_MS, 50, 600_000);
    this.fullSyncEvery = settings.integer(ConfigKeys.FULL_SYNC_EVERY, 0, 1_000_000);
    this.syncBatchMax = settings.integer(ConfigKeys.SYNC_BATCH_MAX, 1, 10_000_000);
    this.presenceIntervalMillis = settings.number(ConfigKeys.PRESENCE_INTERVAL_MS, 50, 60_000);
    this.strongLeaseMillis = 3 * settings.number(ConfigKeys.STRONG_TIMEOUT_MS, 50, 600_000);
    this.maxBodyBytes = settings.number(ConfigKeys.MAX_BODY_BYTES, 64, 64L * 1024 * 1024);
    this.topCounters = settings.integer(ConfigKeys.METRICS_TOP_COUNTERS, 0, 1000);
    this.wanLatency = WanLatency.fromSettings(settings);
    this.durability = DurableStore.Mode.parse(settings.string(ConfigKeys.DURABILITY));
    this.dataDir = Path.of(settings.string(ConfigKeys.DATA_DIR));
    this.keys = new IdempotencyKeys(1000 * settings.number(ConfigKeys.IDEMPOTENCY_WINDOW_S, 1, 7 * 24 * 3600),
        settings.integer(ConfigKeys.IDEMPOTENCY_MAX_KEYS, 1, 10_000_000));
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
        .compose(latency -> vertx.executeBlocking(this::recover))
        .compose(recovered -> {
          CounterStore store = new CounterStore(self.nodeId());
          store.restore(recovered);
          store.onMerge(durable::persistMerged);
          RegionMetrics metrics = new RegionMetrics(Metrics.registry(), store, self.nodeId(), topCounters);
          vertx.setPeriodic(TOP_COUNTERS_REFRESH_MS, timer -> metrics.refreshTopCounters());
          directory = NodeDirectory.start(vertx, self, presenceIntervalMillis);
          node = new RegionNode(self, store, partitions, metrics, durable, keys);
          startHousekeeping();
          sync = new SyncEngine(vertx, self, store, directory, partitions, syncTimeoutMillis, fullSyncEvery, syncBatchMax,
              Metrics.registry());
          strongReplica = StrongReplica.register(vertx, self, strongLeaseMillis, durable,
              recoveredStrongValues, recoveredStrongDecided);
          return registerConsumers();
        })
        .compose(registered -> HttpSupport.createServer(vertx, router(), maxBodyBytes).listen(self.httpPort(), host))
        .andThen(listening -> {
          server = listening.result();
          LOG.info("Node {} of region {} serves HTTP on {}:{}", self.nodeId(), self.region(), host, self.httpPort());
        })
        .andThen(listening -> warmUp());
  }

  @Override
  public Future<?> stop() {
    directory.stop();
    LOG.info("Node {} of region {} stopped", self.nodeId(), self.region());
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    if (durable == null) {
      return closed;
    }
    return closed
        .compose(done -> durable.drain())
        .recover(failure -> {
          LOG.error("Node {} could not write its last changes before stopping", self.nodeId(), failure);
          return Future.succeededFuture();
        })
        .compose(done -> vertx.executeBlocking(() -> {
          durable.close();
          return null;
        }));
  }

  /** Opens the store and reads back its counters and idempotency keys; runs on a worker thread. */
  private Map<String, GCounter> recover() {
    durable = DurableStore.open(durability, context, dataDir, self.nodeId());
    Map<String, GCounter> recovered = durable.loadCounters();
    keys.restore(durable.loadKeys(), System.currentTimeMillis());
    recoveredStrongValues = durable.loadStrongValues();
    recoveredStrongDecided = durable.loadStrongDecided();
    LOG.info("Node {} recovered {} counters, {} idempotency keys and {} strong counters from {}", self.nodeId(),
        recovered.size(), keys.size(), recoveredStrongValues.size(),
        durability == DurableStore.Mode.NONE ? "nowhere (DURABILITY=none)" : dataDir);
    return recovered;
  }

  private void startHousekeeping() {
    vertx.setPeriodic(KEY_EXPIRY_INTERVAL_MS, timer -> durable.forgetKeys(keys.expire(System.currentTimeMillis())));
    if (durability == DurableStore.Mode.BATCHED) {
      vertx.setPeriodic(DurableStore.BATCH_INTERVAL_MS, timer -> durable.flush());
    }
  }

  /**
   * Waits one presence interval to learn the live peers, then pulls their full state until every
   * live peer has replied. Only then does the node accept increments: a node restarted with an
   * empty or stale disk first learns its own slot back from the peers that remember more of it, so
   * its new increments are not hidden under the larger value they hold. A node with no live peer
   * starts at once.
   */
  private void warmUp() {
    vertx.setTimer(presenceIntervalMillis + 200, id -> startUpRound(1));
  }

  private void startUpRound(int attempt) {
    sync.fullRound().onComplete(round -> {
      JsonObject peers = round.succeeded() ? round.result().getJsonObject("peers") : new JsonObject();
      boolean allAnswered = round.succeeded() && peers.stream().allMatch(peer -> SyncEngine.SUCCESS.equals(peer.getValue()));
      if (!allAnswered) {
        LOG.info("Node {} is still starting: start-up sync attempt {} did not reach every live peer: {}", self.nodeId(), attempt,
            round.succeeded() ? peers : round.cause().getMessage());
        vertx.setTimer(STARTUP_RETRY_MS, timer -> startUpRound(attempt + 1));
        return;
      }
      sync.guardOwnSlot();
      node.markReady();
      vertx.setPeriodic(syncIntervalMillis, timer -> sync.scheduledRound());
      LOG.info("Node {} is ready after its start-up sync: {}", self.nodeId(), peers);
    });
  }

  private Future<?> registerConsumers() {
    IncrementBatchCodec.register(vertx.eventBus());
    List<MessageConsumer<?>> consumers = List.of(
        vertx.eventBus().<Object>consumer(Addresses.regionApi(self.region()), this::onRegionApi),
        vertx.eventBus().consumer(Addresses.nodeSync(self.nodeId()), sync::handleSync),
        vertx.eventBus().consumer(Addresses.nodeControl(self.nodeId()), this::onControl));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private Router router() {
    Router router = HttpSupport.createRouter(vertx, maxBodyBytes, ServiceIdentity.REGION_SERVICE);
    router.route("/admin/*").handler(HttpSupport.adminAuth(adminToken));
    router.post("/increment").handler(this::increment);
    router.get("/counter/:name").handler(this::readCounter);
    router.get("/counters").handler(this::listCounters);
    router.get("/health").handler(this::health);
    router.get("/status").handler(ctx -> HttpSupport.ok(ctx, status()));
    router.post("/admin/partition").handler(this::setPartition);
    router.get("/admin/partition").handler(ctx -> HttpSupport.ok(ctx, partitionStatus()));
    router.post("/admin/force-sync").handler(ctx -> HttpSupport.respond(ctx, sync.forceRound()));
    router.get("/").handler(ctx -> HttpSupport.ok(ctx, index()));
    return router;
  }

  private void increment(RoutingContext ctx) {
    HttpSupport.respondEncoded(ctx, node.incrementEncoded(HttpSupport.jsonBody(ctx),
        RequestFields.idempotencyHeader(ctx.request().headers())));
  }

  private void readCounter(RoutingContext ctx) {
    HttpSupport.ok(ctx, node.read(ctx.pathParam("name")));
  }

  private void listCounters(RoutingContext ctx) {
    String limit = ctx.queryParams().get("limit");
    HttpSupport.ok(ctx, node.list(ctx.queryParams().get("after"), RegionNode.parseLimit(limit)));
  }

  private void health(RoutingContext ctx) {
    HttpSupport.send(ctx, node.isReady() ? 200 : 503, node.health());
  }

  private void setPartition(RoutingContext ctx) {
    boolean enabled = RequestFields.enabledParam(ctx.queryParams().get("enabled"));
    LOG.info("Partition of region {} set to {} through node {}", self.region(), enabled, self.nodeId());
    // ClusterAdmin applies the change to this node's table before the reply, so the reply and any
    // sync round after it see the change; the other processes apply it when the control message arrives.
    HttpSupport.respond(ctx, ClusterAdmin.setPartition(vertx, partitions, List.of(self.region()), enabled)
        .map(done -> partitionStatus()));
  }

  private void onRegionApi(Message<Object> message) {
    String action = message.headers().get(Headers.ACTION);
    if (Actions.INCREMENT_BATCH.equals(action)) {
      onIncrementBatch(message);
      return;
    }
    Future<JsonObject> result;
    try {
      JsonObject body;
      if (message.body() == null) {
        body = new JsonObject();
      } else if (message.body() instanceof JsonObject json) {
        body = json;
      } else {
        throw ApiError.badRequest("invalid body", "the body of a region API request must be a JSON object, was "
            + message.body().getClass().getSimpleName());
      }
      result = switch (action == null ? "" : action) {
        case Actions.INCREMENT -> node.increment(body, message.headers().get(IDEMPOTENCY_HEADER));
        case Actions.GET -> node.readAsync(RequestFields.counterName(body));
        case Actions.LIST -> Future.succeededFuture(node.list(RequestFields.optionalString(body, "after"), RegionNode.parseLimit(body.getValue("limit"))));
        case Actions.STATUS -> Future.succeededFuture(status());
        default -> Future.failedFuture(ApiError.badRequest("unknown action", "action '" + action + "' is not served by a region"));
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    HttpSupport.reply(message, result);
  }

  /** Applies a batch of the {@link IncrementBatchCodec} and replies with one result per increment, in the same codec. */
  private void onIncrementBatch(Message<Object> message) {
    if (!(message.body() instanceof IncrementBatch.Request batch)) {
      String reason = message.body() instanceof IncrementBatch.Malformed malformed ? malformed.reason()
          : "the body is " + (message.body() == null ? "empty" : message.body().getClass().getSimpleName())
              + ", not a request of the " + IncrementBatchCodec.NAME + " codec";
      ApiError error = ApiError.badRequest("invalid increments", reason);
      message.fail(error.toReplyCode(), error.toReplyMessage());
      return;
    }
    DeliveryOptions options = new DeliveryOptions().setCodecName(IncrementBatchCodec.NAME);
    node.incrementBatch(batch).onComplete(reply -> {
      if (reply.succeeded()) {
        message.reply(reply.result(), options);
      } else {
        ApiError error = ApiError.from(reply.cause());
        message.fail(error.toReplyCode(), error.toReplyMessage());
      }
    });
  }

  private void onControl(Message<JsonObject> message) {
    String action = message.headers().get(Headers.ACTION);
    if (Actions.FORCE_SYNC.equals(action)) {
      HttpSupport.reply(message, sync.forceRound());
    } else if (Actions.STATUS.equals(action)) {
      HttpSupport.reply(message, Future.succeededFuture(status()));
    } else {
      HttpSupport.reply(message, Future.failedFuture(ApiError.badRequest("unknown action", "action '" + action + "' is not a control action")));
    }
  }

  private JsonObject status() {
    return node.health()
        .put("increments_accepted", node.incrementsAccepted())
        .put("durability", durability.name().toLowerCase(java.util.Locale.ROOT))
        .put("sync_interval_ms", syncIntervalMillis)
        .put("sync", sync.status())
        .put("partition", partitions.toJson())
        .put("wan_latency", wanLatency.toJson())
        .put("strong", strongReplica.status());
  }

  private JsonObject partitionStatus() {
    return new JsonObject()
        .put("region", self.region())
        .put("node_id", self.nodeId())
        .put("network_partition", node.partitioned())
        .mergeIn(partitions.toJson());
  }

  private JsonObject index() {
    return new JsonObject()
        .put("service", "region")
        .put("region", self.region())
        .put("node_id", self.nodeId())
        .put("routes", new io.vertx.core.json.JsonArray(List.of(
            "POST /increment", "GET /counter/{name}", "GET /counters", "GET /health", "GET /status",
            "POST /admin/partition?enabled=true|false", "GET /admin/partition", "POST /admin/force-sync", "GET /metrics")));
  }
}
