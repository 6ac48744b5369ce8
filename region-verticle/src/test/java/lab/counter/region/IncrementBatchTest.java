package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The region's {@code increment-batch} action on its event-bus API, on one real
 * {@link RegionVerticle} ({@link TestRegionNode}) in a non-clustered Vert.x. The node has no peers,
 * so it is ready right after its start-up sync.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("increment-batch action")
class IncrementBatchTest {

  private static final String REGION = "us-east";
  private static final long REPLY_TIMEOUT_MS = 5000;

  private Vertx vertx;
  private TestRegionNode node;

  @BeforeAll
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    node = TestRegionNode.deployReady(vertx, REGION);
  }

  @AfterAll
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("each increment succeeds or fails alone, in order")
  void itemsSettleAlone() throws Exception {
    JsonArray increments = new JsonArray()
        .add(item(new JsonObject().put("counter_name", "batch_a").put("amount", 2), null))
        .add(item(new JsonObject().put("counter_name", "bad/name"), null))
        .add(item(new JsonObject().put("counter_name", "batch_a").put("amount", 0), null))
        .add(item(new JsonObject().put("counter_name", "batch_b"), null))
        .add(item(new JsonObject().put("counter_name", "batch_a").put("amount", 3), null));

    JsonArray results = batch(new JsonObject().put("increments", increments)).getJsonArray("results");

    assertThat(results).hasSize(5);
    assertThat(results.getJsonObject(0).getJsonObject("ok").getLong("total_count")).isEqualTo(2);
    assertThat(failureStatus(results.getJsonObject(1))).isEqualTo(400);
    assertThat(failureStatus(results.getJsonObject(2))).isEqualTo(400);
    assertThat(results.getJsonObject(3).getJsonObject("ok").getLong("total_count")).isEqualTo(1);
    assertThat(results.getJsonObject(4).getJsonObject("ok").getLong("total_count")).isEqualTo(5);
    assertThat(read("batch_a")).isEqualTo(5);
    assertThat(read("batch_b")).isEqualTo(1);
  }

  @Test
  @DisplayName("a key repeated in one batch counts once")
  void repeatedKeyCountsOnce() throws Exception {
    JsonObject request = new JsonObject().put("counter_name", "batch_keyed").put("amount", 7);
    JsonArray increments = new JsonArray().add(item(request, "key-1")).add(item(request.copy(), "key-1"));

    JsonArray results = batch(new JsonObject().put("increments", increments)).getJsonArray("results");

    assertThat(results.getJsonObject(0).getJsonObject("ok").getLong("total_count")).isEqualTo(7);
    assertThat(results.getJsonObject(1).getJsonObject("ok").getLong("total_count")).isEqualTo(7);
    assertThat(read("batch_keyed")).isEqualTo(7);
  }

  static Stream<Arguments> malformedBatches() {
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i <= RegionNode.MAX_BATCH_SIZE; i++) {
      tooMany.add(item(new JsonObject().put("counter_name", "batch_too_many"), null));
    }
    return Stream.of(
        Arguments.of("no increments field", new JsonObject()),
        Arguments.of("increments is an object", new JsonObject().put("increments", new JsonObject())),
        Arguments.of("increments is empty", new JsonObject().put("increments", new JsonArray())),
        Arguments.of("one more than the maximum", new JsonObject().put("increments", tooMany)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedBatches")
  @DisplayName("malformed batch gets 400 and counts nothing")
  void malformedBatchRejected(String description, JsonObject body) throws Exception {
    assertThatThrownBy(() -> batch(body))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ReplyException.class)
        .satisfies(failure -> assertThat(ApiError.from(failure).status()).isEqualTo(400));
    assertThat(read("batch_too_many")).isZero();
  }

  @Test
  @DisplayName("malformed item fails alone")
  void malformedItemFailsAlone() throws Exception {
    JsonArray increments = new JsonArray()
        .add("not an object")
        .add(new JsonObject().put("request", "not an object"))
        .add(new JsonObject().put("request", new JsonObject().put("counter_name", "batch_item")).put("key", 42))
        .add(item(new JsonObject().put("counter_name", "batch_item"), null));

    JsonArray results = batch(new JsonObject().put("increments", increments)).getJsonArray("results");

    assertThat(failureStatus(results.getJsonObject(0))).isEqualTo(400);
    assertThat(failureStatus(results.getJsonObject(1))).isEqualTo(400);
    assertThat(failureStatus(results.getJsonObject(2))).isEqualTo(400);
    assertThat(results.getJsonObject(3).getJsonObject("ok").getLong("total_count")).isEqualTo(1);
    assertThat(read("batch_item")).isEqualTo(1);
  }

  private static JsonObject item(JsonObject request, String key) {
    JsonObject item = new JsonObject().put("request", request);
    if (key != null) {
      item.put("key", key);
    }
    return item;
  }

  private static int failureStatus(JsonObject result) {
    assertThat(result.containsKey("ok")).as(result.encode()).isFalse();
    JsonObject failure = result.getJsonObject("failure");
    ApiError error = ApiError.from(new ReplyException(io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE,
        failure.getInteger("code"), failure.getString("message")));
    return error.status();
  }

  private JsonObject batch(JsonObject body) throws Exception {
    return request(Actions.INCREMENT_BATCH, body);
  }

  private long read(String name) throws Exception {
    return request(Actions.GET, new JsonObject().put("counter_name", name)).getLong("total_count");
  }

  private JsonObject request(String action, JsonObject body) throws Exception {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, action).setSendTimeout(REPLY_TIMEOUT_MS);
    return vertx.eventBus().<JsonObject>request(Addresses.regionApi(REGION), body, options)
        .map(Message::body)
        .toCompletionStage().toCompletableFuture()
        .get(REPLY_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
  }
}
