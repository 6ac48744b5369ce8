package lab.counter.common.http;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import lab.counter.common.protocol.Headers;

/** Validation of the fields the HTTP and event-bus APIs share, each failure a 400 {@link ApiError}. */
public final class RequestFields {

  /** Longest accepted counter name, in characters. */
  public static final int MAX_NAME_LENGTH = 128;
  /** Longest accepted idempotency key, in characters. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 128;


  private RequestFields() {}

  /** Returns the {@code counter_name} field of a request body, validated by {@link #counterName(String)}. */
  public static String counterName(JsonObject body) {
    Object value = body.getValue("counter_name");
    if (value == null) {
      throw ApiError.badRequest("invalid counter_name", "counter_name is missing; send a string such as \"views\"");
    }
    if (!(value instanceof String name)) {
      throw ApiError.badRequest("invalid counter_name", "counter_name must be a string, was " + typeOf(value));
    }
    return counterName(name);
  }

  /**
   * Returns {@code name} when it is a valid counter name: 1 to {@value #MAX_NAME_LENGTH} characters of
   * letters, digits and {@code _ . : -}, not starting with {@code .}, {@code :} or {@code -}.
   */
  public static String counterName(String name) {
    if (name.isEmpty()) {
      throw ApiError.badRequest("invalid counter_name", "counter_name must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw ApiError.badRequest("invalid counter_name",
          "counter_name is " + name.length() + " characters long; the maximum is " + MAX_NAME_LENGTH);
    }
    if (!isValidName(name)) {
      throw ApiError.badRequest("invalid counter_name",
          "counter_name may contain only letters, digits and _ . : - and must start with a letter, digit or _");
    }
    return name;
  }

  /**
   * Returns the positive integer in {@code field}, or {@code defaultValue} when the field is absent.
   * Rejects fractions, strings, booleans, zero, negatives and numbers beyond a signed 64-bit integer.
   */
  public static long positiveLong(JsonObject body, String field, long defaultValue) {
    Object value = body.getValue(field);
    if (value == null) {
      if (body.containsKey(field)) {
        throw ApiError.badRequest("invalid " + field, field + " must be a positive integer, was null");
      }
      return defaultValue;
    }
    if (value instanceof Integer || value instanceof Long) {
      long number = ((Number) value).longValue();
      if (number <= 0) {
        throw ApiError.badRequest("invalid " + field, field + " must be a positive integer, was " + number);
      }
      return number;
    }
    if (value instanceof java.math.BigInteger big) {
      throw ApiError.badRequest("invalid " + field, field + " " + big + " exceeds the maximum " + Long.MAX_VALUE);
    }
    // A string is echoed in quotes, so "1" does not read as the number 1.
    String echoed = value instanceof String ? "\"" + abbreviate(value) + "\"" : abbreviate(value);
    throw ApiError.badRequest("invalid " + field, field + " must be a positive integer, was " + typeOf(value) + " " + echoed);
  }

  /**
   * Returns the idempotency key of an increment, from the {@code Idempotency-Key} header or the
   * {@code idempotency_key} field, or null when it has none.
   *
   * @throws ApiError 400 when the key is invalid ({@link #idempotencyKey(String)}) or the header
   *     and field disagree
   */
  public static String idempotencyKey(String header, JsonObject body) {
    Object field = body.getValue("idempotency_key");
    if (field != null && !(field instanceof String)) {
      throw ApiError.badRequest("invalid idempotency_key", "idempotency_key must be a string");
    }
    if (header != null && field != null && !header.equals(field)) {
      throw ApiError.badRequest("invalid idempotency_key", "the Idempotency-Key header and the idempotency_key field differ");
    }
    return idempotencyKey(header != null ? header : (String) field);
  }

  /**
   * Returns the value of the request's {@code Idempotency-Key} header, or null when it has none.
   *
   * @throws ApiError 400 when the header is repeated, because the key to use would be a guess
   */
  public static String idempotencyHeader(MultiMap headers) {
    String first = headers.get(Headers.IDEMPOTENCY_KEY);
    if (first == null) {
      return null;
    }
    int count = headers.getAll(Headers.IDEMPOTENCY_KEY).size();
    if (count > 1) {
      throw ApiError.badRequest("invalid idempotency_key",
          "the request has " + count + " Idempotency-Key headers; send one");
    }
    return first;
  }

  /**
   * Returns {@code key} when it is null or a valid idempotency key: 1 to
   * {@value #MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces.
   *
   * @throws ApiError 400 otherwise
   */
  public static String idempotencyKey(String key) {
    if (key == null) {
      return null;
    }
    if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      throw ApiError.badRequest("invalid idempotency_key",
          "an idempotency key has 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " printable ASCII characters without spaces");
    }
    return key;
  }

  /**
   * Returns {@code amount} when it is a positive integer, as {@link #positiveLong} requires of a
   * JSON field.
   *
   * @throws ApiError 400 otherwise
   */
  public static long positiveAmount(long amount) {
    if (amount <= 0) {
      throw ApiError.badRequest("invalid amount", "amount must be a positive integer, was " + amount);
    }
    return amount;
  }

  /** Returns an optional string field, or null when absent; rejects other types. */
  public static String optionalString(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw ApiError.badRequest("invalid " + field, field + " must be a string, was " + typeOf(value));
    }
    return text;
  }

  /**
   * Parses the {@code enabled} query parameter of the partition endpoints.
   *
   * @throws ApiError 400 unless it is {@code true} or {@code false}
   */
  public static boolean enabledParam(String raw) {
    if ("true".equalsIgnoreCase(raw)) {
      return true;
    }
    if ("false".equalsIgnoreCase(raw)) {
      return false;
    }
    throw ApiError.badRequest("invalid enabled",
        raw == null ? "the query parameter enabled is missing; use ?enabled=true or ?enabled=false"
            : "enabled must be true or false, was '" + abbreviate(raw) + "'");
  }

  /**
   * Returns whether {@code name} has only letters, digits and {@code _ . : -} and starts with a letter,
   * digit or underscore. A loop in place of a regular expression, because every increment checks it.
   */
  private static boolean isValidName(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (!alphanumeric && (i == 0 || (c != '.' && c != ':' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

  private static String typeOf(Object value) {
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    return "an array";
  }

  /** Returns {@code value} as text for an error message, cut to 40 characters. */
  public static String abbreviate(Object value) {
    return abbreviate(value, 40);
  }

  /**
   * Returns {@code value} as text cut to {@code maxChars} characters and marked with "...". The cut
   * never splits a surrogate pair: a lone surrogate in an error message would make its JSON
   * invalid for strict parsers such as jq.
   */
  public static String abbreviate(Object value, int maxChars) {
    String text = String.valueOf(value);
    if (text.length() <= maxChars) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    return text.substring(0, end) + "...";
  }
}
