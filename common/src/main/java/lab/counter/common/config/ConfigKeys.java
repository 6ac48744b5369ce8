package lab.counter.common.config;

/**
 * Every environment variable the services read, with its default and unit. This is the only place
 * that names them; the {@code lab} script, {@code docker-compose.yml} and the README use the same
 * names.
 */
public final class ConfigKeys {

  /** One configuration key: its environment variable name, default value (null when required) and meaning. */
  public record Key(String name, String defaultValue, String description) {}

  // Identity of a process.

  /** Region a counter node belongs to, e.g. {@code us-east}. Required for region nodes. */
  public static final Key REGION = new Key("REGION", null, "region of this counter node, e.g. us-east");
  /** Node id of a counter node; the default is {@code <REGION>-1}. */
  public static final Key NODE_ID = new Key("NODE_ID", null, "node id, <region>-<n>, e.g. us-east-1");
  /** HTTP port; each service kind has its own default (see the service's main class). */
  public static final Key HTTP_PORT = new Key("HTTP_PORT", null, "HTTP port to listen on");
  /** Interface the HTTP server binds to. */
  public static final Key HTTP_HOST = new Key("HTTP_HOST", "127.0.0.1", "interface the HTTP server binds to");
  /** Regions the gateway, coordinator and strong counter expect, comma-separated. */
  public static final Key REGIONS =
      new Key("REGIONS", "us-east,us-west,eu-west", "comma-separated list of the regions of the system");

  // Cluster membership (Hazelcast) and the clustered event bus.

  /** Hazelcast cluster name; members with another name never join. */
  public static final Key CLUSTER_NAME = new Key("CLUSTER_NAME", "counter-lab", "Hazelcast cluster name");
  /** Address Hazelcast and the event bus bind to and advertise. */
  public static final Key CLUSTER_HOST =
      new Key("CLUSTER_HOST", "127.0.0.1", "address the cluster member binds to and advertises");
  /** Hazelcast member port of this process. */
  public static final Key CLUSTER_PORT = new Key("CLUSTER_PORT", "5701", "Hazelcast member port of this process");
  /** Port of the clustered event bus; 0 picks a free one. */
  public static final Key EVENT_BUS_PORT = new Key("EVENT_BUS_PORT", "0", "clustered event-bus port, 0 for any free port");
  /**
   * Vert.x event-loop threads of a process. With one, the event-bus connections share the thread of
   * the service's verticle, so a message does not have to wake another event loop.
   */
  public static final Key EVENT_LOOPS = new Key("EVENT_LOOPS", "1", "Vert.x event-loop threads of the process");
  /** TCP-IP join list, one {@code host:port} per member; a port range is rejected by Hazelcast. */
  public static final Key CLUSTER_MEMBERS = new Key(
      "CLUSTER_MEMBERS",
      "127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703,127.0.0.1:5704,127.0.0.1:5705,127.0.0.1:5706",
      "comma-separated Hazelcast members, host:port each");
  /** Seconds without a heartbeat after which Hazelcast removes a member. */
  public static final Key CLUSTER_HEARTBEAT_TIMEOUT_S =
      new Key("CLUSTER_HEARTBEAT_TIMEOUT_S", "10", "seconds without heartbeat before a member is removed");
  /** Seconds between Hazelcast's attempts to merge split-off members back. */
  public static final Key CLUSTER_MERGE_DELAY_S =
      new Key("CLUSTER_MERGE_DELAY_S", "5", "seconds between split-brain merge attempts");

  // Presence: how services learn of each other.

  /** Milliseconds between presence announcements; a node is live while announced within 3 intervals. */
  public static final Key PRESENCE_INTERVAL_MS =
      new Key("PRESENCE_INTERVAL_MS", "1000", "milliseconds between presence announcements");

  // Anti-entropy between counter nodes.

  /** Milliseconds between anti-entropy rounds. */
  public static final Key SYNC_INTERVAL_MS = new Key("SYNC_INTERVAL_MS", "5000", "milliseconds between sync rounds");
  /** Every Nth round carries the full state instead of the delta, to repair anything a delta missed. */
  public static final Key FULL_SYNC_EVERY =
      new Key("FULL_SYNC_EVERY", "12", "every Nth sync round sends the full state");
  /** Milliseconds a node waits for a peer's sync reply before counting a timeout. */
  public static final Key SYNC_TIMEOUT_MS = new Key("SYNC_TIMEOUT_MS", "2000", "milliseconds to wait for a sync reply");
  /** Maximum counters carried by one sync message; a larger delta is sent over several rounds. */
  public static final Key SYNC_BATCH_MAX =
      new Key("SYNC_BATCH_MAX", "50000", "maximum counters in one sync message");

