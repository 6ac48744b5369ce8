package lab.counter.region;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.cluster.PartitionTable;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.SyncMessage;
import lab.counter.common.protocol.SyncMessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy of one counter node: push-pull delta exchanges with every live peer node.
 *
 * <p>A round sends each peer the counters changed since the version the peer last acknowledged,
 * and the peer replies with what changed on its side since the version this node last received.
 * Both sides merge. Only a successful exchange moves the two versions forward, so a failed,
 * timed-out or partitioned exchange leaves them where they were and the next successful one
 * carries everything missed. A full-state round every {@code fullEvery} rounds, and a full exchange
 * with any peer that restarted, repair whatever a delta could have missed.
 *
 * <p>Requests and replies are {@link SyncMessage}s in the binary form of {@link SyncMessageCodec}.
 * A message that is malformed, or that no peer could honestly send, is rejected as a whole and
 * counted, and changes nothing.
 *
 * <p>Rounds never overlap: {@link #forceRound()} waits for a running round, then runs another.
 */
final class SyncEngine {

  /** Exchange outcomes, also the {@code status} label values of the sync metrics. */
  static final String SUCCESS = "success";
  static final String ERROR = "error";
  static final String TIMEOUT = "timeout";
  static final String PARTITIONED = "partitioned";

  private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);
  /** The {@code error} of the failed reply to a malformed sync message. */
  private static final String MALFORMED = "malformed sync message";

  private final Vertx vertx;
  private final ServiceIdentity self;
  private final CounterStore store;
  private final NodeDirectory directory;
  private final PartitionTable partitions;
  private final long timeoutMillis;
  private final int fullEvery;
  private final int batchMax;

  private final Map<String, PeerState> peers = new TreeMap<>();
  private final Map<String, AtomicLong> outcomes = Map.of(
      SUCCESS, new AtomicLong(), ERROR, new AtomicLong(), TIMEOUT, new AtomicLong(), PARTITIONED, new AtomicLong());
  private final AtomicLong conflictsResolved = new AtomicLong();
  private final AtomicLong malformedMessages = new AtomicLong();
  private final MeterRegistry registry;
  private final Timer roundDuration;
  private final AtomicLong ownSlotRejections = new AtomicLong();
  private boolean ownSlotGuarded;
  private long rounds;
  private Future<JsonObject> lastRound = Future.succeededFuture(new JsonObject());
  private int roundsRunning;

  SyncEngine(Vertx vertx, ServiceIdentity self, CounterStore store, NodeDirectory directory,
      PartitionTable partitions, long timeoutMillis, int fullEvery, int batchMax, MeterRegistry registry) {
    this.vertx = vertx;
    this.self = self;
    this.store = store;
    this.directory = directory;
    this.partitions = partitions;
    this.timeoutMillis = timeoutMillis;
    this.fullEvery = fullEvery;
    this.batchMax = batchMax;
    this.registry = registry;
    SyncMessageCodec.register(vertx.eventBus());
    this.roundDuration = Timer.builder(MetricNames.SYNC_DURATION)
        .description("Duration of one anti-entropy round over every peer")
        .publishPercentileHistogram()
        .register(registry);
    outcomes.forEach((status, count) -> FunctionCounter.builder(MetricNames.SYNC_OPERATIONS, count, AtomicLong::get)
        .description("Sync exchanges by outcome")
        .tag(MetricNames.TAG_STATUS, status)
        .register(registry));
    FunctionCounter.builder(MetricNames.CONFLICTS_RESOLVED, conflictsResolved, AtomicLong::get)
        .description("Merges where the incoming and local vectors were concurrent")
        .register(registry);
    FunctionCounter.builder(MetricNames.SYNC_MALFORMED, malformedMessages, AtomicLong::get)
        .description("Sync messages rejected as malformed")
        .register(registry);
  }

  /** Runs the periodic round, unless one is still running; every {@code fullEvery}th is a full-state round. */
  void scheduledRound() {
    if (roundsRunning > 0) {
      LOG.debug("Skipped a sync round on {}: the previous one is still running", self.nodeId());
      return;
    }
    boolean full = fullEvery > 0 && (rounds + 1) % fullEvery == 0;
    runRound(full);
  }

  /**
   * Runs a round at once, even while another one runs, and returns its summary. A running round
   * may be waiting out the timeout of an exchange whose reply a partition dropped, and a forced
   * round right after a heal must not wait for it. Overlapping rounds are safe: merges are
   * idempotent, and a late reply can only move a peer's acknowledged version back, which resends
   * counters.
   */
  Future<JsonObject> forceRound() {
    return runRound(false);
  }

  /** Runs a full-state round after the running one, if any. */
  Future<JsonObject> fullRound() {
    return lastRound.transform(ignored -> runRound(true));
  }

  private Future<JsonObject> runRound(boolean full) {
    roundsRunning++;
    rounds++;
    long startedAt = System.nanoTime();
    List<ServiceIdentity> targets = directory.liveOthers(ServiceIdentity.REGION_SERVICE);
    List<Future<String>> exchanges = new ArrayList<>(targets.size());
    for (ServiceIdentity peer : targets) {
      exchanges.add(exchange(peer, full));
    }
    Future<JsonObject> round = Future.join(exchanges).transform(ignored -> {
      roundsRunning--;
      JsonObject outcomeByPeer = new JsonObject();
      for (int i = 0; i < targets.size(); i++) {
        outcomeByPeer.put(targets.get(i).nodeId(), exchanges.get(i).result());
      }
      long durationNanos = System.nanoTime() - startedAt;
      roundDuration.record(durationNanos, TimeUnit.NANOSECONDS);
      long durationMs = durationNanos / 1_000_000;
      LOG.debug("Sync round {} on {} ({}) took {} ms: {}", rounds, self.nodeId(), full ? "full" : "delta", durationMs, outcomeByPeer);
      return Future.succeededFuture(new JsonObject()
          .put("node_id", self.nodeId())
          .put("round", rounds)
          .put("full", full)
          .put("duration_ms", durationMs)
          .put("peers", outcomeByPeer));
    });
    lastRound = round;
    return round;
  }

  private Future<String> exchange(ServiceIdentity peer, boolean full) {
    PeerState state = peerState(peer.nodeId(), peer.region());
    CounterStore.Delta pushed = store.changedSince(full ? 0 : state.acknowledgedVersion, batchMax, SyncMessageCodec.MAX_NODE_IDS);
    SyncMessage.Request request = new SyncMessage.Request(self.nodeId(), self.region(), self.incarnation(), state.incarnation,
        full ? 0 : state.receivedVersion, full, pushed.counters());
    long startedAt = System.nanoTime();
    // Whatever consumes the peer's address replies, with any body, so the body is checked as an Object.
    return vertx.eventBus().<Object>request(Addresses.nodeSync(peer.nodeId()), request, dataPlane(peer.region()))
        .map(reply -> onReply(state, pushed, reply.body(), startedAt))
        .recover(failure -> Future.succeededFuture(onFailure(state, failure)));
  }

  private String onReply(PeerState state, CounterStore.Delta pushed, Object body, long startedAt) {
    if (!(body instanceof SyncMessage.Reply reply)) {
      malformedMessages.incrementAndGet();
      String reason = "the reply of " + state.nodeId + " is invalid: " + malformedReason(body, "reply");
      return onFailure(state, ApiError.badRequest(MALFORMED, reason));
    }
    Map<String, GCounter> pulled = reply.counters();
    MergeCounts merged = mergeAll(pulled);
    String incarnation = reply.incarnation();
    if (state.incarnation != null && !state.incarnation.equals(incarnation)) {
      // The peer restarted and lost what it had acknowledged: the next round pushes everything.
      LOG.info("Peer {} restarted (incarnation {}); the next sync sends it the full state", state.nodeId, incarnation);
      state.acknowledgedVersion = 0;
    } else {
      state.acknowledgedVersion = pushed.toVersion();
    }
    state.incarnation = incarnation;
    state.receivedVersion = reply.version();
    state.lastSuccessMillis = System.currentTimeMillis();
    publishExchange(state, pushed.counters().size(), pulled.size(), merged, startedAt);
    return record(state, SUCCESS);
  }

  private String onFailure(PeerState state, Throwable failure) {
    String status = statusOf(failure);
    if (status.equals(state.lastStatus)) {
      LOG.debug("Sync from {} to {} failed again ({}): {}", self.nodeId(), state.nodeId, status, failure.getMessage());
    } else if (PARTITIONED.equals(status)) {
      LOG.info("Sync from {} to {} is cut by partition mode", self.nodeId(), state.nodeId);
    } else {
      LOG.warn("Sync from {} to {} failed ({}): {}", self.nodeId(), state.nodeId, status, failure.getMessage());
    }
    return record(state, status);
  }

  private static String statusOf(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return TIMEOUT;
      }
      if (reply.failureCode() == PartitionTable.DROPPED_FAILURE_CODE) {
        return PARTITIONED;
      }
    }
    return ERROR;
  }

  /**
   * Handles a peer's exchange: replies with what changed here since the version the peer last
   * received, computed before merging the peer's counters, then merges them. A malformed request
   * gets a failed reply with status 400 and changes nothing.
   */
  void handleSync(Message<?> message) {
    SyncMessage.Request request;
    try {
      request = validRequest(message.body());
    } catch (ApiError error) {
      malformedMessages.incrementAndGet();
      LOG.warn("Rejected a sync message from {}: {}", message.headers().get(Headers.FROM_NODE), error.detail());
      message.fail(error.toReplyCode(), error.toReplyMessage());
      return;
    }

    boolean knowsThisIncarnation = self.incarnation().equals(request.peerIncarnation());
    long since = knowsThisIncarnation ? request.since() : 0;
    CounterStore.Delta reply = store.changedSince(since, batchMax, SyncMessageCodec.MAX_NODE_IDS);
    MergeCounts merged = mergeAll(request.counters());

    PeerState state = peerState(request.nodeId(), request.region());
    state.lastSuccessMillis = System.currentTimeMillis();
    message.reply(new SyncMessage.Reply(self.nodeId(), self.incarnation(), reply.toVersion(), reply.complete(), reply.counters(),
        merged.updated, merged.conflicts), dataPlane(request.region()).setSendTimeout(timeoutMillis));
  }

  /**
   * Returns the body as a request from another node. Any member of the clustered event bus can send
   * here, so the body's type is checked too.
   *
   * @throws ApiError 400 if the codec rejected the bytes, the body is not a sync request, or its
   *     node_id is missing or names this node
   */
  private SyncMessage.Request validRequest(Object body) {
    if (!(body instanceof SyncMessage.Request request)) {
      throw ApiError.badRequest(MALFORMED, malformedReason(body, "request"));
    }
    if (request.nodeId() == null || request.nodeId().equals(self.nodeId())) {
      throw ApiError.badRequest(MALFORMED, "node_id is missing or names the receiving node");
    }
    return request;
  }

  /** Returns why {@code body} is not the expected sync {@code kind}: the codec's reason, or the body's type. */
  private static String malformedReason(Object body, String kind) {
    if (body instanceof SyncMessage.Malformed malformed) {
      return malformed.reason();
    }
    String type = body == null ? "empty" : "a " + body.getClass().getSimpleName();
    return "the body is " + type + ", not a sync " + kind + " of the " + SyncMessageCodec.NAME + " codec";
  }

  /** Returns this node's view of every peer and the outcome counts. */
  JsonObject status() {
    long now = System.currentTimeMillis();
    JsonObject peerJson = new JsonObject();
    peers.forEach((id, state) -> peerJson.put(id, state.toJson(now)));
    return new JsonObject()
        .put("rounds", rounds)
        .put("version", store.version())
        .put("conflicts_resolved", conflictsResolved.get())
        .put("malformed_messages", malformedMessages.get())
        .put("outcomes", outcomesJson())
        .put("peers", peerJson);
  }

  /** Returns the largest lag over the peers, 0 with no peer. */
  long maxLagMillis() {
    long now = System.currentTimeMillis();
    return peers.values().stream().mapToLong(state -> state.lagMillis(now)).max().orElse(0);
  }

  /**
   * Stops accepting peers' values for this node's own slot. Until then, during the start-up sync, a
   * restarted node learns its slot back from peers that remember more of it than its disk did.
   * Afterwards only this node writes its slot, and a peer claiming a higher value is rejected.
   */
  void guardOwnSlot() {
    ownSlotGuarded = true;
  }

  /** Returns the number of incoming vectors whose claim on this node's own slot was rejected. */
  long ownSlotRejections() {
    return ownSlotRejections.get();
  }

  private MergeCounts mergeAll(Map<String, GCounter> counters) {
    MergeCounts counts = new MergeCounts();
    counters.forEach((name, incoming) -> {
      GCounter counter = ownSlotGuarded ? withoutForgedOwnSlot(name, incoming) : incoming;
      switch (store.merge(name, counter)) {
        case UPDATED -> counts.updated++;
        case CONFLICT_RESOLVED -> {
          counts.updated++;
          counts.conflicts++;
        }
        default -> { }
      }
    });
    conflictsResolved.addAndGet(counts.conflicts);
    return counts;
  }

  private GCounter withoutForgedOwnSlot(String name, GCounter incoming) {
    long claimed = incoming.get(self.nodeId());
    GCounter local = store.get(name);
    long own = local == null ? 0 : local.get(self.nodeId());
    if (claimed <= own) {
      return incoming;
    }
    if (ownSlotRejections.incrementAndGet() % 1000 == 1) {
      LOG.warn("Rejected a peer's value {} for this node's slot of counter {} (local {}); {} such claims so far",
          claimed, name, own, ownSlotRejections.get());
    }
    Map<String, Long> slots = new java.util.HashMap<>(incoming.toMap());
    slots.put(self.nodeId(), own);
    return GCounter.of(slots);
  }

  private String record(PeerState state, String status) {
    state.lastStatus = status;
    outcomes.get(status).incrementAndGet();
    return status;
  }

  private PeerState peerState(String peerId, String peerRegion) {
    PeerState existing = peers.get(peerId);
    if (existing != null) {
      return existing;
    }
    PeerState state = new PeerState(peerId, peerRegion, System.currentTimeMillis());
    peers.put(peerId, state);
    Gauge.builder(MetricNames.SYNC_LAG_MS, state, peer -> peer.lagMillis(System.currentTimeMillis()))
        .description("Milliseconds since the last successful sync with a peer; grows while syncs fail")
        .tag(MetricNames.TAG_PEER, peerId)
        .tag(MetricNames.TAG_PEER_REGION, String.valueOf(peerRegion))
        .register(registry);
    return state;
  }

  private JsonObject outcomesJson() {
    JsonObject json = new JsonObject();
    new TreeMap<>(outcomes).forEach((status, count) -> json.put(status, count.get()));
    return json;
  }

  private DeliveryOptions dataPlane(String peerRegion) {
    DeliveryOptions options = new DeliveryOptions()
        .setTracingPolicy(TracingPolicy.ALWAYS)
        .setSendTimeout(timeoutMillis)
        .setCodecName(SyncMessageCodec.NAME)
        .addHeader(Headers.ACTION, Actions.SYNC)
        .addHeader(Headers.FROM_NODE, self.nodeId())
        .addHeader(Headers.FROM_REGION, self.region());
    if (peerRegion != null) {
      options.addHeader(Headers.TO_REGION, peerRegion);
    }
    return options;
  }

  private void publishExchange(PeerState state, int sent, int received, MergeCounts merged, long startedAt) {
    vertx.eventBus().publish(Addresses.INSPECTOR, new JsonObject()
        .put("type", "sync")
        .put("from", self.nodeId())
        .put("to", state.nodeId)
        .put("from_region", self.region())
        .put("to_region", state.region)
        .put("counters_sent", sent)
        .put("counters_received", received)
        .put("updated", merged.updated)
        .put("conflicts_resolved", merged.conflicts)
        .put("duration_ms", (System.nanoTime() - startedAt) / 1_000_000.0)
        .put("timestamp", System.currentTimeMillis()));
  }

  private static final class MergeCounts {
    int updated;
    int conflicts;
  }
}
