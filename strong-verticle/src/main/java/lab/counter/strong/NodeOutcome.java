package lab.counter.strong;

import io.vertx.core.json.JsonObject;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;

/**
 * The result of one request to one replica: its JSON reply, or the failure (a timeout, no handler,
 * or the replica's rejection).
 */
record NodeOutcome(ServiceIdentity node, JsonObject reply, ApiError failure) {

  static NodeOutcome replied(ServiceIdentity node, JsonObject reply) {
    return new NodeOutcome(node, reply, null);
  }

  static NodeOutcome failed(ServiceIdentity node, Throwable failure) {
    return new NodeOutcome(node, null, ApiError.from(failure));
  }

  /** Returns whether the replica replied successfully. */
  boolean succeeded() {
    return failure == null;
  }

  /** Returns whether the replica replied with {@code {"status": status}}. */
  boolean hasStatus(String status) {
    return reply != null && status.equals(reply.getValue("status"));
  }

  /** Describes the failure for an error detail: the node, its region and the reason. */
  String describeFailure() {
    return "node " + node.nodeId() + " (region " + node.region() + "): " + failure.error() + ": " + failure.detail();
  }
}
