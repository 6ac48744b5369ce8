package lab.counter.common.metrics;

/**
 * Every metric name and tag key the services register, in Micrometer's dotted form. The Prometheus
 * registry renders {@code counter.increments} as {@code counter_increments_total}, a timer
 * {@code counter.sync.duration} as {@code counter_sync_duration_seconds}, and a gauge
 * {@code counter.sync.lag.ms} as {@code counter_sync_lag_ms}. The Grafana dashboards query the
 * rendered names.
 */
public final class MetricNames {

  // Tags every meter of a process carries.

  /** Service kind: region, gateway, coordinator or strong. */
  public static final String TAG_SERVICE = "service";
  /** Node id of the process, e.g. us-east-1 or gateway. */
  public static final String TAG_NODE_ID = "node_id";
  /** Region of a counter node; {@code none} for services outside any region. */
  public static final String TAG_REGION = "region";

  // Other tag keys.

  public static final String TAG_COUNTER = "counter";
  public static final String TAG_PEER = "peer";
  public static final String TAG_PEER_REGION = "peer_region";
  public static final String TAG_STATUS = "status";
  public static final String TAG_DIRECTION = "direction";
  public static final String TAG_ROUTE = "route";
  public static final String TAG_METHOD = "method";
  public static final String TAG_ROUTING = "routing";
  public static final String TAG_OUTCOME = "outcome";
  public static final String TAG_QUERY = "query";
  public static final String TAG_TARGET_REGION = "target_region";

  /** Region tag value of services outside every region. */
  public static final String NO_REGION = "none";

  // Counter nodes.

  /** Gauge: this node's own contribution, summed over every counter. */
  public static final String LOCAL_COUNT = "counter.local.count";
  /** Gauge: the merged total this node sees, summed over every counter. */
  public static final String SYNCED_COUNT = "counter.synced.count";
  /** Gauge: this node's own slot of one of the most active counters (tag {@code counter}). */
  public static final String TOP_LOCAL_COUNT = "counter.top.local.count";
  /** Gauge: the merged value of one of the most active counters (tag {@code counter}). */
  public static final String TOP_SYNCED_COUNT = "counter.top.synced.count";
  /** Gauge: milliseconds since the last successful sync with a peer (tags {@code peer}, {@code peer_region}). */
  public static final String SYNC_LAG_MS = "counter.sync.lag.ms";
  /** Counter: merges where the incoming and local vectors were concurrent. */
  public static final String CONFLICTS_RESOLVED = "counter.conflicts.resolved";
  /** Counter: sync exchanges by outcome (tag {@code status}: success, error, timeout, partitioned). */
  public static final String SYNC_OPERATIONS = "counter.sync.operations";
  /** Counter: increments accepted by this node. */
  public static final String INCREMENTS = "counter.increments";
  /** Timer: duration of one sync round over every peer. */
  public static final String SYNC_DURATION = "counter.sync.duration";
  /** Gauge: number of counters this node holds. */
  public static final String COUNTERS = "counter.counters";
  /** Counter: sync messages rejected as malformed. */
  public static final String SYNC_MALFORMED = "counter.sync.malformed";

  // Every service.

  /** Counter: event-bus messages dropped by partition mode (tag {@code direction}: outbound, inbound). */
  public static final String PARTITION_DROPPED = "counter.partition.dropped.messages";

  /**
   * Returns the name of the counter of HTTP requests by route, method and status of a service, such
   * as {@code gateway.requests}.
   */
  public static String httpRequests(String service) {
    return service + ".requests";
  }

  /** Returns the name of the timer of HTTP request duration by route of a service, such as {@code gateway.request.duration}. */
  public static String httpRequestDuration(String service) {
    return service + ".request.duration";
  }

  // Gateway.

  /** Counter: increments routed to a region (tags {@code target_region}, {@code routing}). */
  public static final String GATEWAY_ROUTED = "gateway.routed";
  /** Counter: batch messages of several increments sent to a region (tag {@code target_region}). */
  public static final String GATEWAY_INCREMENT_BATCHES = "gateway.increment.batches";
  /** Counter: increments sent in batch messages (tag {@code target_region}). */
  public static final String GATEWAY_BATCHED_INCREMENTS = "gateway.batched.increments";
  /** Counter: regions skipped by failover. */
  public static final String GATEWAY_FAILOVERS = "gateway.failovers";

  // Strong counter.

  /** Timer: strong write duration by outcome (committed, failed). */
  public static final String STRONG_WRITE_DURATION = "strong.write.duration";

  // Coordinator.

  /** Timer: global-view query duration by query (counter, counters, status). */
  public static final String COORDINATOR_QUERY_DURATION = "coordinator.query.duration";

  private MetricNames() {}
}
