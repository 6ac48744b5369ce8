package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's event-bus bridge, spoken to over its raw WebSocket transport as any client could:
 * it forwards {@code counter.inspector} and nothing else, and nothing a client sends reaches the
 * cluster's bus.
 */
@ExtendWith(SharedCluster.class)
class InspectorBridgeIT {

  private static final String INSPECTOR = "counter.inspector";
  private static final String BRIDGE_URI = "/eventbus/websocket";
  private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(5);
  /**
   * Seconds a closing bridge socket waits for the gateway to close the connection. Vert.x's default
   * is 10 s, as long as the wait of {@link #await}, which made the tear-down fail now and then.
   */
  private static final int CLOSING_TIMEOUT_S = 2;
  /** Addresses a bridge client must not reach: the region API, control, the feed itself and the rest of the data plane. */
  private static final List<String> CLOSED_ADDRESSES = List.of(
      "counter.region.us-east.api", "counter.control", INSPECTOR, "counter.coordinator.api",
      "counter.strong.api", "counter.node.us-east-1.sync", "counter.node.us-east-1.control", "counter.presence");

  private LabProcesses lab;
  private Vertx vertx;
  /**
   * One client for every socket of a test, held in a field. Vert.x closes a client once nothing
   * refers to it, so a client created per connection and dropped could be collected during a
   * handshake, which then failed with "Connection closed while handshake in process".
   */
  private WebSocketClient webSocketClient;
  private int gatewayPort;

  @BeforeEach
  void setUp(LabProcesses lab) {
    this.lab = lab;
    this.vertx = Vertx.vertx();
    this.webSocketClient = vertx.createWebSocketClient(new WebSocketClientOptions().setClosingTimeout(CLOSING_TIMEOUT_S));
    this.gatewayPort = URI.create(lab.url("gateway", "/")).getPort();
  }

