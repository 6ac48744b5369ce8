package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;

/**
 * A real {@link RegionVerticle} deployed for a test: node {@code <region>-1}, HTTP on 127.0.0.1 at a
 * free port. Several of them in one non-clustered Vert.x find each other by presence and sync over
 * the local event bus. Shared with the gateway and coordinator tests through this module's test jar.
 *
 * <p>Periodic sync is effectively off ({@link #SYNC_INTERVAL_MS}), so state moves between nodes
 * only at the start-up sync and when a test forces a round. A test can therefore tell a forced sync
 * from a periodic one.
 */
public record TestRegionNode(String region, String nodeId, int port, String deploymentId) {

  /** Milliseconds between presence announcements. The start-up sync waits one interval plus 200 ms. */
  public static final long PRESENCE_INTERVAL_MS = 100;
  /** Milliseconds between periodic sync rounds: longer than any test. */
  public static final long SYNC_INTERVAL_MS = 600_000;
  /** Milliseconds a node waits for a peer's sync reply. */
  public static final long SYNC_TIMEOUT_MS = 1000;
  /** Largest request body the nodes accept, so a test can exceed it cheaply. */
  public static final long MAX_BODY_BYTES = 4096;
  /** Milliseconds to wait for {@code /health} to return 200 after deployment. */
  public static final long READY_TIMEOUT_MS = 5000;

  /**
   * Settings that switch off the simulated inter-region delay, so tests run at loopback speed, and
   * the on-disk store, from which a node would recover an earlier test's counters.
   */
  private static final Map<String, String> OFF_SETTINGS =
      Map.of(ConfigKeys.WAN_LATENCY.name(), "off", ConfigKeys.DURABILITY.name(), "none");

  /** Returns the settings of node {@code <region>-1} on {@code port}. */
  public static Map<String, String> settings(String region, int port) {
    Map<String, String> settings = new HashMap<>();
    settings.put(ConfigKeys.REGION.name(), region);
    settings.put(ConfigKeys.NODE_ID.name(), nodeIdOf(region));
    settings.put(ConfigKeys.HTTP_HOST.name(), TestHttp.HOST);
    settings.put(ConfigKeys.HTTP_PORT.name(), String.valueOf(port));
    settings.put(ConfigKeys.PRESENCE_INTERVAL_MS.name(), String.valueOf(PRESENCE_INTERVAL_MS));
    settings.put(ConfigKeys.SYNC_INTERVAL_MS.name(), String.valueOf(SYNC_INTERVAL_MS));
    settings.put(ConfigKeys.SYNC_TIMEOUT_MS.name(), String.valueOf(SYNC_TIMEOUT_MS));
    settings.put(ConfigKeys.MAX_BODY_BYTES.name(), String.valueOf(MAX_BODY_BYTES));
    settings.putAll(OFF_SETTINGS);
    return settings;
  }

  /** Returns the node id the test nodes of {@code region} use. */
  public static String nodeIdOf(String region) {
    return region + "-1";
  }

  /** Deploys node {@code <region>-1} without waiting for its start-up sync. */
  public static Future<TestRegionNode> deploy(Vertx vertx, String region) {
    int port = TestHttp.freePort();
    return vertx.deployVerticle(new RegionVerticle(new Settings(settings(region, port))))
        .map(deploymentId -> new TestRegionNode(region, nodeIdOf(region), port, deploymentId));
  }

  /** Deploys node {@code <region>-1} and blocks until its start-up sync is over; for tests outside an event loop. */
  public static TestRegionNode deployReady(Vertx vertx, String region) throws Exception {
    TestRegionNode node = deploy(vertx, region).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    node.awaitReady(new TestHttp(vertx)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return node;
  }

  /** Completes once this node's {@code /health} returns 200: its start-up sync is over. */
  public Future<Void> awaitReady(TestHttp http) {
    return http.awaitStatus(port, "/health", 200, READY_TIMEOUT_MS);
  }
}
