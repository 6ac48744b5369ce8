package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.IncrementBatch;
import lab.counter.common.protocol.IncrementBatchCodec;
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
 * {@link RegionVerticle} ({@link TestRegionNode}) in a non-clustered Vert.x, so the batches reach it
 * as objects; {@code IncrementBatchCodecTest} covers their bytes. The node has no peers, so it is
 * ready right after its start-up sync.
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
    IncrementBatch.Reply reply = batch(
        new IncrementBatch.Increment("batch_a", 2, null),
        new IncrementBatch.Increment("bad/name", 1, null),
        new IncrementBatch.Increment("batch_a", 0, null),
        new IncrementBatch.Increment("batch_b", 1, "bad key with spaces"),
        new IncrementBatch.Increment("batch_b", 1, null),
        new IncrementBatch.Increment("batch_a", 3, null));

    assertThat(reply.region()).isEqualTo(REGION);
    assertThat(reply.nodeId()).isEqualTo(node.nodeId());
    assertThat(reply.results()).hasSize(6);
    assertThat(applied(reply, 0)).isEqualTo(new IncrementBatch.Applied(2, 2, false));
    assertThat(failureStatus(reply, 1)).isEqualTo(400);
    assertThat(failureStatus(reply, 2)).isEqualTo(400);
    assertThat(failureStatus(reply, 3)).isEqualTo(400);
    assertThat(applied(reply, 4).totalCount()).isEqualTo(1);
    assertThat(applied(reply, 5).totalCount()).isEqualTo(5);
    assertThat(read("batch_a")).isEqualTo(5);
    assertThat(read("batch_b")).isEqualTo(1);
  }

  @Test
  @DisplayName("a key repeated in one batch counts once, and the second is a replay")
  void repeatedKeyCountsOnce() throws Exception {
    IncrementBatch.Reply reply = batch(
        new IncrementBatch.Increment("batch_keyed", 7, "key-1"),
        new IncrementBatch.Increment("batch_keyed", 7, "key-1"),
        new IncrementBatch.Increment("batch_keyed", 8, "key-1"));

    assertThat(applied(reply, 0)).isEqualTo(new IncrementBatch.Applied(7, 7, false));
    assertThat(applied(reply, 1)).isEqualTo(new IncrementBatch.Applied(7, 7, true));
    assertThat(failureStatus(reply, 2)).as("same key, other amount").isEqualTo(409);
    assertThat(read("batch_keyed")).isEqualTo(7);
  }

  static Stream<Arguments> invalidBodies() {
    return Stream.of(
        Arguments.of("a JSON object", new JsonObject().put("increments", new JsonArray())),
        Arguments.of("a string", "increments"),
        Arguments.of("no body", null),
        Arguments.of("bytes the codec rejected", new IncrementBatch.Malformed("increments is empty")),
        Arguments.of("a reply instead of a request", new IncrementBatch.Reply(REGION, "us-east-9", List.of())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidBodies")
  @DisplayName("a body that is no batch request gets 400 and counts nothing")
  void invalidBodyRejected(String description, Object body) throws Exception {
    long countersBefore = counters();
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, Actions.INCREMENT_BATCH).setSendTimeout(REPLY_TIMEOUT_MS);
    if (body instanceof IncrementBatch) {
      options.setCodecName(IncrementBatchCodec.NAME);
    }
    assertThatThrownBy(() -> vertx.eventBus().request(Addresses.regionApi(REGION), body, options)
            .toCompletionStage().toCompletableFuture().get(REPLY_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ReplyException.class)
        .satisfies(failure -> assertThat(ApiError.from(failure).status()).isEqualTo(400));
    assertThat(counters()).as("counters after the rejected body").isEqualTo(countersBefore);
  }

  @Test
  @DisplayName("a region API request with a body other than JSON gets 400")
  void nonJsonBodyOfSingleIncrementRejected() throws Exception {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, Actions.INCREMENT).setSendTimeout(REPLY_TIMEOUT_MS);
    assertThatThrownBy(() -> vertx.eventBus().request(Addresses.regionApi(REGION), "views", options)
            .toCompletionStage().toCompletableFuture().get(REPLY_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS))
        .cause()
        .isInstanceOf(ReplyException.class)
        .satisfies(failure -> assertThat(ApiError.from(failure).status()).isEqualTo(400));
  }

  private static IncrementBatch.Applied applied(IncrementBatch.Reply reply, int index) {
    IncrementBatch.Result result = reply.results().get(index);
    assertThat(result).as("result %d", index).isInstanceOf(IncrementBatch.Applied.class);
    return (IncrementBatch.Applied) result;
  }

  private static int failureStatus(IncrementBatch.Reply reply, int index) {
    IncrementBatch.Result result = reply.results().get(index);
    assertThat(result).as("result %d", index).isInstanceOf(IncrementBatch.Failed.class);
    IncrementBatch.Failed failed = (IncrementBatch.Failed) result;
    return ApiError.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, failed.code(), failed.message())).status();
  }

  private IncrementBatch.Reply batch(IncrementBatch.Increment... increments) throws Exception {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, Actions.INCREMENT_BATCH)
        .setCodecName(IncrementBatchCodec.NAME).setSendTimeout(REPLY_TIMEOUT_MS);
    return vertx.eventBus().<IncrementBatch>request(Addresses.regionApi(REGION), new IncrementBatch.Request(List.of(increments)), options)
        .map(message -> (IncrementBatch.Reply) message.body())
        .toCompletionStage().toCompletableFuture()
        .get(REPLY_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
  }

  private long counters() throws Exception {
    return request(Actions.LIST, new JsonObject()).getLong("total_counters");
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
