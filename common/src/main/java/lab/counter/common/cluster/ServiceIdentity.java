package lab.counter.common.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.UUID;

/**
 * Who a process is: its service kind, node id, region (null for services outside any region),
 * incarnation (new on every start, so peers notice a restart) and HTTP port.
 */
public record ServiceIdentity(String service, String nodeId, String region, String incarnation, int httpPort) {

  /** Service kind of counter nodes. */
  public static final String REGION_SERVICE = "region";
  /** Service kind of the gateway. */
  public static final String GATEWAY_SERVICE = "gateway";
  /** Service kind of the coordinator. */
  public static final String COORDINATOR_SERVICE = "coordinator";
  /** Service kind of the strong counter. */
  public static final String STRONG_SERVICE = "strong";

  public ServiceIdentity {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(incarnation, "incarnation");
  }

  /** Creates the identity of a process starting now, with a fresh incarnation. */
  public static ServiceIdentity starting(String service, String nodeId, String region, int httpPort) {
    return new ServiceIdentity(service, nodeId, region, UUID.randomUUID().toString(), httpPort);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("service", service)
        .put("node_id", nodeId)
        .put("region", region)
        .put("incarnation", incarnation)
        .put("http_port", httpPort);
  }

  public static ServiceIdentity fromJson(JsonObject json) {
    return new ServiceIdentity(
        json.getString("service"),
        json.getString("node_id"),
        json.getString("region"),
        json.getString("incarnation"),
        json.getInteger("http_port", 0));
  }
}
