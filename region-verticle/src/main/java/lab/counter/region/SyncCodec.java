package lab.counter.region;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.RequestFields;

/** JSON form of the counters a sync message carries: {@code {"views": {"us-east-1": 15, ...}, ...}}. */
final class SyncCodec {

  /** Most node slots one counter may carry; a larger vector is rejected as malformed. */
  static final int MAX_SLOTS_PER_COUNTER = 1024;

  private SyncCodec() {}

  static JsonObject encode(Map<String, GCounter> counters) {
    JsonObject json = new JsonObject(new LinkedHashMap<>(counters.size() * 2));
    counters.forEach((name, counter) -> json.put(name, encode(counter)));
    return json;
  }

  static JsonObject encode(GCounter counter) {
    JsonObject slots = new JsonObject(new LinkedHashMap<>(counter.size() * 2));
    counter.toMap().forEach(slots::put);
    return slots;
  }

  /**
   * Decodes and validates every counter of a sync message.
   *
   * @throws ApiError 400 if a name is invalid, a vector is not an object, has too many slots, or a
   *     count is not a non-negative integer
   */
  static Map<String, GCounter> decode(JsonObject counters) {
    Map<String, GCounter> decoded = new LinkedHashMap<>(counters.size() * 2);
    for (Map.Entry<String, Object> entry : counters) {
      String name = RequestFields.counterName(entry.getKey());
      if (!(entry.getValue() instanceof JsonObject slots)) {
        throw ApiError.badRequest("malformed sync message", "counter '" + name + "' is not an object of slots");
      }
      decoded.put(name, decodeSlots(name, slots));
    }
    return decoded;
  }

  private static GCounter decodeSlots(String name, JsonObject slots) {
    if (slots.size() > MAX_SLOTS_PER_COUNTER) {
      throw ApiError.badRequest("malformed sync message",
          "counter '" + name + "' has " + slots.size() + " slots; the maximum is " + MAX_SLOTS_PER_COUNTER);
    }
    Map<String, Long> counts = new HashMap<>(slots.size() * 2);
    for (Map.Entry<String, Object> slot : slots) {
      if (!(slot.getValue() instanceof Integer || slot.getValue() instanceof Long)
          || ((Number) slot.getValue()).longValue() < 0) {
        throw ApiError.badRequest("malformed sync message",
            "slot '" + slot.getKey() + "' of counter '" + name + "' is not a non-negative integer");
      }
      counts.put(slot.getKey(), ((Number) slot.getValue()).longValue());
    }
    try {
      return GCounter.of(counts);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("malformed sync message", "counter '" + name + "': " + e.getMessage());
    }
  }
}
