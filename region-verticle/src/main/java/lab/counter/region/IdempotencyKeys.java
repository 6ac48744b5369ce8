package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.IncrementBatch;

/**
 * The idempotency keys a region node accepted within the window, with the first result of each, so
 * that a retried increment returns that result and counts once. A key also maps to the increment
 * still being made durable, so a retry that arrives meanwhile waits for the same outcome. Keys are
 * kept in insertion order; the oldest are forgotten first when the window passes or the count
 * exceeds the maximum. Not thread-safe: used on the region verticle's event loop.
 */
final class IdempotencyKeys {

  /** A remembered key: the request that carried it and its result. */
  record Entry(String counter, long amount, JsonObject result, long storedAtMillis) {
    JsonObject toJson() {
      return new JsonObject().put("counter", counter).put("amount", amount).put("result", result).put("stored_at", storedAtMillis);
    }

    static Entry fromJson(JsonObject json) {
      return new Entry(json.getString("counter"), json.getLong("amount"), json.getJsonObject("result"), json.getLong("stored_at"));
    }
  }

  private final long windowMillis;
  private final int maxKeys;
  private final LinkedHashMap<String, Entry> answered = new LinkedHashMap<>();
  private final Map<String, Pending> inFlight = new HashMap<>();

  /** An increment of a key whose outcome is not known yet. */
  private record Pending(String counter, long amount, Future<JsonObject> outcome) {}

  IdempotencyKeys(long windowMillis, int maxKeys) {
    this.windowMillis = windowMillis;
    this.maxKeys = maxKeys;
  }

  /** Restores keys loaded from the store, skipping those older than the window. */
  void restore(Map<String, JsonObject> stored, long nowMillis) {
    stored.forEach((key, json) -> {
      Entry entry = Entry.fromJson(json);
      if (nowMillis - entry.storedAtMillis() <= windowMillis) {
        answered.put(key, entry);
      }
    });
  }

  /**
   * Returns the earlier outcome of {@code key}: the first result, marked as a replay, or the
   * increment still in flight; null when the key is new.
   *
   * @throws ApiError 409 when the key was used for another counter or amount
   */
  Future<JsonObject> earlierOutcome(String key, String counter, long amount) {
    Entry entry = answered.get(key);
    if (entry != null) {
      requireSameIncrement(key, entry.counter(), entry.amount(), counter, amount);
      return Future.succeededFuture(entry.result().copy().put(IncrementBatch.IDEMPOTENT_REPLAY, true));
    }
    Pending pending = inFlight.get(key);
    if (pending == null) {
      return null;
    }
    requireSameIncrement(key, pending.counter(), pending.amount(), counter, amount);
    // A retry that arrives while the first is still being written waits for its outcome.
    return pending.outcome().map(result -> result.copy().put(IncrementBatch.IDEMPOTENT_REPLAY, true));
  }

  private static void requireSameIncrement(String key, String firstCounter, long firstAmount, String counter, long amount) {
    if (!firstCounter.equals(counter) || firstAmount != amount) {
      throw new ApiError(409, "idempotency key reused",
          "key '" + key + "' was used for counter '" + firstCounter + "' with amount " + firstAmount
              + "; use a new key for a different increment");
    }
  }

  /** Tracks an increment of {@code key} until its outcome is known; a success is remembered. */
  void track(String key, String counter, long amount, Future<JsonObject> outcome, long nowMillis) {
    inFlight.put(key, new Pending(counter, amount, outcome));
    outcome.onComplete(done -> {
      inFlight.remove(key);
      if (done.succeeded()) {
        answered.put(key, new Entry(counter, amount, done.result(), nowMillis));
      }
    });
  }

  /** Returns the stored form of a key's entry, written together with the increment. */
  static JsonObject stored(String counter, long amount, JsonObject result, long nowMillis) {
    return new Entry(counter, amount, result, nowMillis).toJson();
  }

  /** Forgets keys older than the window and the oldest beyond the maximum; returns the keys forgotten. */
  List<String> expire(long nowMillis) {
    List<String> expired = new ArrayList<>();
    Iterator<Map.Entry<String, Entry>> oldestFirst = answered.entrySet().iterator();
    while (oldestFirst.hasNext()) {
      Map.Entry<String, Entry> oldest = oldestFirst.next();
      boolean tooOld = nowMillis - oldest.getValue().storedAtMillis() > windowMillis;
      if (!tooOld && answered.size() <= maxKeys) {
        break;
      }
      expired.add(oldest.getKey());
      oldestFirst.remove();
    }
    return expired;
  }

  int size() {
    return answered.size();
  }
}
