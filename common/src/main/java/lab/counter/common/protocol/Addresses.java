package lab.counter.common.protocol;

/**
 * Every event-bus address of the system. Request/reply addresses carry an {@link Headers#ACTION}
 * header that selects the operation.
 */
public final class Addresses {

  /** Published: partition table changes; never dropped by partition mode. */
  public static final String CONTROL = "counter.control";
  /** Published: each service's presence announcement (node id, region, service kind). */
  public static final String PRESENCE = "counter.presence";
  /** Published: events for the inspector page (sync rounds, strong writes, dropped messages). */
  public static final String INSPECTOR = "counter.inspector";
  /** Request/reply: the coordinator's global view, status, force-sync and partition control. */
  public static final String COORDINATOR_API = "counter.coordinator.api";
  /** Request/reply: strong-counter increments and reads. */
  public static final String STRONG_API = "counter.strong.api";

  private static final String REGION_PREFIX = "counter.region.";
  private static final String NODE_PREFIX = "counter.node.";

  private Addresses() {}

  /**
   * Returns the request/reply address of a region: increments and reads from the gateway. Every node
   * of the region consumes it, so the event bus spreads requests across them.
   */
  public static String regionApi(String region) {
    return REGION_PREFIX + region + ".api";
  }

  /** Returns the anti-entropy address of one counter node. */
  public static String nodeSync(String nodeId) {
    return NODE_PREFIX + nodeId + ".sync";
  }

  /** Returns the strong-replica address of one counter node: prepare, commit, abort and read. */
  public static String nodeStrong(String nodeId) {
    return NODE_PREFIX + nodeId + ".strong";
  }

  /** Returns the control address of one counter node: force-sync and status, request/reply. */
  public static String nodeControl(String nodeId) {
    return NODE_PREFIX + nodeId + ".control";
  }
}
