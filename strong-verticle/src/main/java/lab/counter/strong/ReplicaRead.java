package lab.counter.strong;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;

/**
 * One strong read: requests the counter's value from every reachable target replica and returns
 * the maximum. An acknowledged write is applied on every replica that acknowledged its commit, so the
 * maximum includes it whenever one of those replicas replies.
 */
final class ReplicaRead {

  private final ReplicaClient client;
  private final String counter;
  private final List<ServiceIdentity> targets;
  private final List<ServiceIdentity> unreachable;
  private final List<String> withoutLiveNode;
  private final long timeoutMillis;

  /**
   * Creates the read of {@code counter} from {@code targets}. The nodes in {@code unreachable}
   * (those of isolated regions) and the regions in {@code withoutLiveNode} are listed in the
   * result's {@code unreachable} without a request.
   */
  ReplicaRead(ReplicaClient client, String counter, List<ServiceIdentity> targets, List<ServiceIdentity> unreachable,
      List<String> withoutLiveNode, long timeoutMillis) {
    this.client = client;
    this.counter = counter;
    this.targets = targets;
    this.unreachable = unreachable;
    this.withoutLiveNode = withoutLiveNode;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Runs the read. Succeeds with {@code {"counter","value","replicas":{node: value},"pending","unreachable"}};
   * fails with 503 when no replica replies.
   */
  Future<JsonObject> run() {
    List<Future<NodeOutcome>> reads = targets.stream()
        .map(target -> client.request(target, Actions.READ, new JsonObject().put("counter", counter), timeoutMillis)
            .map(reply -> NodeOutcome.replied(target, reply))
            .otherwise(failure -> NodeOutcome.failed(target, failure)))
        .toList();
    return Future.all(reads).compose(done -> summarize(reads.stream().map(Future::result).toList()));
  }

  private Future<JsonObject> summarize(List<NodeOutcome> reads) {
    JsonObject replicas = new JsonObject();
    JsonArray pending = new JsonArray();
    JsonObject failures = new JsonObject();
    long max = 0;
    for (NodeOutcome read : reads) {
      Long value = read.succeeded() ? read.reply().getLong("value") : null;
      if (value == null) {
        failures.put(read.node().nodeId(), read.succeeded() ? "reply without a value" : read.failure().getMessage());
        continue;
      }
      replicas.put(read.node().nodeId(), value);
      max = Math.max(max, value);
      if (Boolean.TRUE.equals(read.reply().getValue("pending"))) {
        pending.add(read.node().nodeId());
      }
    }
    unreachable.forEach(node -> failures.put(node.nodeId(), "region " + node.region() + " is isolated"));
    withoutLiveNode.forEach(region -> failures.put(region, "region " + region + " has no live node"));
    if (replicas.isEmpty()) {
      return Future.failedFuture(ApiError.unavailable("strong read failed", describe(failures)));
    }
    return Future.succeededFuture(new JsonObject()
        .put("counter", counter)
        .put("value", max)
        .put("replicas", replicas)
        .put("pending", pending)
        .put("unreachable", failures));
  }

  private static String describe(JsonObject failures) {
    if (failures.isEmpty()) {
      return "no region has a live node; start the region services and retry";
    }
    List<String> parts = new ArrayList<>();
    failures.forEach(entry -> parts.add("node " + entry.getKey() + ": " + entry.getValue()));
    return "no replica answered (" + parts.stream().sorted().collect(Collectors.joining("; ")) + ")";
  }
}
