package lab.counter.common.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;

/**
 * Cluster-wide admin operations the gateway, the coordinator and the region nodes offer: force a
 * sync round on every counter node, and isolate or heal regions.
 */
public final class ClusterAdmin {

  private ClusterAdmin() {}

  /**
   * Runs a sync round on every live counter node at once and waits for all of them. A node that
   * fails or does not answer within {@code timeoutMillis} is reported, not retried.
   */
  public static Future<JsonObject> forceSync(Vertx vertx, NodeDirectory directory, long timeoutMillis) {
    long startedAt = System.nanoTime();
    List<ServiceIdentity> nodes = new ArrayList<>(directory.liveOthers(ServiceIdentity.REGION_SERVICE));
    if (ServiceIdentity.REGION_SERVICE.equals(directory.self().service())) {
      nodes.add(directory.self());
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).addHeader(Headers.ACTION, Actions.FORCE_SYNC);
    List<Future<JsonObject>> rounds = nodes.stream()
        .map(node -> vertx.eventBus().<JsonObject>request(Addresses.nodeControl(node.nodeId()), new JsonObject(), options)
            .map(reply -> reply.body()))
        .toList();
    return Future.join(rounds).transform(ignored -> {
      JsonObject byNode = new JsonObject();
      // Exchanges by outcome over every node's round: a node's round completes even when a
      // partition cut all of its exchanges, so nodes_synced alone does not say that data moved.
      JsonObject exchanges = new JsonObject();
      int failed = 0;
      for (int i = 0; i < nodes.size(); i++) {
        Future<JsonObject> round = rounds.get(i);
        if (round.succeeded()) {
          JsonObject peers = round.result().getJsonObject("peers", new JsonObject());
          byNode.put(nodes.get(i).nodeId(), peers);
          peers.forEach(peer -> exchanges.put(String.valueOf(peer.getValue()), exchanges.getInteger(String.valueOf(peer.getValue()), 0) + 1));
        } else {
          failed++;
          byNode.put(nodes.get(i).nodeId(), new JsonObject().put("error", ApiError.from(round.cause()).detail()));
        }
      }
      return Future.succeededFuture(new JsonObject()
          .put("status", failed == 0 ? "completed" : "completed with errors")
          .put("nodes_synced", nodes.size() - failed)
          .put("nodes_failed", failed)
          .put("exchanges", exchanges)
          .put("duration_ms", (System.nanoTime() - startedAt) / 1_000_000)
          .put("nodes", byNode));
    });
  }

  /**
   * Isolates ({@code enabled}) or heals each of {@code regions} and returns the resulting table of
   * this process, which applies the change before the returned future completes.
   */
  public static Future<JsonObject> setPartition(Vertx vertx, PartitionTable table, List<String> regions, boolean enabled) {
    List<Future<Void>> changes = regions.stream().map(region -> PartitionTable.setIsolated(vertx, region, enabled)).toList();
    return Future.all(changes).map(done -> {
      regions.forEach(region -> table.apply(region, enabled));
      return new JsonObject()
          .put("regions", new JsonArray(regions))
          .put("enabled", enabled)
          .put("partitioned_regions", new JsonArray(table.isolatedRegions().stream().toList()))
          .put("message", enabled
              ? "Isolated " + String.join(", ", regions) + (regions.size() == 1
                  ? ": sync and strong replication to and from it are dropped; it keeps counting locally"
                  : ": sync and strong replication to and from each are dropped; each keeps counting locally")
              : "Healed " + String.join(", ", regions) + ": sync resumes at the next round; POST /admin/force-sync to sync now");
    });
  }
}
