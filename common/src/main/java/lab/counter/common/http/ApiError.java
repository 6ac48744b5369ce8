package lab.counter.common.http;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.counter.common.cluster.PartitionTable;

/**
 * A failure with an HTTP status and the JSON body {@code {"error": ..., "detail": ...}} every
 * service returns. It also crosses the event bus: {@link #toReplyCode()} and {@link #toReplyMessage()}
 * encode it in a failed reply, and {@link #from(Throwable)} decodes it on the requester's side.
 */
public final class ApiError extends RuntimeException {

  /** Vert.x's timeout message: the wait in milliseconds and the address the request went to. */
  private static final Pattern VERTX_TIMEOUT = Pattern.compile("waiting (\\d+)\\(ms\\).*repliedAddress: (\\S+)");

  private final int status;
  private final String error;
  private final String detail;

  public ApiError(int status, String error, String detail) {
    super(error + ": " + detail, null, false, false);
    this.status = status;
    this.error = error;
    this.detail = detail;
  }

  /** 400: the request is malformed or a value is out of range. */
  public static ApiError badRequest(String error, String detail) {
    return new ApiError(400, error, detail);
  }

  /** 404: an unknown route, counter or region. */
  public static ApiError notFound(String error, String detail) {
    return new ApiError(404, error, detail);
  }

  /** 503: a service the request needs is down, partitioned or still starting. */
  public static ApiError unavailable(String error, String detail) {
    return new ApiError(503, error, detail);
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }

  public String detail() {
    return detail;
  }

  /** Returns the JSON body of this error. */
  public JsonObject toJson() {
    return new JsonObject().put("error", error).put("detail", detail);
  }

  /** Returns the failure code of an event-bus reply that carries this error: its HTTP status. */
  public int toReplyCode() {
    return status;
  }

  /** Returns the failure message of an event-bus reply that carries this error: its JSON body. */
  public String toReplyMessage() {
    return toJson().encode();
  }

  /**
   * Converts any failure of an event-bus request or handler to an {@code ApiError}: a failed reply
   * written with {@link #toReplyMessage()} becomes the original error, a timeout or a missing handler
   * becomes 503, anything else 500.
   */
  public static ApiError from(Throwable failure) {
    if (failure instanceof ApiError apiError) {
      return apiError;
    }
    if (failure instanceof ReplyException reply) {
      return fromReply(reply);
    }
    return new ApiError(500, "internal error", String.valueOf(failure.getMessage()));
  }

  /**
   * Returns the detail of an event-bus timeout: the destination address and the wait, without the
   * one-off reply address Vert.x puts in its message ("Timed out after waiting 1500(ms) for a
   * reply. address: __vertx.reply.7, repliedAddress: counter.region.us-east.api").
   */
  static String describeTimeout(String message) {
    Matcher matcher = VERTX_TIMEOUT.matcher(message);
    if (!matcher.find()) {
      return "no reply within the timeout: " + message;
    }
    return "no reply from " + matcher.group(2) + " within " + matcher.group(1) + " ms; the request may or may not have been applied";
  }

  private static ApiError fromReply(ReplyException reply) {
    if (reply.failureType() == ReplyFailure.TIMEOUT) {
      return unavailable("timeout", describeTimeout(String.valueOf(reply.getMessage())));
    }
    if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return unavailable("unavailable", "no service is listening: " + reply.getMessage());
    }
    if (reply.failureCode() == PartitionTable.DROPPED_FAILURE_CODE) {
      return unavailable("partitioned", reply.getMessage());
    }
    try {
      JsonObject body = new JsonObject(String.valueOf(reply.getMessage()));
      if (body.getValue("error") instanceof String error) {
        return new ApiError(reply.failureCode(), error, body.getString("detail", ""));
      }
    } catch (DecodeException | ClassCastException e) {
      // Not one of ours: fall through and report the raw message.
    }
    return new ApiError(reply.failureCode() >= 400 ? reply.failureCode() : 500, "remote failure", reply.getMessage());
  }
}
