package lab.counter.region;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import java.nio.charset.StandardCharsets;
import lab.counter.common.protocol.IncrementBatch;

/**
 * Encoder of the reply to an increment, {@code {"counter", "region", "node_id", "local_count",
 * "total_count"}}, written straight from the counts as compact JSON. Its bytes equal those that
 * {@link lab.counter.common.http.JsonWriter} writes for the node's reply object.
 *
 * <p>Why: a region node used 8.7 to 9.0 us of CPU per HTTP increment while it built the reply
 * object and wrote it, and 8.0 to 8.3 us with this class (docs/benchmarks.md, section 10). The
 * parts that never change, the field names and the node's region and id, are encoded once.
 */
final class IncrementReply {

  private static final byte[] START = bytes("{\"" + IncrementBatch.COUNTER + "\":\"");
  private static final byte[] TOTAL = bytes(",\"" + IncrementBatch.TOTAL_COUNT + "\":");

  /** Bytes from the end of the counter name to the local count, with the region and the node id. */
  private final byte[] middle;

  IncrementReply(String region, String nodeId) {
    this.middle = bytes("\",\"" + IncrementBatch.REGION + "\":" + Json.encode(region)
        + ",\"" + IncrementBatch.NODE_ID + "\":" + Json.encode(nodeId)
        + ",\"" + IncrementBatch.LOCAL_COUNT + "\":");
  }

  /**
   * Returns the reply for {@code counter}, a valid counter name: its characters are ASCII letters,
   * digits and {@code _ . : -}, none of which JSON escapes.
   */
  Buffer encode(String counter, long localCount, long totalCount) {
    int localDigits = digits(localCount);
    int totalDigits = digits(totalCount);
    byte[] out = new byte[START.length + counter.length() + middle.length + localDigits + TOTAL.length + totalDigits + 1];
    int at = put(out, 0, START);
    for (int i = 0; i < counter.length(); i++) {
      out[at++] = (byte) counter.charAt(i);
    }
    at = put(out, at, middle);
    at = putLong(out, at, localCount, localDigits);
    at = put(out, at, TOTAL);
    at = putLong(out, at, totalCount, totalDigits);
    out[at] = '}';
    return Buffer.buffer(out);
  }

  private static int put(byte[] out, int at, byte[] part) {
    System.arraycopy(part, 0, out, at, part.length);
    return at + part.length;
  }

  /** Returns the number of decimal digits of {@code value}, which is not negative. */
  private static int digits(long value) {
    int digits = 1;
    for (long rest = value / 10; rest > 0; rest /= 10) {
      digits++;
    }
    return digits;
  }

  /** Writes {@code value}, which is not negative, as its {@code digits} decimal digits. */
  private static int putLong(byte[] out, int at, long value, int digits) {
    for (int i = at + digits - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    return at + digits;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
