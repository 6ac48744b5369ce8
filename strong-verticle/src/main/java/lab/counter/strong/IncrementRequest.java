package lab.counter.strong;

import io.vertx.core.json.JsonObject;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.RequestFields;

/**
 * A validated strong increment, from the body {@code {"counter_name","amount"?,"op_id"?}} that
 * both the HTTP and the event-bus API accept. The amount defaults to 1, and a missing op_id means
 * the service generates one.
 */
record IncrementRequest(String counter, long amount, String opId) {

  /** Longest accepted op_id, in characters. */
  static final int MAX_OP_ID_LENGTH = 128;

  /**
   * Validates {@code body}.
   *
   * @throws ApiError 400 naming the first invalid field
   */
  static IncrementRequest parse(JsonObject body) {
    String counter = RequestFields.counterName(body);
    long amount = RequestFields.positiveLong(body, "amount", 1);
    String opId = RequestFields.optionalString(body, "op_id");
    if (opId != null && (opId.isEmpty() || opId.length() > MAX_OP_ID_LENGTH)) {
      throw ApiError.badRequest("invalid op_id",
          "op_id must be 1 to " + MAX_OP_ID_LENGTH + " characters long, was " + opId.length());
    }
    return new IncrementRequest(counter, amount, opId);
  }
}
