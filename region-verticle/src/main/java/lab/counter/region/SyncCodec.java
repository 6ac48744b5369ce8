package lab.counter.region;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import lab.counter.common.crdt.GCounter;

/**
 * JSON form of one counter's slots, as the HTTP API shows them: {@code {"us-east-1": 15, ...}}.
 * Sync messages no longer use it: they travel in the binary form of
 * {@link lab.counter.common.protocol.SyncMessageCodec}.
 */
final class SyncCodec {

  private SyncCodec() {}

  /** Returns the slots of {@code counter} as a JSON object ordered by node id. */
  static JsonObject encode(GCounter counter) {
    JsonObject slots = new JsonObject(new LinkedHashMap<>(counter.size() * 2));
    counter.toMap().forEach(slots::put);
    return slots;
  }
}
