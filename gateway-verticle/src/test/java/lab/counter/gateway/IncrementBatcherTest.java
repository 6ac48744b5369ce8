package lab.counter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.IncrementBatch;
import lab.counter.common.protocol.IncrementBatchCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link IncrementBatcher} and {@link BatchGate} against stand-in regions on a local event bus,
 * which reply after a delay so that increments queue up behind the message in flight. The
 * stand-in replies to each increment with its amount as both counts, so a reply shows which
 * increment it belongs to. Counter {@code fail} gets a 400, as an invalid one would from a region,
 * and counter {@code odd} gets a reply of another shape.
 */
@DisplayName("IncrementBatcher and BatchGate")
class IncrementBatcherTest {

  private static final String EAST = "us-east";
  private static final String WEST = "us-west";
  private static final long REPLY_DELAY_MS = 100;
  /** A reply delay below {@link BatchGate#STALL_MILLIS}, so that the reply, not the stall timer, releases the gate. */
  private static final long QUICK_REPLY_DELAY_MS = 5;
  private static final long TIMEOUT_MS = 1000;

  private Vertx vertx;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  /** Regions whose stand-in never replies. */
  private final List<String> silent = new CopyOnWriteArrayList<>();
  private volatile boolean shortReplies;
  private volatile long replyDelayMs = REPLY_DELAY_MS;
  private final List<Long> repliedAtNanos = new CopyOnWriteArrayList<>();

  private record Received(String region, String action, List<IncrementBatch.Increment> increments, long atMillis, long atNanos) {}

  @BeforeEach
  void startStandIns() throws Exception {
    vertx = Vertx.vertx();
    for (String region : List.of(EAST, WEST)) {
      vertx.eventBus().<IncrementBatch>consumer(Addresses.regionApi(region), message -> {
        IncrementBatch.Request request = (IncrementBatch.Request) message.body();
        received.add(new Received(region, message.headers().get(Headers.ACTION), request.increments(), System.currentTimeMillis(),
            System.nanoTime()));
        if (!silent.contains(region)) {
          vertx.setTimer(replyDelayMs, timer -> answer(region, message, request));
        }
      }).completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("increments queued behind the message in flight go in one batch, each with its own result")
  void queuedIncrementsBatched() throws Exception {
    List<Future<JsonObject>> replies = sendAll(EAST, 10);

    for (int i = 0; i < 10; i++) {
      Future<JsonObject> reply = replies.get(i);
      if (i == 4) {
        assertThat(reply.failed()).as("increment " + i).isTrue();
        assertThat(ApiError.from(reply.cause()).status()).isEqualTo(400);
      } else if (i == 5) {
        assertThat(reply.result().getString("shape")).as("a reply of another shape, passed on").isEqualTo("other");
      } else {
        assertThat(reply.succeeded()).as("increment " + i + ": " + reply.cause()).isTrue();
        assertThat(reply.result()).isEqualTo(new JsonObject()
            .put("counter", "c" + i).put("region", EAST).put("node_id", EAST + "-1")
            .put("local_count", (long) i + 1).put("total_count", (long) i + 1));
      }
    }
    assertThat(received).extracting(Received::action).containsOnly(Actions.INCREMENT_BATCH);
    assertThat(received).extracting(message -> message.increments().size())
        .as("the first goes at once, the rest wait for it").containsExactly(BatchGate.MAX_ACTIVE, 10 - BatchGate.MAX_ACTIVE);
    assertThat(received.get(1).increments().get(0)).isEqualTo(new IncrementBatch.Increment("c1", 2, "k1"));
  }

  @Test
  @DisplayName("status counts messages of one increment too")
  void statusCountsEveryMessage() throws Exception {
    AtomicReference<IncrementBatcher> batcher = new AtomicReference<>();
    List<Future<JsonObject>> replies = new ArrayList<>();
    onContext(() -> {
      batcher.set(batcher(EAST, new BatchGate(vertx)));
      for (int i = 0; i < 3; i++) {
        replies.add(batcher.get().send(new IncrementBatch.Increment("c" + i, 1, null), false));
      }
    });
    awaitAll(replies);
    List<Future<JsonObject>> alone = new ArrayList<>();
    onContext(() -> alone.add(batcher.get().send(new IncrementBatch.Increment("c9", 1, null), false)));
    awaitAll(alone);

    CompletableFuture<JsonObject> read = new CompletableFuture<>();
    onContext(() -> read.complete(batcher.get().status()));
    JsonObject status = read.get(5, TimeUnit.SECONDS);
    assertThat(status.getLong("messages_sent")).as(status.encode()).isEqualTo(3);
    assertThat(status.getLong("increments_sent")).as(status.encode()).isEqualTo(4);
    assertThat(status.getInteger("queued")).as(status.encode()).isZero();
    assertThat(status.getInteger("in_flight")).as(status.encode()).isZero();
  }

  @Test
  @DisplayName("one increment at a time goes alone")
  void singleIncrementAlone() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(sendAll(EAST, 1).get(0).result().getString("counter")).isEqualTo("c0");
    }

    assertThat(received).extracting(message -> message.increments().size()).containsExactly(1, 1, 1);
  }

