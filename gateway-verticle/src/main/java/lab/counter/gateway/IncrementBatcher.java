package lab.counter.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import lab.counter.common.http.ApiError;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;

/**
 * Sends the increments bound for one region's event-bus address. While fewer than
 * {@link #MAX_IN_FLIGHT} messages await a reply, an increment goes out at once in a message of its
 * own, exactly as without batching. Increments that arrive while that many are in flight queue up,
 * and the next message carries all of them as one {@link Actions#INCREMENT_BATCH}. Under load this
 * replaces a cluster message, a reply and their encoding per increment with one per batch; at low
 * load it adds no delay.
 *
 * <p>Each increment completes with the reply it would have got alone: its result, its own failure
 * from the region (such as 400 or 503), or the failure of the whole message (a timeout or no
 * handler), so the router's failover rules apply per increment unchanged. Runs on the gateway
 * verticle's event loop.
 */
final class IncrementBatcher {

  /**
   * Messages to the region that may await a reply at the same time. With one instead of two, the
   * gateway served about 12,000 instead of 8,000 increments/s on 2 cores (see docs/benchmarks.md).
   */
  static final int MAX_IN_FLIGHT = 1;
  /** Maximum number of increments in one batch message; the region accepts up to 1,000. */
  static final int MAX_BATCH_SIZE = 256;

  private final Vertx vertx;
  private final String address;
  private final long timeoutMillis;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  private final Counter batchesSent;
  private final Counter incrementsBatched;

  private record Pending(JsonObject request, String key, Promise<JsonObject> reply) {}

  IncrementBatcher(Vertx vertx, String region, long timeoutMillis, MeterRegistry registry) {
    this.vertx = vertx;
    this.address = Addresses.regionApi(region);
    this.timeoutMillis = timeoutMillis;
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
   * Sends one increment request (the body of an {@link Actions#INCREMENT} message) with its
   * idempotency key or null, and returns the region's reply body.
   */
  Future<JsonObject> send(JsonObject request, String key) {
    Pending pending = new Pending(request, key, Promise.promise());
    queue.add(pending);
    if (inFlight < MAX_IN_FLIGHT) {
      sendQueued();
    }
    return pending.reply().future();
  }

  /** Returns the batch messages sent and the increments they carried, for the gateway's status. */
  JsonObject status() {
    return new JsonObject()
        .put("batches_sent", (long) batchesSent.count())
        .put("increments_batched", (long) incrementsBatched.count())
        .put("queued", queue.size())
        .put("in_flight", inFlight);
  }

  private void sendQueued() {
    inFlight++;
    Future<?> sent;
    if (queue.size() == 1) {
      Pending single = queue.poll();
      sent = sendOne(single);
    } else {
      List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH_SIZE));
      while (!queue.isEmpty() && batch.size() < MAX_BATCH_SIZE) {
        batch.add(queue.poll());
      }
      sent = sendBatch(batch);
    }
    sent.onComplete(done -> {
      inFlight--;
      if (!queue.isEmpty() && inFlight < MAX_IN_FLIGHT) {
        sendQueued();
      }
    });
  }

  private Future<?> sendOne(Pending pending) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).addHeader(Headers.ACTION, Actions.INCREMENT);
    if (pending.key() != null) {
      options.addHeader(Headers.IDEMPOTENCY_KEY, pending.key());
    }
    return vertx.eventBus().<JsonObject>request(address, pending.request(), options)
        .map(Message::body)
        .onComplete(pending.reply());
  }

  private Future<?> sendBatch(List<Pending> batch) {
    JsonArray increments = new JsonArray(new ArrayList<>(batch.size()));
    for (Pending pending : batch) {
      JsonObject increment = new JsonObject().put("request", pending.request());
      if (pending.key() != null) {
        increment.put("key", pending.key());
      }
      increments.add(increment);
    }
    batchesSent.increment();
    incrementsBatched.increment(batch.size());
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).addHeader(Headers.ACTION, Actions.INCREMENT_BATCH);
    return vertx.eventBus().<JsonObject>request(address, new JsonObject().put("increments", increments), options)
        .onSuccess(reply -> settle(batch, reply.body()))
        .onFailure(failure -> batch.forEach(pending -> pending.reply().fail(failure)));
  }

  /** Completes each increment of {@code batch} with its result in {@code reply}, in order. */
  private static void settle(List<Pending> batch, JsonObject reply) {
    JsonArray results = reply == null ? null : reply.getJsonArray("results");
    if (results == null || results.size() != batch.size()) {
      // The region applied an unknown part of the batch, so no increment may be retried elsewhere.
      ApiError error = new ApiError(500, "invalid batch reply",
          "the region answered a batch of " + batch.size() + " increments with " + (results == null ? "no" : results.size()) + " results");
      batch.forEach(pending -> pending.reply().fail(error));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      JsonObject result = results.getJsonObject(i);
      JsonObject failure = result.getJsonObject("failure");
      if (failure == null) {
        batch.get(i).reply().complete(result.getJsonObject("ok"));
      } else {
        batch.get(i).reply().fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, failure.getInteger("code"), failure.getString("message")));
      }
    }
  }
}
