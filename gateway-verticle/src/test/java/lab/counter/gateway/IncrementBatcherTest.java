package lab.counter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link IncrementBatcher} against a stand-in region on a local event bus, which replies after a
 * delay so that increments queue up behind the messages in flight. An increment whose counter is
 * named {@code fail} gets a 400 from the stand-in, as an invalid one would from a region.
 */
@DisplayName("IncrementBatcher")
class IncrementBatcherTest {

  private static final String REGION = "us-east";
  private static final long REPLY_DELAY_MS = 100;
  private static final long TIMEOUT_MS = 1000;

  private Vertx vertx;
  private final List<Message<JsonObject>> received = new CopyOnWriteArrayList<>();
  private volatile boolean answerBatches = true;

  @BeforeEach
  void startStandIn() throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(Addresses.regionApi(REGION), message -> {
      received.add(message);
      if (Actions.INCREMENT_BATCH.equals(message.headers().get(Headers.ACTION)) && !answerBatches) {
        return;
      }
      vertx.setTimer(REPLY_DELAY_MS, timer -> answer(message));
    }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("increments queued behind the in-flight ones go in one batch")
  void queuedIncrementsBatched() throws Exception {
    List<Future<JsonObject>> replies = sendAll(10, 4);

    for (int i = 0; i < 10; i++) {
      Future<JsonObject> reply = replies.get(i);
      if (i == 4) {
        assertThat(reply.failed()).as("increment " + i).isTrue();
        assertThat(ApiError.from(reply.cause()).status()).isEqualTo(400);
      } else {
        assertThat(reply.succeeded()).as("increment " + i + ": " + reply.cause()).isTrue();
        assertThat(reply.result().getString("echo")).isEqualTo("c" + i);
        assertThat(reply.result().getString("key")).isEqualTo("k" + i);
      }
    }
    int singles = IncrementBatcher.MAX_IN_FLIGHT;
    List<String> expected = new ArrayList<>(Collections.nCopies(singles, Actions.INCREMENT));
    expected.add(Actions.INCREMENT_BATCH);
    assertThat(actions()).containsExactlyElementsOf(expected);
    assertThat(received.get(singles).body().getJsonArray("increments")).hasSize(10 - singles);
  }

  @Test
  @DisplayName("one increment at a time goes alone")
  void singleIncrementAlone() throws Exception {
    for (int i = 0; i < 3; i++) {
      List<Future<JsonObject>> replies = sendAll(1, -1);
      assertThat(replies.get(0).result().getString("echo")).isEqualTo("c0");
    }

    assertThat(actions()).containsExactly(Actions.INCREMENT, Actions.INCREMENT, Actions.INCREMENT);
  }

  @Test
  @DisplayName("a batch without reply fails each increment with the timeout")
  void unansweredBatchTimesOut() throws Exception {
    answerBatches = false;

    List<Future<JsonObject>> replies = sendAll(5, -1);

    int singles = IncrementBatcher.MAX_IN_FLIGHT;
    for (Future<JsonObject> reply : replies.subList(0, singles)) {
      assertThat(reply.succeeded()).isTrue();
    }
    for (Future<JsonObject> reply : replies.subList(singles, 5)) {
      assertThat(reply.failed()).isTrue();
      assertThat(reply.cause()).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) reply.cause()).failureType()).isEqualTo(ReplyFailure.TIMEOUT);
    }
  }

  /**
   * Sends {@code count} increments at once from the event loop, counter {@code c<i>} with key
   * {@code k<i>}, the one at {@code failing} (or none) named {@code fail}, and waits for all.
   */
  private List<Future<JsonObject>> sendAll(int count, int failing) throws Exception {
    List<Future<JsonObject>> replies = new ArrayList<>();
    IncrementBatcher[] batcher = new IncrementBatcher[1];
    vertx.runOnContext(ignored -> {
      batcher[0] = new IncrementBatcher(vertx, REGION, TIMEOUT_MS, new SimpleMeterRegistry());
      for (int i = 0; i < count; i++) {
        String name = i == failing ? "fail" : "c" + i;
        replies.add(batcher[0].send(new JsonObject().put("counter_name", name), "k" + i));
      }
    });
    long deadline = System.currentTimeMillis() + 5 * TIMEOUT_MS;
    while (replies.size() < count || !replies.stream().allMatch(Future::isComplete)) {
      assertThat(System.currentTimeMillis()).as("every increment settled").isLessThan(deadline);
      Thread.sleep(10);
    }
    return replies;
  }

  private List<String> actions() {
    return received.stream().map(message -> message.headers().get(Headers.ACTION)).toList();
  }

  /** Replies as a region would: an echo of the counter name and key, or 400 for counter {@code fail}. */
  private static void answer(Message<JsonObject> message) {
    if (Actions.INCREMENT.equals(message.headers().get(Headers.ACTION))) {
      JsonObject request = message.body();
      if ("fail".equals(request.getString("counter_name"))) {
        ApiError error = ApiError.badRequest("invalid counter_name", "stand-in failure");
        message.fail(error.toReplyCode(), error.toReplyMessage());
      } else {
        message.reply(echo(request, message.headers().get(Headers.IDEMPOTENCY_KEY)));
      }
      return;
    }
    JsonArray results = new JsonArray();
    for (Object item : message.body().getJsonArray("increments")) {
      JsonObject increment = (JsonObject) item;
      JsonObject request = increment.getJsonObject("request");
      if ("fail".equals(request.getString("counter_name"))) {
        ApiError error = ApiError.badRequest("invalid counter_name", "stand-in failure");
        results.add(new JsonObject().put("failure", new JsonObject().put("code", error.toReplyCode()).put("message", error.toReplyMessage())));
      } else {
        results.add(new JsonObject().put("ok", echo(request, increment.getString("key"))));
      }
    }
    message.reply(new JsonObject().put("results", results));
  }

  private static JsonObject echo(JsonObject request, String key) {
    return new JsonObject().put("echo", request.getString("counter_name")).put("key", key);
  }
}
