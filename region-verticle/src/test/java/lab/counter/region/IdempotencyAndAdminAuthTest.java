package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.common.http.RequestFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Idempotency-key validation and the admin bearer token on one real {@link RegionVerticle} in a
 * non-clustered Vert.x, with {@code ADMIN_TOKEN=secret} and a durable store under {@code target/}.
 * The node has no peers, so it is ready right after start-up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyAndAdminAuthTest {

  private static final String TOKEN = "secret";
  private static final long READY_TIMEOUT_MS = 10_000;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Vertx vertx;
  private int port;

  @BeforeAll
  void deploy() throws Exception {
    port = freePort();
    Map<String, String> settings = new HashMap<>();
    settings.put(ConfigKeys.REGION.name(), "us-east");
    settings.put(ConfigKeys.NODE_ID.name(), "us-east-1");
    settings.put(ConfigKeys.HTTP_HOST.name(), "127.0.0.1");
    settings.put(ConfigKeys.HTTP_PORT.name(), String.valueOf(port));
    settings.put(ConfigKeys.PRESENCE_INTERVAL_MS.name(), "100");
    settings.put(ConfigKeys.WAN_LATENCY.name(), "off");
    settings.put(ConfigKeys.DURABILITY.name(), "sync");
    settings.put(ConfigKeys.DATA_DIR.name(),
        Path.of("target", "idempotency-test-data", UUID.randomUUID().toString()).toAbsolutePath().toString());
    settings.put(ConfigKeys.ADMIN_TOKEN.name(), TOKEN);

    vertx = Vertx.vertx();
    vertx.deployVerticle(new RegionVerticle(new Settings(settings))).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    while (get("/health").statusCode() != 200) {
      assertThat(System.currentTimeMillis()).as("node ready within " + READY_TIMEOUT_MS + " ms").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @AfterAll
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Stream<Arguments> invalidKeys() {
    String tooLong = "k".repeat(200);
    return Stream.of(
        // case, header (null: none), idempotency_key field (null: none)
        Arguments.of("empty field", null, ""),
        Arguments.of("empty header", "", null),
        Arguments.of("200-character field", null, tooLong),
        Arguments.of("200-character header", tooLong, null),
        Arguments.of("space in field", null, "a b"),
        Arguments.of("space in header", "a b", null),
        Arguments.of("control character in field", null, "a\u0001b"),
        Arguments.of("tab in field", null, "a\tb"),
        Arguments.of("non-ASCII field", null, "ключ"),
        Arguments.of("header and field differ", "key-a", "key-b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidKeys")
  @DisplayName("invalid idempotency key gets 400 and counts nothing")
  void invalidKeyRejected(String description, String header, String field) throws Exception {
    String counter = "bad_key_" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject body = new JsonObject().put("counter_name", counter).put("amount", 1);
    if (field != null) {
      body.put("idempotency_key", field);
    }

    HttpResponse<String> response = postIncrement(body, header);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body());
    assertThat(error.getString("error")).as(response.body()).isEqualTo("invalid idempotency_key");
    assertThat(error.getString("detail")).as(response.body()).isNotBlank();
    assertThat(totalOf(counter)).as("nothing counted").isZero();
  }

  @Test
  @DisplayName("two Idempotency-Key headers get 400")
  void repeatedKeyHeaderRejected() throws Exception {
    String counter = "bad_key_repeated";
    HttpRequest request = HttpRequest.newBuilder(uri("/increment"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "key-a")
        .header("Idempotency-Key", "key-b")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("counter_name", counter).encode()))
        .build();

    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("detail")).as(response.body()).contains("2 Idempotency-Key headers");
    assertThat(totalOf(counter)).as("nothing counted").isZero();
  }

  @Test
  @DisplayName("non-string idempotency_key gets 400")
  void nonStringKeyRejected() throws Exception {
    String counter = "bad_key_number";
    JsonObject body = new JsonObject().put("counter_name", counter).put("amount", 1).put("idempotency_key", 42);

    HttpResponse<String> response = postIncrement(body, null);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(totalOf(counter)).isZero();
  }

  @Test
  @DisplayName("128-character key with header and equal field is accepted")
  void longestKeyAccepted() throws Exception {
    String key = "m".repeat(RequestFields.MAX_IDEMPOTENCY_KEY_LENGTH);
    JsonObject body = new JsonObject().put("counter_name", "longest_key").put("amount", 2).put("idempotency_key", key);

    HttpResponse<String> response = postIncrement(body, key);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(totalOf("longest_key")).isEqualTo(2);
  }

  @Test
  @DisplayName("key reused with another amount or counter gets 409")
  void reusedKeyConflicts() throws Exception {
    String key = "reuse-" + UUID.randomUUID();
    JsonObject first = new JsonObject().put("counter_name", "reused_key").put("amount", 3);

    HttpResponse<String> accepted = postIncrement(first, key);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);

    HttpResponse<String> replay = postIncrement(first.copy().put("idempotency_key", key), null);
    assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
    assertThat(new JsonObject(replay.body()).getBoolean("idempotent_replay")).as(replay.body()).isTrue();

    HttpResponse<String> otherAmount = postIncrement(new JsonObject().put("counter_name", "reused_key").put("amount", 4), key);
    assertThat(otherAmount.statusCode()).as(otherAmount.body()).isEqualTo(409);
    assertThat(new JsonObject(otherAmount.body()).getString("error")).as(otherAmount.body()).isNotBlank();

    HttpResponse<String> otherCounter = postIncrement(new JsonObject().put("counter_name", "reused_key_other").put("amount", 3), key);
    assertThat(otherCounter.statusCode()).as(otherCounter.body()).isEqualTo(409);

    assertThat(totalOf("reused_key")).as("counted once").isEqualTo(3);
    assertThat(totalOf("reused_key_other")).isZero();
  }

  static Stream<Arguments> adminEndpoints() {
    return Stream.of(
        Arguments.of("POST", "/admin/force-sync"),
        Arguments.of("GET", "/admin/partition"),
        Arguments.of("POST", "/admin/partition?enabled=false"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("adminEndpoints")
  @DisplayName("admin endpoint needs the bearer token")
  void adminNeedsToken(String method, String path) throws Exception {
    HttpResponse<String> missing = send(method, path, null);
    assertThat(missing.statusCode()).as(missing.body()).isEqualTo(401);
    assertThat(new JsonObject(missing.body()).getString("error")).as(missing.body()).isNotBlank();
    assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");

    HttpResponse<String> wrong = send(method, path, "Bearer not-the-secret");
    assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(401);
    assertThat(new JsonObject(wrong.body()).getString("error")).as(wrong.body()).isNotBlank();

    HttpResponse<String> bareToken = send(method, path, TOKEN);
    assertThat(bareToken.statusCode()).as("token without the Bearer scheme: " + bareToken.body()).isEqualTo(401);

    HttpResponse<String> authorized = send(method, path, "Bearer " + TOKEN);
    assertThat(authorized.statusCode()).as(authorized.body()).isEqualTo(200);
  }

  @Test
  @DisplayName("non-admin endpoints work without a token")
  void publicEndpointsOpen() throws Exception {
    assertThat(get("/health").statusCode()).isEqualTo(200);
    assertThat(get("/status").statusCode()).isEqualTo(200);
    assertThat(get("/counters").statusCode()).isEqualTo(200);

    HttpResponse<String> increment = postIncrement(new JsonObject().put("counter_name", "open_endpoint").put("amount", 1), null);
    assertThat(increment.statusCode()).as(increment.body()).isEqualTo(200);
    assertThat(totalOf("open_endpoint")).isEqualTo(1);
  }

  private long totalOf(String counter) throws Exception {
    HttpResponse<String> response = get("/counter/" + counter);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getLong("total_count");
  }

  private HttpResponse<String> postIncrement(JsonObject body, String idempotencyHeader) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri("/increment"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (idempotencyHeader != null) {
      request.header("Idempotency-Key", idempotencyHeader);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
