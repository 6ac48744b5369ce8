package lab.counter.common.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link JsonObject} as compact JSON bytes, the same bytes as {@link JsonObject#toBuffer()},
 * for the small replies of the increment path. It handles strings of printable ASCII, integers,
 * finite doubles, booleans, null, and nested objects and arrays of those. For anything else, such
 * as a string with a newline or an accent, a {@code BigDecimal} or a {@code byte[]}, the whole
 * object is left to {@link JsonObject#toBuffer()}.
 *
 * <p>Why: {@link JsonObject#toBuffer()} sets up a Jackson generator and an output stream for each
 * call and dispatches on every value's type, which cost a region node about a twentieth of its
 * event loop for a five-field reply; this writes the bytes straight into one array.
 */
public final class JsonWriter {

  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

  private byte[] bytes = new byte[128];
  private int length;

  private JsonWriter() {}

  /** Returns {@code json} as compact JSON, byte for byte as {@link JsonObject#toBuffer()} writes it. */
  public static Buffer toBuffer(JsonObject json) {
    JsonWriter writer = new JsonWriter();
    if (!writer.writeMap(json.getMap())) {
      return json.toBuffer();
    }
    return Buffer.buffer(Arrays.copyOf(writer.bytes, writer.length));
  }

  /** Writes a value; returns false, leaving the output unfinished, at a value it does not handle. */
  private boolean writeValue(Object value) {
    if (value == null) {
      append(NULL);
    } else if (value instanceof String text) {
      return writeString(text);
    } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      writeAscii(Long.toString(((Number) value).longValue()));
    } else if (value instanceof Double number) {
      if (!Double.isFinite(number)) {
        return false;
      }
      writeAscii(Double.toString(number));
    } else if (value instanceof Boolean flag) {
      append(flag ? TRUE : FALSE);
    } else if (value instanceof JsonObject object) {
      return writeMap(object.getMap());
    } else if (value instanceof JsonArray array) {
      return writeList(array.getList());
    } else {
      return false;
    }
    return true;
  }

  private boolean writeMap(Map<String, Object> map) {
    append((byte) '{');
    boolean first = true;
    for (Map.Entry<String, Object> entry : map.entrySet()) {
      if (!first) {
        append((byte) ',');
      }
      first = false;
      if (!writeString(entry.getKey())) {
        return false;
      }
      append((byte) ':');
      if (!writeValue(entry.getValue())) {
        return false;
      }
    }
    append((byte) '}');
    return true;
  }

  private boolean writeList(List<?> list) {
    append((byte) '[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        append((byte) ',');
      }
      if (!writeValue(list.get(i))) {
        return false;
      }
    }
    append((byte) ']');
    return true;
  }

  /**
   * Writes a JSON string of printable ASCII, escaping {@code "} and {@code \} as Jackson does;
   * returns false at any other character, whose escaping is left to Jackson.
   */
  private boolean writeString(String text) {
    ensure(text.length() * 2 + 2);
    byte[] out = bytes;
    int at = length;
    out[at++] = '"';
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        return false;
      }
      if (c == '"' || c == '\\') {
        out[at++] = '\\';
      }
      out[at++] = (byte) c;
    }
    out[at++] = '"';
    length = at;
    return true;
  }

  private void writeAscii(String text) {
    ensure(text.length());
    for (int i = 0; i < text.length(); i++) {
      bytes[length++] = (byte) text.charAt(i);
    }
  }

  private void append(byte b) {
    ensure(1);
    bytes[length++] = b;
  }

  private void append(byte[] literal) {
    ensure(literal.length);
    System.arraycopy(literal, 0, bytes, length, literal.length);
    length += literal.length;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
