package lab.counter.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import lab.counter.common.http.ApiError;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.IncrementBatch;
import lab.counter.common.protocol.IncrementBatchCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the increments bound for one region's event-bus address as {@link Actions#INCREMENT_BATCH}
 * messages in the binary form of {@link IncrementBatchCodec}, when the gateway's {@link BatchGate}
 * gives this region its turn. An increment that finds the gate free goes out at once, alone in its
 * batch. Increments that arrive while the gate is held queue up, and the next message carries all
 * of them. Under load this replaces a cluster message, a reply and their encoding per increment
 * with one per batch; at low load it adds no delay.
 *
 * <p>Each increment completes with the reply it would have got alone: its result, its own failure
 * from the region (such as 400 or 503), or the failure of the whole message (a timeout or no
 * handler), so the router's failover rules apply per increment unchanged. Runs on the gateway
 * verticle's event loop.
 */
final class IncrementBatcher {

  private static final Logger LOG = LoggerFactory.getLogger(IncrementBatcher.class);

  /** Maximum number of increments in one batch message; the region accepts up to 1,000. */
  static final int MAX_BATCH_SIZE = 256;

  private final Vertx vertx;
  private final String address;
  private final BatchGate gate;
  private final Runnable onRotatingSent;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean enqueued;
  private int inFlight;
  private final DeliveryOptions options;
  private final Counter batchesSent;
  private final Counter incrementsBatched;
  /** Messages sent, one increment or several; the two counters above count only messages of several. */
  private long messagesSent;
  private long incrementsSent;

  private record Pending(IncrementBatch.Increment increment, boolean rotating, Promise<JsonObject> reply) {}

  /**
   * Creates the batcher of {@code region}, which sends when {@code gate} gives it its turn and runs
   * {@code onRotatingSent} after sending a message that carries a round-robin increment.
   */
  IncrementBatcher(Vertx vertx, String region, long timeoutMillis, MeterRegistry registry, BatchGate gate,
      Runnable onRotatingSent) {
    this.vertx = vertx;
    this.address = Addresses.regionApi(region);
    this.gate = gate;
    this.onRotatingSent = onRotatingSent;
    IncrementBatchCodec.register(vertx.eventBus());
    this.options = new DeliveryOptions()
        .setSendTimeout(timeoutMillis)
        .setCodecName(IncrementBatchCodec.NAME)
        .addHeader(Headers.ACTION, Actions.INCREMENT_BATCH);
    this.batchesSent = Counter.builder(MetricNames.GATEWAY_INCREMENT_BATCHES)
        .description("Batch messages of several increments sent to a region")
        .tag(MetricNames.TAG_TARGET_REGION, region)
        .register(registry);
    this.incrementsBatched = Counter.builder(MetricNames.GATEWAY_BATCHED_INCREMENTS)
        .description("Increments sent to a region in batch messages")
        .tag(MetricNames.TAG_TARGET_REGION, region)
        .register(registry);
  }

  /**
   * Sends one increment and returns the region's reply, the JSON object the increment would have
   * got alone. {@code rotating} marks an increment that round-robin routing sent here.
   */
  Future<JsonObject> send(IncrementBatch.Increment increment, boolean rotating) {
    Pending pending = new Pending(increment, rotating, Promise.promise());
    queue.add(pending);
    if (!enqueued) {
      enqueued = true;
      gate.enqueue(this);
    }
    return pending.reply().future();
  }

  /**
   * Returns the messages sent, whatever their size, the increments they carried, the increments
   * waiting and the messages without a reply yet, for the gateway's status.
   */
  JsonObject status() {
    return new JsonObject()
        .put("messages_sent", messagesSent)
        .put("increments_sent", incrementsSent)
        .put("queued", queue.size())
        .put("in_flight", inFlight);
  }

  /**
   * Sends the queued increments, up to {@link #MAX_BATCH_SIZE}, as one message; called by the gate
   * when this batcher's turn comes. Returns a future that completes when the reply or failure
   * arrives, before the clients of the batch get their responses.
   */
  Future<?> sendWaiting() {
    enqueued = false;
    inFlight++;
    List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH_SIZE));
    List<IncrementBatch.Increment> increments = new ArrayList<>(Math.min(queue.size(), MAX_BATCH_SIZE));
    boolean rotating = false;
    while (!queue.isEmpty() && batch.size() < MAX_BATCH_SIZE) {
      Pending pending = queue.poll();
      rotating |= pending.rotating();
      batch.add(pending);
      increments.add(pending.increment());
    }
    messagesSent++;
    incrementsSent += batch.size();
    if (batch.size() > 1) {
      batchesSent.increment();
      incrementsBatched.increment(batch.size());
    }
    // Completed when the reply or failure arrives, before the clients get their responses. The gate
    // then sends the next message first, so the region works on it while the responses are written.
    Promise<Void> replied = Promise.promise();
    try {
      vertx.eventBus().<IncrementBatch>request(address, new IncrementBatch.Request(increments), options)
          .onComplete(outcome -> {
            inFlight--;
            replied.complete();
            if (outcome.succeeded()) {
              settle(batch, outcome.result().body());
            } else {
              batch.forEach(pending -> pending.reply().fail(outcome.cause()));
            }
          });
    } catch (RuntimeException e) {
      // A send that throws has sent nothing; failing here also frees the gate, which waits for this future.
      LOG.error("Sending {} increments to {} failed", batch.size(), address, e);
      inFlight--;
      replied.complete();
      batch.forEach(pending -> pending.reply().fail(new ApiError(500, "internal error", "the batch could not be sent: " + e)));
    }
    if (rotating) {
      onRotatingSent.run();
    }
    if (!queue.isEmpty()) {
      enqueued = true;
      gate.enqueue(this);
    }
    return replied.future();
  }

  /** Completes each increment of {@code batch} with its result in {@code reply}, in order. */
  private static void settle(List<Pending> batch, IncrementBatch body) {
    if (!(body instanceof IncrementBatch.Reply reply) || reply.results().size() != batch.size()) {
      // The region applied an unknown part of the batch, so no increment may be retried elsewhere.
      String received = body instanceof IncrementBatch.Reply reply ? reply.results().size() + " results"
          : body instanceof IncrementBatch.Malformed malformed ? "bytes that are no batch reply: " + malformed.reason()
          : "a body that is no batch reply";
      ApiError error = new ApiError(500, "invalid batch reply",
          "the region answered a batch of " + batch.size() + " increments with " + received);
      batch.forEach(pending -> pending.reply().fail(error));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      Pending pending = batch.get(i);
      IncrementBatch.Result result = reply.results().get(i);
      if (result instanceof IncrementBatch.Applied applied) {
        pending.reply().complete(applied.toJson(pending.increment().counterName(), reply.region(), reply.nodeId()));
      } else if (result instanceof IncrementBatch.OtherReply other) {
        pending.reply().complete(other.reply());
      } else {
        IncrementBatch.Failed failed = (IncrementBatch.Failed) result;
        pending.reply().fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, failed.code(), failed.message()));
      }
    }
  }
}
