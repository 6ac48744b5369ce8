package lab.counter.strong;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.region.StrongReplica;

/**
 * Test bed: one strong replica per region (us-east-1, us-west-1, eu-west-1), each announced through
 * its own {@link NodeDirectory}, and the strong service in front of them over HTTP on 127.0.0.1,
 * all on one non-clustered Vert.x. Partition mode is simulated by {@link #isolated}.
 */
final class ReplicaCluster {

  static final List<String> REGIONS = List.of("us-east", "us-west", "eu-west");
  static final long TIMEOUT_MS = 2000;
  static final long PRESENCE_MS = 100;
  static final long LEASE_MS = 10_000;
  private static final long HEALTH_WAIT_MS = 5000;

  final Vertx vertx;
  /** Regions the service treats as isolated. */
  final Set<String> isolated = ConcurrentHashMap.newKeySet();
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();
  private final int port;
  private final WebClient client;
  private String deploymentId;

  /** One region node of the test bed: its identity, the context its replica runs on, and its parts. */
  private record Node(ServiceIdentity identity, Context context, StrongReplica replica, NodeDirectory directory) {}

  private ReplicaCluster(Vertx vertx) {
    this.vertx = vertx;
    this.port = freePort();
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /** Starts the replicas and the service, and completes once the service reports every region writable. */
  static Future<ReplicaCluster> start(Vertx vertx) {
    ReplicaCluster cluster = new ReplicaCluster(vertx);
    List<Future<Void>> replicas = REGIONS.stream().map(cluster::startNode).toList();
    return Future.all(replicas)
        .compose(started -> cluster.deployService())
        .map(cluster);
  }

  /** Returns the node id of the test bed's node in {@code region}. */
  static String nodeOf(String region) {
    return region + "-1";
  }

  /** Undeploys the service and deploys a new one, which starts with an empty op_id cache. */
  Future<Void> restartService() {
    return vertx.undeploy(deploymentId).compose(undeployed -> deployService());
  }

  /** Stops the presence announcements of {@code nodeId}, which announces that it left. */
  Future<Void> stopPresence(String nodeId) {
    Node node = nodes.get(nodeId);
    return onContext(node.context(), () -> {
      node.directory().stop();
      return null;
    });
  }

  /** Unregisters the replica of {@code nodeId}; its presence goes on, so it still counts as live. */
  Future<Void> unregisterReplica(String nodeId) {
    return nodes.get(nodeId).replica().unregister();
  }

  /** Returns the replica's status, read on its own event loop. */
  Future<JsonObject> replicaStatus(String nodeId) {
    Node node = nodes.get(nodeId);
    return onContext(node.context(), () -> node.replica().status());
  }

  /** Sends {@code action} with {@code body} directly to the replica of {@code nodeId}. */
  Future<JsonObject> toReplica(String nodeId, String action, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, action);
    return vertx.eventBus()
        .<JsonObject>request(Addresses.nodeStrong(nodeId), body, options)
        .map(reply -> reply.body());
  }

  /** Reads {@code counter} directly from the replica of each of {@code nodeIds}, in that order. */
  Future<List<JsonObject>> readReplicas(String counter, List<String> nodeIds) {
    List<Future<JsonObject>> reads = nodeIds.stream()
        .map(nodeId -> toReplica(nodeId, Actions.READ, new JsonObject().put("counter", counter)))
        .toList();
    return Future.all(reads).map(done -> reads.stream().map(Future::result).toList());
  }

  /** Reads {@code counter} directly from every replica, in region order. */
  Future<List<JsonObject>> readReplicas(String counter) {
    return readReplicas(counter, REGIONS.stream().map(ReplicaCluster::nodeOf).toList());
  }

  /** Sends {@code POST /increment} with a JSON body. */
  Future<HttpResponse<Buffer>> increment(JsonObject body) {
    return client.post("/increment").sendJsonObject(body);
  }

  /** Sends {@code POST /increment} with a JSON body and an {@code Idempotency-Key} header. */
  Future<HttpResponse<Buffer>> increment(JsonObject body, String idempotencyKey) {
    return client.post("/increment").putHeader("Idempotency-Key", idempotencyKey).sendJsonObject(body);
  }

  /** Sends {@code POST /increment} with {@code body} as it is, labelled as JSON. */
  Future<HttpResponse<Buffer>> incrementRaw(String body) {
    return client.post("/increment").putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
  }

  /** Sends {@code GET path}. */
  Future<HttpResponse<Buffer>> get(String path) {
    return client.get(path).send();
  }

  /** Polls {@code GET /health} until {@code condition} holds, failing after a few seconds. */
  Future<JsonObject> awaitHealth(Predicate<JsonObject> condition) {
    long giveUpAt = System.currentTimeMillis() + HEALTH_WAIT_MS;
    Promise<JsonObject> promise = Promise.promise();
    pollHealth(condition, giveUpAt, promise);
    return promise.future();
  }

  private void pollHealth(Predicate<JsonObject> condition, long giveUpAt, Promise<JsonObject> promise) {
    get("/health").onComplete(response -> {
      JsonObject health = response.succeeded() ? response.result().bodyAsJsonObject() : null;
      if (health != null && condition.test(health)) {
        promise.complete(health);
      } else if (System.currentTimeMillis() > giveUpAt) {
        promise.fail(new AssertionError("health never matched the condition; last: " + health));
      } else {
        vertx.setTimer(50, id -> pollHealth(condition, giveUpAt, promise));
      }
    });
  }

  private Future<Void> startNode(String region) {
    ServiceIdentity identity = ServiceIdentity.starting(ServiceIdentity.REGION_SERVICE, nodeOf(region), region, 0);
    Context context = vertx.getOrCreateContext();
    Promise<Void> promise = Promise.promise();
    context.runOnContext(ignored -> {
      StrongReplica replica = StrongReplica.register(vertx, identity, LEASE_MS);
      NodeDirectory directory = NodeDirectory.start(vertx, identity, PRESENCE_MS);
      nodes.put(identity.nodeId(), new Node(identity, context, replica, directory));
      replica.ready().onComplete(promise);
    });
    return promise.future();
  }

  private Future<Void> deployService() {
    Settings settings = new Settings(Map.of(
        ConfigKeys.HTTP_PORT.name(), String.valueOf(port),
        ConfigKeys.REGIONS.name(), String.join(",", REGIONS),
        ConfigKeys.STRONG_TIMEOUT_MS.name(), String.valueOf(TIMEOUT_MS),
        ConfigKeys.PRESENCE_INTERVAL_MS.name(), String.valueOf(PRESENCE_MS)));
    StrongCounterVerticle verticle =
        new StrongCounterVerticle(settings, (vertx, nodeId) -> Future.succeededFuture(isolated::contains));
    return vertx.deployVerticle(verticle)
        .onSuccess(id -> deploymentId = id)
        .compose(id -> awaitHealth(health -> health.getBoolean("writable", false)))
        .mapEmpty();
  }

  private static <T> Future<T> onContext(Context context, Supplier<T> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(ignored -> promise.complete(action.get()));
    return promise.future();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