  @Test
  @DisplayName("a region's increments wait while another region's message holds the gate")
  void gateSharedByRegions() throws Exception {
    replyDelayMs = QUICK_REPLY_DELAY_MS;
    List<Future<JsonObject>> replies = new ArrayList<>();
    onContext(() -> {
      BatchGate gate = new BatchGate(vertx);
      IncrementBatcher east = batcher(EAST, gate);
      IncrementBatcher west = batcher(WEST, gate);
      replies.add(east.send(new IncrementBatch.Increment("east_a", 1, null), false));
      replies.add(west.send(new IncrementBatch.Increment("west_a", 1, null), false));
      replies.add(west.send(new IncrementBatch.Increment("west_b", 1, null), false));
    });
    awaitAll(replies);

    assertThat(received).extracting(Received::region).containsExactly(EAST, WEST);
    assertThat(received.get(1).increments()).hasSize(2);
    assertThat(received.get(1).atNanos()).as("us-west's message waits for us-east's reply").isGreaterThan(repliedAtNanos.get(0));
  }

  @Test
  @DisplayName("a silent region holds the gate for the stall time only, and its increments time out")
  void stalledRegionReleasesGate() throws Exception {
    silent.add(EAST);
    List<Future<JsonObject>> replies = new ArrayList<>();
    onContext(() -> {
      BatchGate gate = new BatchGate(vertx);
      replies.add(batcher(EAST, gate).send(new IncrementBatch.Increment("east_a", 1, null), false));
      replies.add(batcher(WEST, gate).send(new IncrementBatch.Increment("west_a", 1, null), false));
    });
    awaitAll(replies);

    assertThat(replies.get(1).succeeded()).as("us-west answered").isTrue();
    long waited = received.get(1).atMillis() - received.get(0).atMillis();
    assertThat(waited).as("us-west's message waited for the stall time, not the timeout")
        .isBetween(BatchGate.STALL_MILLIS - 5, TIMEOUT_MS / 2);
    assertThat(replies.get(0).cause()).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) replies.get(0).cause()).failureType()).isEqualTo(ReplyFailure.TIMEOUT);
  }

  @Test
  @DisplayName("a reply with too few results fails every increment of the batch with 500")
  void shortReplyFailsBatch() throws Exception {
    shortReplies = true;

    List<Future<JsonObject>> replies = sendAll(EAST, 3);

    assertThat(replies.get(0).succeeded()).as("the first increment, alone in its batch, has its one result").isTrue();
    for (Future<JsonObject> reply : replies.subList(1, 3)) {
      assertThat(reply.failed()).isTrue();
      assertThat(ApiError.from(reply.cause()).status()).isEqualTo(500);
    }
  }

  /**
   * Sends {@code count} increments at once to {@code region} from the event loop: counter
   * {@code c<i>} with amount i + 1 and key {@code k<i>}, the fifth named {@code fail} and the sixth
   * {@code odd}; waits for all.
   */
  private List<Future<JsonObject>> sendAll(String region, int count) throws Exception {
    List<Future<JsonObject>> replies = new ArrayList<>();
    onContext(() -> {
      IncrementBatcher batcher = batcher(region, new BatchGate(vertx));
      for (int i = 0; i < count; i++) {
        String name = "c" + i;
        if (i == 4) {
          name = "fail";
        } else if (i == 5) {
          name = "odd";
        }
        replies.add(batcher.send(new IncrementBatch.Increment(name, i + 1, "k" + i), false));
      }
    });
    awaitAll(replies);
    return replies;
  }

  private IncrementBatcher batcher(String region, BatchGate gate) {
    return new IncrementBatcher(vertx, region, TIMEOUT_MS, new SimpleMeterRegistry(), gate, () -> {});
  }

  private void onContext(Runnable action) {
    vertx.runOnContext(ignored -> action.run());
  }

  private static void awaitAll(List<Future<JsonObject>> replies) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5 * TIMEOUT_MS;
    do {
      Thread.sleep(10);
      assertThat(System.currentTimeMillis()).as("every increment settled").isLessThan(deadline);
    } while (replies.isEmpty() || !replies.stream().allMatch(Future::isComplete));
  }

  /** Replies as a region would, in the batch codec. */
  private void answer(String region, Message<IncrementBatch> message, IncrementBatch.Request request) {
    List<IncrementBatch.Result> results = new ArrayList<>();
    for (IncrementBatch.Increment increment : request.increments()) {
      if (shortReplies && !results.isEmpty()) {
        break;
      }
      if ("fail".equals(increment.counterName())) {
        ApiError error = ApiError.badRequest("invalid counter_name", "stand-in failure");
        results.add(new IncrementBatch.Failed(error.toReplyCode(), error.toReplyMessage()));
      } else if ("odd".equals(increment.counterName())) {
        results.add(new IncrementBatch.OtherReply(new JsonObject().put("shape", "other")));
      } else {
        results.add(new IncrementBatch.Applied(increment.amount(), increment.amount(), false));
      }
    }
    repliedAtNanos.add(System.nanoTime());
    message.reply(new IncrementBatch.Reply(region, region + "-1", results), new DeliveryOptions().setCodecName(IncrementBatchCodec.NAME));
  }
}
