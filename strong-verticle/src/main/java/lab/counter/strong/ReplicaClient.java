package lab.counter.strong;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;

/**
 * Event-bus requests from the strong service to the strong replicas of region nodes. Every request
 * carries the data-plane headers, with {@link StrongCounterVerticle#REGION} as the sender's region,
 * so partition mode drops it when the target's region is isolated.
 */
final class ReplicaClient {

  private final Vertx vertx;
  private final String nodeId;

  ReplicaClient(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.nodeId = nodeId;
  }

  /**
   * Sends {@code action} with {@code body} to the replica of {@code target} and returns its JSON
   * reply. The future fails with the reply's failure, or with a timeout after {@code timeoutMillis}.
   */
  Future<JsonObject> request(ServiceIdentity target, String action, JsonObject body, long timeoutMillis) {
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(Math.max(1, timeoutMillis))
        .addHeader(Headers.ACTION, action)
        .addHeader(Headers.FROM_REGION, StrongCounterVerticle.REGION)
        .addHeader(Headers.TO_REGION, target.region())
        .addHeader(Headers.FROM_NODE, nodeId);
    return vertx.eventBus()
        .request(Addresses.nodeStrong(target.nodeId()), body, options)
        .map(reply -> requireObject(target, reply.body()));
  }

  private static JsonObject requireObject(ServiceIdentity target, Object body) {
    if (body instanceof JsonObject object) {
      return object;
    }
    throw new ApiError(502, "invalid replica reply", "node " + target.nodeId() + " replied with a non-JSON body");
  }
}
