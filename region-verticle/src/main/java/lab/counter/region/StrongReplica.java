package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.RequestFields;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The strong-counter replica of one region node: the participant side of the strong service's
 * two-phase commit, consuming {@link Addresses#nodeStrong(String)}. The {@link Headers#ACTION}
 * header selects the operation and the bodies are JSON objects:
 *
 * <ul>
 *   <li>{@link Actions#PREPARE} {@code {"op_id","counter","amount"}} replies {@code {"status":"prepared"}},
 *       or {@code {"status":"committed","value"}} when the op was committed before;
 *   <li>{@link Actions#COMMIT} {@code {"op_id","counter","amount"}} replies {@code {"status":"committed","value"}};
 *   <li>{@link Actions#ABORT} {@code {"op_id"}} replies {@code {"status":"aborted"}};
 *   <li>{@link Actions#READ} {@code {"counter"}} replies {@code {"counter","value","pending"}}.
 * </ul>
 *
 * <p>Failures are failed replies that {@link ApiError#from(Throwable)} decodes: 400 for an invalid
 * body or an amount that would overflow, 409 when another prepared op has locked the counter or the op was aborted.
 * State is touched only on the event loop of the context that registered the replica. Counter
 * values and decided ops go to a {@link Journal}, and a commit is acknowledged once the journal
 * has it. Prepared ops live in memory only, which is safe because a commit applies without its
 * prepare.
 */
public final class StrongReplica {

  /** Maximum number of decided op ids remembered; the least recently used are forgotten first. */
  public static final int DECIDED_CAPACITY = 100_000;

  private static final Logger LOG = LoggerFactory.getLogger(StrongReplica.class);
  private static final int STATUS_PENDING_LIMIT = 20;
  private static final int MAX_OP_ID_LENGTH = 128;

  private final ServiceIdentity self;
  private final long leaseMillis;
  private final Journal journal;
  private final Map<String, Long> values = new HashMap<>();
  /** The prepared op of each counter that has one, keyed by counter name. */
  private final Map<String, Prepared> prepared = new HashMap<>();
  private final Map<String, Decision> decided;
  private MessageConsumer<Object> consumer;

  /**
   * The record of a replica's counter values and decided ops that outlives its process, such as
   * the region node's store file.
   */
  public interface Journal {

    /** A journal that keeps nothing: the replica's state is lost when the process stops. */
    Journal NONE = new Journal() {
      @Override
      public Future<Void> committed(String counter, long value, String opId) {
        return Future.succeededFuture();
      }

      @Override
      public void aborted(String opId) {}

      @Override
      public void forgotten(String opId) {}
    };

    /** Records a commit and the counter's value after it. The replica acknowledges the commit when the future completes. */
    Future<Void> committed(String counter, long value, String opId);

    /** Records an abort, which the replica does not wait for. */
    void aborted(String opId);

    /** Removes a decided op that the replica no longer remembers. */
    void forgotten(String opId);
  }

  /** A prepared op: the amount it will add and when its lease ends, in epoch milliseconds. */
  private record Prepared(String opId, long amount, long expiresAtMillis) {}

  /** The outcome of a decided op: committed with the counter value right after it, or aborted. */
  private record Decision(boolean committed, long value) {}

  private StrongReplica(ServiceIdentity self, long leaseMillis, Journal journal) {
    this.self = self;
    this.leaseMillis = leaseMillis;
    this.journal = journal;
    this.decided = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Decision> eldest) {
        boolean full = size() > DECIDED_CAPACITY;
        if (full) {
          journal.forgotten(eldest.getKey());
        }
        return full;
      }
    };
  }

  /**
   * Registers the replica of node {@code self} on the event bus. Call it on the event loop that
   * should own the replica's state, such as from a verticle's {@code start()}.
   *
   * @param leaseMillis how long a prepared op locks its counter before the lock is released
   * @throws IllegalArgumentException if {@code leaseMillis} is not positive
   */
  public static StrongReplica register(Vertx vertx, ServiceIdentity self, long leaseMillis) {
    return register(vertx, self, leaseMillis, Journal.NONE, Map.of(), Map.of());
  }

  /**
   * Registers the replica like {@link #register(Vertx, ServiceIdentity, long)}, starting from the
   * state {@code journal} kept: the counter values, and the decided ops with the value after each
   * commit, or a negative number for an abort.
   */
  public static StrongReplica register(Vertx vertx, ServiceIdentity self, long leaseMillis, Journal journal,
      Map<String, Long> values, Map<String, Long> decided) {
    if (leaseMillis <= 0) {
      throw new IllegalArgumentException("the strong-replica lease must be positive, was " + leaseMillis + " ms");
    }
    StrongReplica replica = new StrongReplica(self, leaseMillis, journal);
    replica.values.putAll(values);
    decided.forEach((opId, value) -> replica.decided.put(opId, value < 0 ? new Decision(false, 0) : new Decision(true, value)));
    replica.consumer = vertx.eventBus().consumer(Addresses.nodeStrong(self.nodeId()), replica::handle);
    LOG.info("Strong replica of node {} listens on {} with a lease of {} ms",
        self.nodeId(), Addresses.nodeStrong(self.nodeId()), leaseMillis);
    return replica;
  }

  /** Returns a future that completes when the consumer registration has reached the cluster. */
  public Future<Void> ready() {
    return consumer.completion();
  }

  /** Unregisters the consumer; the state stays readable through {@link #status()}. */
  public Future<Void> unregister() {
    return consumer.unregister();
  }

  /**
   * Returns a summary for the region status page: counters held, live prepared ops (the first
   * {@value #STATUS_PENDING_LIMIT}) and decided ops remembered. Call it on the replica's event loop.
   */
  public JsonObject status() {
    long now = System.currentTimeMillis();
    JsonArray pending = new JsonArray();
    prepared.entrySet().stream()
        .filter(entry -> entry.getValue().expiresAtMillis() > now)
        .limit(STATUS_PENDING_LIMIT)
        .forEach(entry -> pending.add(new JsonObject()
            .put("counter", entry.getKey())
            .put("op_id", entry.getValue().opId())
            .put("amount", entry.getValue().amount())
            .put("expires_in_ms", entry.getValue().expiresAtMillis() - now)));
    long pendingCount = prepared.values().stream().filter(p -> p.expiresAtMillis() > now).count();
    return new JsonObject()
        .put("node_id", self.nodeId())
        .put("lease_ms", leaseMillis)
        .put("counters", values.size())
        .put("pending_ops", pendingCount)
        .put("pending", pending)
        .put("decided_ops", decided.size());
  }

  private void handle(Message<Object> message) {
    String action = message.headers().get(Headers.ACTION);
    Future<JsonObject> reply;
    try {
      reply = dispatch(action, requireObject(message.body()));
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onSuccess(body -> message.reply(body, replyOptions(message))).onFailure(failure -> {
      if (failure instanceof ApiError error) {
        replyFailure(message, error);
      } else {
        LOG.error("Strong replica {} failed on action {} with body {}", self.nodeId(), action, message.body(), failure);
        replyFailure(message, new ApiError(500, "internal error", "the strong replica failed; see the region node log"));
      }
    });
  }

  private Future<JsonObject> dispatch(String action, JsonObject body) {
    if (action == null) {
      throw ApiError.badRequest("invalid action", "the " + Headers.ACTION + " header is missing");
    }
    return switch (action) {
      case Actions.PREPARE -> Future.succeededFuture(prepare(opId(body), counter(body), amount(body)));
      case Actions.COMMIT -> commit(opId(body), counter(body), amount(body));
      case Actions.ABORT -> Future.succeededFuture(abort(opId(body)));
      case Actions.READ -> Future.succeededFuture(read(counter(body)));
      default -> throw ApiError.badRequest("invalid action",
          "unknown action '" + action + "'; expected prepare, commit, abort or read");
    };
  }

  private JsonObject prepare(String opId, String counter, long amount) {
    Decision decision = decided.get(opId);
    if (decision != null) {
      return decidedReply(opId, decision);
    }
    Prepared holder = livePrepared(counter);
    if (holder != null && !holder.opId().equals(opId)) {
      throw new ApiError(409, "busy", "counter " + counter + " on node " + self.nodeId()
          + " is locked by prepared op " + holder.opId() + "; retry after it commits or aborts");
    }
    long current = values.getOrDefault(counter, 0L);
    if (current > Long.MAX_VALUE - amount) {
      throw ApiError.badRequest("overflow", "adding " + amount + " to counter " + counter
          + " (value " + current + ") would exceed the maximum " + Long.MAX_VALUE);
    }
    // A repeated prepare of the op that has locked the counter renews its lease.
    prepared.put(counter, new Prepared(opId, amount, System.currentTimeMillis() + leaseMillis));
    LOG.debug("Node {} prepared op {}: counter {} +{}", self.nodeId(), opId, counter, amount);
    return new JsonObject().put("status", "prepared");
  }

  private Future<JsonObject> commit(String opId, String counter, long amount) {
    Decision decision = decided.get(opId);
    if (decision != null) {
      return Future.succeededFuture(decidedReply(opId, decision));
    }
    long current = values.getOrDefault(counter, 0L);
    if (current > Long.MAX_VALUE - amount) {
      LOG.error("Node {} cannot commit op {}: counter {} (value {}) +{} would overflow", self.nodeId(), opId, counter,
          current, amount);
      throw ApiError.badRequest("overflow", "committing op " + opId + " would make counter " + counter
          + " exceed the maximum " + Long.MAX_VALUE);
    }
    Prepared holder = prepared.get(counter);
    if (holder != null && holder.opId().equals(opId)) {
      prepared.remove(counter);
    }
    // The commit carries the counter and amount, so it applies even when the prepare has expired.
    long value = current + amount;
    values.put(counter, value);
    decided.put(opId, new Decision(true, value));
    LOG.debug("Node {} committed op {}: counter {} is {}", self.nodeId(), opId, counter, value);
    return journal.committed(counter, value, opId)
        .map(written -> committedReply(value))
        .recover(failure -> {
          // Like a failed increment on a region node: the commit stays applied in memory, unacknowledged.
          LOG.error("Node {} could not write the commit of op {} (counter {}) to its store", self.nodeId(), opId, counter, failure);
          return Future.failedFuture(new ApiError(500, "not durable",
              "the commit of op " + opId + " was applied on node " + self.nodeId() + " but could not be written to its store"));
        });
  }

  private JsonObject abort(String opId) {
    Decision decision = decided.get(opId);
    if (decision != null && decision.committed()) {
      throw new ApiError(409, "already committed", "op " + opId + " is committed on node " + self.nodeId()
          + " and cannot be aborted");
    }
    prepared.values().removeIf(holder -> holder.opId().equals(opId));
    decided.put(opId, new Decision(false, 0));
    journal.aborted(opId);
    LOG.debug("Node {} aborted op {}", self.nodeId(), opId);
    return new JsonObject().put("status", "aborted");
  }

  private JsonObject read(String counter) {
    return new JsonObject()
        .put("counter", counter)
        .put("value", values.getOrDefault(counter, 0L))
        .put("pending", livePrepared(counter) != null);
  }

  /** Returns the prepared op that has locked {@code counter}, releasing the lock first when its lease has ended. */
  private Prepared livePrepared(String counter) {
    Prepared holder = prepared.get(counter);
    if (holder == null || holder.expiresAtMillis() > System.currentTimeMillis()) {
      return holder;
    }
    // The expired op is released but not recorded as aborted, so a late commit still applies it.
    // NOTE: a strong service that crashes between its commits leaves this op committed on some
    // replicas and prepared on others until the lease ends here. A client retry with the same op_id
    // completes it, before or after the lease ends, because the commit applies wherever it has not
    // been applied yet. Without a retry the replicas differ by the op's amount for good, and reads
    // report the maximum.
    prepared.remove(counter);
    LOG.warn("Node {} released counter {}: prepared op {} got no commit or abort within its {} ms lease",
        self.nodeId(), counter, holder.opId(), leaseMillis);
    return null;
  }

  private JsonObject decidedReply(String opId, Decision decision) {
    if (!decision.committed()) {
      throw new ApiError(409, "aborted", "op " + opId + " was aborted on node " + self.nodeId()
          + "; send the write again with a new op_id");
    }
    return committedReply(decision.value());
  }

  private static JsonObject committedReply(long value) {
    return new JsonObject().put("status", "committed").put("value", value);
  }

  private DeliveryOptions replyOptions(Message<?> request) {
    DeliveryOptions options = new DeliveryOptions();
    if (self.region() != null) {
      options.addHeader(Headers.FROM_REGION, self.region());
    }
    String requester = request.headers().get(Headers.FROM_REGION);
    if (requester != null) {
      options.addHeader(Headers.TO_REGION, requester);
    }
    return options;
  }

  /** Sends what {@code message.fail} sends, with the region headers that a failed reply cannot carry otherwise. */
  private void replyFailure(Message<?> message, ApiError error) {
    ReplyException failure = new ReplyException(ReplyFailure.RECIPIENT_FAILURE, error.toReplyCode(),
        error.toReplyMessage());
    message.reply(failure, replyOptions(message));
  }

  private static JsonObject requireObject(Object body) {
    if (body instanceof JsonObject object) {
      return object;
    }
    throw ApiError.badRequest("invalid body", "a strong-replica request body must be a JSON object");
  }

  private static String opId(JsonObject body) {
    String opId = RequestFields.optionalString(body, "op_id");
    if (opId == null || opId.isEmpty() || opId.length() > MAX_OP_ID_LENGTH) {
      throw ApiError.badRequest("invalid op_id", "op_id must be a string of 1 to " + MAX_OP_ID_LENGTH + " characters");
    }
    return opId;
  }

  private static String counter(JsonObject body) {
    Object value = body.getValue("counter");
    if (!(value instanceof String name)) {
      throw ApiError.badRequest("invalid counter", "counter must be a string naming the counter");
    }
    return RequestFields.counterName(name);
  }

  private static long amount(JsonObject body) {
    if (!body.containsKey("amount")) {
      throw ApiError.badRequest("invalid amount", "amount is missing; send a positive integer");
    }
    return RequestFields.positiveLong(body, "amount", 1);
  }
}