  @AfterEach
  void tearDown() throws Exception {
    // Closing sends each open bridge socket's close frame and waits up to CLOSING_TIMEOUT_S for the
    // gateway to close the connection, so the wait here must be longer than that.
    vertx.close().toCompletionStage().toCompletableFuture().get(CLOSING_TIMEOUT_S + 20, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a client registered on counter.inspector receives the cluster's events")
  void inspectorFeedArrives() throws Exception {
    BridgeClient client = connect(null);
    client.send(new JsonObject().put("type", "register").put("address", INSPECTOR));

    JsonObject frame = client.next(Duration.ofSeconds(4L * SharedCluster.SYNC_INTERVAL_MS / 1000 + 5));
    assertThat(frame).as("no frame within the timeout").isNotNull();
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("rec");
    assertThat(frame.getString("address")).isEqualTo(INSPECTOR);
    assertThat(frame.getJsonObject("body").getString("type")).as(frame.encode()).isIn("sync", "dropped", "strong-write");
  }

  @Test
  @DisplayName("send and publish on any address are denied and change nothing")
  void sendAndPublishDenied() throws Exception {
    String counter = "bridge_probe_" + UUID.randomUUID().toString().substring(0, 8);
    String forgedMarker = "forged-" + UUID.randomUUID();
    BridgeClient watcher = connect(null);
    watcher.send(new JsonObject().put("type", "register").put("address", INSPECTOR));
    BridgeClient client = connect(null);

    try {
      for (String address : CLOSED_ADDRESSES) {
        for (String type : List.of("send", "publish")) {
          JsonObject frame = new JsonObject()
              .put("type", type)
              .put("address", address)
              .put("headers", new JsonObject().put("action", "increment"))
              .put("body", forgedBody(address, counter, forgedMarker));
          if ("send".equals(type)) {
            frame.put("replyAddress", "probe-reply-1");
          }
          client.send(frame);

          JsonObject reply = client.next(FRAME_TIMEOUT);
          assertThat(reply).as(type + " to " + address + ": no reply frame").isNotNull();
          assertThat(reply.getString("type")).as(type + " to " + address + ": " + reply.encode()).isEqualTo("err");
          assertThat(reply.getString("body")).as(type + " to " + address).isEqualTo("access_denied");
        }
      }

      // Give any message that got through a few sync rounds to show up.
      Thread.sleep(3L * SharedCluster.SYNC_INTERVAL_MS);
      JsonObject view = Http.get(lab.url("gateway", "/api/counter/" + counter)).json();
      assertThat(view.getLong("global_count")).as(view.encode()).isZero();
      for (String region : List.of("us-east", "us-west", "eu-west")) {
        JsonObject local = Http.get(lab.url(region, "/counter/" + counter)).json();
        assertThat(local.getLong("total_count")).as(region + ": " + local.encode()).isZero();
      }
      JsonObject strong = Http.get(lab.url("strong", "/counter/" + counter)).json();
      assertThat(strong.getLong("value")).as(strong.encode()).isZero();
      JsonObject status = Http.get(lab.url("gateway", "/api/status")).json();
      assertThat(status.getJsonArray("partitioned_regions").getList()).as("a forged control message isolated a region").isEmpty();
      List<JsonObject> seen = watcher.drain();
      assertThat(seen).as("the feed carried a forged event").noneMatch(frame -> frame.encode().contains(forgedMarker));
      assertThat(client.drain()).as("frames after the denials").isEmpty();
    } finally {
      // Undo a leaked isolation so the other system tests keep a healthy cluster.
      Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=false"));
    }
  }

  @Test
  @DisplayName("register on any address but counter.inspector is denied")
  void registerElsewhereDenied() throws Exception {
    BridgeClient client = connect(null);
    List<String> addresses = new ArrayList<>(CLOSED_ADDRESSES);
    addresses.remove(INSPECTOR);
    addresses.add(INSPECTOR + ".extra");
    for (String address : addresses) {
      client.send(new JsonObject().put("type", "register").put("address", address));

      JsonObject reply = client.next(FRAME_TIMEOUT);
      assertThat(reply).as("register on " + address + ": no reply frame").isNotNull();
      assertThat(reply.getString("type")).as("register on " + address + ": " + reply.encode()).isEqualTo("err");
      assertThat(reply.getString("body")).as("register on " + address).isEqualTo("access_denied");
    }

    // Presence is published every second and a heal publishes on counter.control: none may arrive.
    Http.Response heal = Http.post(lab.url("gateway", "/admin/partition/us-west?enabled=false"));
    assertThat(heal.status()).as(heal.body()).isEqualTo(200);
    Thread.sleep(3000);
    assertThat(client.drain()).as("frames delivered on a denied registration").isEmpty();
  }

  @Test
  @DisplayName("malformed frames get error frames, no log")
  void malformedFramesAnswered() throws Exception {
    Path gatewayLog = lab.logDir().resolve("gateway.log");
    long bridgeLinesBefore = bridgeLogLines(gatewayLog);
    BridgeClient client = connect(null);
    Map<String, String> expectedErrors = Map.of(
        "{\"type\":\"nonsense\",\"address\":\"counter.inspector\"}", "invalid_type",
        "{\"address\":\"counter.inspector\"}", "missing_type",
        "not json", "invalid_json");
    for (Map.Entry<String, String> expected : expectedErrors.entrySet()) {
      client.sendText(expected.getKey());

      JsonObject reply = client.next(FRAME_TIMEOUT);
      assertThat(reply).as(expected.getKey() + ": no reply frame").isNotNull();
      assertThat(reply.getString("type")).as(expected.getKey() + ": " + reply.encode()).isEqualTo("err");
      assertThat(reply.getString("body")).as(expected.getKey()).isEqualTo(expected.getValue());
    }
    // vertx-web logs an invalid type at ERROR, one line per frame, unless logback turns its bridge logger off.
    assertThat(bridgeLogLines(gatewayLog)).as("lines of vertx-web's bridge logger in " + gatewayLog).isEqualTo(bridgeLinesBefore);
  }

  private static long bridgeLogLines(Path log) throws IOException {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(line -> line.contains("EventBusBridgeImpl")).count();
    }
  }

  @Test
  @DisplayName("a bridge handshake from another site's page is rejected")
  void foreignOriginRejected() throws Exception {
    assertThatThrownBy(() -> connect("http://attacker.invalid"))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(UpgradeRejectedException.class)
        .satisfies(rejected -> assertThat(((UpgradeRejectedException) rejected).getStatus()).isEqualTo(403));

    BridgeClient sameOrigin = connect("http://127.0.0.1:" + gatewayPort);
    sameOrigin.send(new JsonObject().put("type", "register").put("address", INSPECTOR));
    JsonObject frame = sameOrigin.next(Duration.ofSeconds(10));
    assertThat(frame).as("no frame for a same-origin client").isNotNull();
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("rec");
  }

  /** Returns a body that would do harm if the bridge let it through to {@code address}. */
  private static JsonObject forgedBody(String address, String counter, String marker) {
    if ("counter.control".equals(address)) {
      return new JsonObject().put("type", "partition").put("region", "us-east").put("enabled", true);
    }
    if (INSPECTOR.equals(address)) {
      return new JsonObject().put("type", "sync").put("from", marker).put("to", marker).put("timestamp", 0);
    }
    return new JsonObject().put("counter_name", counter).put("amount", 5).put("node_id", marker);
  }

  /** Connects to the bridge; {@code origin} is sent as the Origin header, or none when null. */
  private BridgeClient connect(String origin) throws Exception {
    // Without allowOriginHeader the client removes every Origin header, a given one included;
    // with it, the client keeps a given one and otherwise adds its own.
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(gatewayPort)
        .setURI(BRIDGE_URI)
        .setAllowOriginHeader(origin != null);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    WebSocket socket = await(webSocketClient.connect(options));
    return new BridgeClient(vertx, socket);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One bridge connection: every frame it receives is queued; it pings so the bridge keeps it open. */
  private static final class BridgeClient {

    private final WebSocket socket;
    private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

    BridgeClient(Vertx vertx, WebSocket socket) {
      this.socket = socket;
      // The bridge sends binary frames; handler() receives text and binary alike.
      socket.handler(buffer -> frames.add(new JsonObject(buffer)));
      long timer = vertx.setPeriodic(3000, id -> socket.writeTextMessage(new JsonObject().put("type", "ping").encode()));
      socket.closeHandler(closed -> vertx.cancelTimer(timer));
    }

    void send(JsonObject frame) throws Exception {
      sendText(frame.encode());
    }

    void sendText(String text) throws Exception {
      await(socket.writeTextMessage(text));
    }

    /** Returns the next frame, or null when none arrives within {@code timeout}. */
    JsonObject next(Duration timeout) throws InterruptedException {
      return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Returns and removes every frame received so far. */
    List<JsonObject> drain() {
      List<JsonObject> drained = new ArrayList<>();
      frames.drainTo(drained);
      return drained;
    }
  }
}