  // Requests between services.

  /** Milliseconds the gateway and coordinator wait for a region's reply. */
  public static final Key REQUEST_TIMEOUT_MS =
      new Key("REQUEST_TIMEOUT_MS", "1500", "milliseconds to wait for a region's reply");
  /** Milliseconds a strong write may take before it fails with 503 and is aborted everywhere. */
  public static final Key STRONG_TIMEOUT_MS =
      new Key("STRONG_TIMEOUT_MS", "2000", "milliseconds before a strong write fails with 503");

  // Simulated distance between regions.

  /** {@code default}, {@code off}, or one-way delays such as {@code us-east:us-west=36,us-east:eu-west=40}. */
  public static final Key WAN_LATENCY = new Key("WAN_LATENCY", "default",
      "simulated one-way inter-region delay: default, off, or region:region=milliseconds pairs");
  /** Uniform random jitter added to each delayed message, plus or minus this many milliseconds. */
  public static final Key WAN_JITTER_MS = new Key("WAN_JITTER_MS", "0", "jitter of the simulated delay in milliseconds");
  /** Region the strong counter runs in, for the simulated delay of its messages. */
  public static final Key STRONG_HOME_REGION =
      new Key("STRONG_HOME_REGION", "us-east", "region the strong counter is placed in for simulated latency");

  // Durability and retries.

  /** Folder of the region node's store; each node keeps its own file in it. */
  public static final Key DATA_DIR = new Key("DATA_DIR", "data", "folder of the region node's durable store");
  /** {@code sync}: acknowledge an increment once it is on disk; {@code batched}: flush every 100 ms; {@code none}: memory only. */
  public static final Key DURABILITY = new Key("DURABILITY", "sync", "sync, batched or none");
  /** Seconds a region node remembers an idempotency key and the result it returned. */
  public static final Key IDEMPOTENCY_WINDOW_S =
      new Key("IDEMPOTENCY_WINDOW_S", "600", "seconds an idempotency key is remembered");
  /** Most idempotency keys a region node remembers; the oldest are forgotten first. */
  public static final Key IDEMPOTENCY_MAX_KEYS =
      new Key("IDEMPOTENCY_MAX_KEYS", "100000", "most idempotency keys remembered per node");

  // Security.

  /** Bearer token the admin endpoints require; unset or empty leaves them open, as on a laptop. */
  public static final Key ADMIN_TOKEN =
      new Key("ADMIN_TOKEN", null, "bearer token required by admin endpoints; empty disables the check");

  // HTTP input limits.

  /** Largest accepted request body in bytes; larger bodies get 413. */
  public static final Key MAX_BODY_BYTES = new Key("MAX_BODY_BYTES", "65536", "largest request body in bytes");

  // Tracing: standard OpenTelemetry SDK variables. Tracing is on only when an endpoint is set; the
  // SDK reads the other OTEL_* variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_PROTOCOL, ...) itself.

  /** OTLP endpoint for every signal, e.g. {@code http://jaeger:4318}. */
  public static final Key OTEL_EXPORTER_OTLP_ENDPOINT =
      new Key("OTEL_EXPORTER_OTLP_ENDPOINT", null, "OTLP endpoint; tracing is off when neither it nor the traces endpoint is set");
  /** OTLP endpoint for traces only. */
  public static final Key OTEL_EXPORTER_OTLP_TRACES_ENDPOINT =
      new Key("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", null, "OTLP endpoint for traces");
  /** {@code true} turns the OpenTelemetry SDK off even when an endpoint is set. */
  public static final Key OTEL_SDK_DISABLED = new Key("OTEL_SDK_DISABLED", "false", "true disables tracing");

  // Metrics.

  /** Counters that get their own per-counter series: the most active ones, so the series stay bounded. */
  public static final Key METRICS_TOP_COUNTERS =
      new Key("METRICS_TOP_COUNTERS", "20", "number of most active counters with per-counter metric series");

  private ConfigKeys() {}
}
