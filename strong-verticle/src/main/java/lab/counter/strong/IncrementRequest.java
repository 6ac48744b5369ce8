package lab.counter.strong;

import io.vertx.core.json.JsonObject;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.RequestFields;

/**
 * A validated strong increment, from the body {@code {"counter_name","amount"?,"op_id"?}} that
 * both the HTTP and the event-bus API accept. The amount defaults to 1, and a missing op_id means
 * the service generates one. The region nodes' {@code idempotency_key} field and
 * {@code Idempotency-Key} header are accepted as the op_id too, so that a client written for the
 * eventual counter gets the same once-only retries here.
 */
record IncrementRequest(String counter, long amount, String opId) {

  /** Longest accepted op_id, in characters. */
  static final int MAX_OP_ID_LENGTH = 128;

  /**
   * Validates {@code body} and {@code idempotencyHeader}, the request's Idempotency-Key header or null.
   *
   * @throws ApiError 400 naming the first invalid field, or when op_id, idempotency_key and the
   *     header name different keys
   */
  static IncrementRequest parse(JsonObject body, String idempotencyHeader) {
    String counter = RequestFields.counterName(body);
    long amount = RequestFields.positiveLong(body, "amount", 1);
    String opId = RequestFields.optionalString(body, "op_id");
    if (opId != null && (opId.isEmpty() || opId.length() > MAX_OP_ID_LENGTH)) {
      throw ApiError.badRequest("invalid op_id",
          "op_id must be 1 to " + MAX_OP_ID_LENGTH + " characters long, was " + opId.length());
    }
    String key = RequestFields.idempotencyKey(idempotencyHeader, body);
    if (opId != null && key != null && !opId.equals(key)) {
      throw ApiError.badRequest("invalid op_id",
          "op_id and the idempotency key differ; send one of op_id, idempotency_key or the Idempotency-Key header");
    }
    return new IncrementRequest(counter, amount, opId != null ? opId : key);
  }
}
