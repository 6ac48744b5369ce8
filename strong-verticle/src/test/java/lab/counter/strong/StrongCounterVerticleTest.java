package lab.counter.strong;

import static lab.counter.strong.ReplicaCluster.TIMEOUT_MS;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class StrongCounterVerticleTest {

  private static final List<String> ALL_NODES = List.of("us-east-1", "us-west-1", "eu-west-1");

  private Vertx vertx;
  private ReplicaCluster cluster;

  @BeforeEach
  void startCluster(Vertx vertx, VertxTestContext testContext) {
    this.vertx = vertx;
    ReplicaCluster.start(vertx).onComplete(testContext.succeeding(started -> {
      cluster = started;
      testContext.completeNow();
    }));
  }

  @Test
  void incrementAppliesOnEveryReplica(VertxTestContext testContext) {
    cluster.increment(increment("views", 5))
        .compose(response -> {
          testContext.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(200);
            JsonObject body = response.bodyAsJsonObject();
            assertThat(body.getString("counter")).isEqualTo("views");
            assertThat(body.getLong("value")).isEqualTo(5);
            assertThat(body.getString("op_id")).isNotBlank();
            assertThat(body.getJsonArray("regions")).containsExactly("eu-west", "us-east", "us-west");
            assertThat(body.getJsonArray("nodes")).containsExactly("eu-west-1", "us-east-1", "us-west-1");
            assertThat(body.getLong("latency_ms")).isBetween(0L, TIMEOUT_MS);
            assertThat(body.containsKey("pending_nodes")).isFalse();
          });
          return cluster.readReplicas("views");
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          for (JsonObject read : reads) {
            assertThat(read.getLong("value")).isEqualTo(5);
            assertThat(read.getBoolean("pending")).isFalse();
          }
          testContext.completeNow();
        })));
  }

  @Test
  void readAfterAcknowledgedWriteSeesIt(VertxTestContext testContext) {
    Future<Void> chain = Future.succeededFuture();
    for (long round = 1; round <= 5; round++) {
      long expected = round * 2;
      chain = chain
          .compose(previous -> cluster.increment(increment("reads", 2)))
          .compose(write -> {
            testContext.verify(() -> assertThat(write.statusCode()).isEqualTo(200));
            return cluster.get("/counter/reads");
          })
          .map(read -> {
            testContext.verify(() -> {
              assertThat(read.statusCode()).isEqualTo(200);
              JsonObject body = read.bodyAsJsonObject();
              assertThat(body.getString("counter")).isEqualTo("reads");
              assertThat(body.getLong("value")).isEqualTo(expected);
              assertThat(body.getJsonObject("replicas").getMap())
                  .containsOnlyKeys(ALL_NODES)
                  .allSatisfy((node, value) -> assertThat(((Number) value).longValue()).isEqualTo(expected));
              assertThat(body.getLong("query_time_ms")).isNotNull();
            });
            return null;
          });
    }
    chain.onComplete(testContext.succeedingThenComplete());
  }

  @Test
  void concurrentWritesAreSerialized(VertxTestContext testContext) {
    List<Future<HttpResponse<Buffer>>> writes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      writes.add(cluster.increment(increment("burst", 1)));
    }
    Future.all(writes)
        .compose(done -> cluster.get("/counter/burst"))
        .onComplete(testContext.succeeding(read -> testContext.verify(() -> {
          List<Long> values = writes.stream().map(write -> write.result().bodyAsJsonObject().getLong("value")).toList();
          // Each write saw the counter right after itself, so the ten values are 1 to 10 in some order.
          assertThat(values).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
          assertThat(read.bodyAsJsonObject().getLong("value")).isEqualTo(10);
          testContext.completeNow();
        })));
  }

  @Test
  void opIdRetryCountsOnce(VertxTestContext testContext) {
    JsonObject request = increment("orders", 3).put("op_id", "order-42");
    cluster.increment(request)
        .compose(first -> cluster.increment(request).map(second -> List.of(first, second)))
        .compose(both -> {
          testContext.verify(() -> {
            assertThat(both.get(0).statusCode()).isEqualTo(200);
            assertThat(both.get(1).statusCode()).isEqualTo(200);
            assertThat(both.get(1).bodyAsJsonObject()).isEqualTo(both.get(0).bodyAsJsonObject());
            assertThat(both.get(0).bodyAsJsonObject().getString("op_id")).isEqualTo("order-42");
          });
          return cluster.restartService();
        })
        .compose(restarted -> cluster.increment(request))
        .compose(afterRestart -> {
          testContext.verify(() -> {
            assertThat(afterRestart.statusCode()).isEqualTo(200);
            assertThat(afterRestart.bodyAsJsonObject().getLong("value")).isEqualTo(3);
            assertThat(afterRestart.bodyAsJsonObject().getJsonArray("nodes")).hasSize(3);
          });
          return cluster.increment(increment("orders", 4).put("op_id", "order-42"));
        })
        .compose(reused -> {
          testContext.verify(() -> {
            assertThat(reused.statusCode()).isEqualTo(409);
            assertThat(reused.bodyAsJsonObject().getString("error")).isEqualTo("op_id reused");
          });
          return cluster.readReplicas("orders");
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          for (JsonObject read : reads) {
            assertThat(read.getLong("value")).isEqualTo(3);
          }
          testContext.completeNow();
        })));
  }

  @Test
  void idempotencyKeyActsAsOpId(VertxTestContext testContext) {
    JsonObject byField = increment("signups", 2).put("idempotency_key", "signup-7");
    cluster.increment(byField)
        .compose(first -> cluster.increment(byField).map(second -> List.of(first, second)))
        .compose(both -> {
          testContext.verify(() -> {
            assertThat(both.get(0).statusCode()).as(both.get(0).bodyAsString()).isEqualTo(200);
            assertThat(both.get(1).bodyAsJsonObject()).isEqualTo(both.get(0).bodyAsJsonObject());
            assertThat(both.get(0).bodyAsJsonObject().getString("op_id")).isEqualTo("signup-7");
          });
          return cluster.increment(increment("signups", 2), "signup-7");
        })
        .compose(byHeader -> {
          testContext.verify(() -> {
            assertThat(byHeader.statusCode()).as(byHeader.bodyAsString()).isEqualTo(200);
            assertThat(byHeader.bodyAsJsonObject().getLong("value")).as("a replay").isEqualTo(2);
          });
          return cluster.increment(increment("signups", 2), "signup-8");
        })
        .onComplete(testContext.succeeding(another -> testContext.verify(() -> {
          assertThat(another.bodyAsJsonObject().getLong("value")).as("a new key counts").isEqualTo(4);
          testContext.completeNow();
        })));
  }

  @Test
  void regionWithoutLiveNodeFailsAtOnce(VertxTestContext testContext) {
    AtomicLong startedAt = new AtomicLong();
    cluster.stopPresence("eu-west-1")
        .compose(stopped -> cluster.awaitHealth(health -> !health.getBoolean("writable")))
        .compose(health -> {
          startedAt.set(System.nanoTime());
          return cluster.increment(increment("views", 1));
        })
        .compose(response -> {
          long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt.get());
          testContext.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("strong write failed");
            assertThat(response.bodyAsJsonObject().getString("detail")).contains("region eu-west has no live node");
            assertThat(elapsedMillis).isLessThan(TIMEOUT_MS / 2);
          });
          return cluster.readReplicas("views");
        })
        .compose(reads -> {
          testContext.verify(() -> assertUnchanged(reads));
          return cluster.get("/counter/views");
        })
        .onComplete(testContext.succeeding(read -> testContext.verify(() -> {
          assertThat(read.statusCode()).as(read.bodyAsString()).isEqualTo(200);
          assertThat(read.bodyAsJsonObject().getJsonObject("unreachable").getString("eu-west"))
              .isEqualTo("region eu-west has no live node");
          testContext.completeNow();
        })));
  }

  @Test
  void silentReplicaFailsWithinTimeout(VertxTestContext testContext) {
    AtomicLong startedAt = new AtomicLong();
    cluster.unregisterReplica("eu-west-1")
        .compose(unregistered -> vertx.eventBus().consumer(Addresses.nodeStrong("eu-west-1"), message -> {
          // Receives every request and never replies, like a replica behind a dropped link.
        }).completion())
        .compose(silent -> {
          startedAt.set(System.nanoTime());
          return cluster.increment(increment("views", 1));
        })
        .compose(response -> {
          long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt.get());
          testContext.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(503);
            JsonObject body = response.bodyAsJsonObject();
            assertThat(body.getString("error")).isEqualTo("strong write failed");
            assertThat(body.getString("detail")).contains("eu-west-1").contains("timeout").contains("applied nowhere");
            assertThat(elapsedMillis).isLessThanOrEqualTo(TIMEOUT_MS * 11 / 10);
          });
          return cluster.readReplicas("views", List.of("us-east-1", "us-west-1"));
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          assertUnchanged(reads);
          testContext.completeNow();
        })));
  }

  @Test
  void missingReplicaHandlerFailsFast(VertxTestContext testContext) {
    AtomicLong startedAt = new AtomicLong();
    cluster.unregisterReplica("us-west-1")
        .compose(unregistered -> {
          startedAt.set(System.nanoTime());
          return cluster.increment(increment("views", 1));
        })
        .compose(response -> {
          long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt.get());
          testContext.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.bodyAsJsonObject().getString("detail")).contains("node us-west-1 (region us-west)");
            assertThat(elapsedMillis).isLessThan(TIMEOUT_MS / 2);
          });
          return cluster.readReplicas("views", List.of("us-east-1", "eu-west-1"));
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          assertUnchanged(reads);
          testContext.completeNow();
        })));
  }

  @Test
  void isolatedRegionFailsWritesButNotReads(VertxTestContext testContext) {
    cluster.isolated.add("us-west");
    cluster.increment(increment("views", 1))
        .compose(response -> {
          testContext.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.bodyAsJsonObject().getString("detail")).contains("region us-west is isolated");
          });
          return cluster.get("/counter/views");
        })
        .compose(read -> {
          testContext.verify(() -> {
            assertThat(read.statusCode()).isEqualTo(200);
            JsonObject body = read.bodyAsJsonObject();
            assertThat(body.getLong("value")).isZero();
            assertThat(body.getJsonObject("replicas").fieldNames()).containsExactlyInAnyOrder("us-east-1", "eu-west-1");
            assertThat(body.getJsonObject("unreachable").fieldNames()).containsExactly("us-west-1");
          });
          return cluster.readReplicas("views");
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          assertUnchanged(reads);
          testContext.completeNow();
        })));
  }

  @Test
  void busyReplicaFailsAndAbortsTheOthers(VertxTestContext testContext) {
    JsonObject foreignOp = new JsonObject().put("op_id", "foreign").put("counter", "views").put("amount", 1);
    cluster.toReplica("us-west-1", Actions.PREPARE, foreignOp)
        .compose(prepared -> cluster.increment(increment("views", 1)))
        .compose(response -> {
          testContext.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.bodyAsJsonObject().getString("detail")).contains("us-west-1").contains("busy");
          });
          return cluster.readReplicas("views");
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          assertUnchanged(List.of(reads.get(0), reads.get(2)));
          assertThat(reads.get(1).getLong("value")).isZero();
          assertThat(reads.get(1).getBoolean("pending")).isTrue();
          testContext.completeNow();
        })));
  }

  @Test
  void abortedOpIdIsRejectedAsConflict(VertxTestContext testContext) {
    JsonObject abort = new JsonObject().put("op_id", "aborted-op").put("counter", "views");
    cluster.toReplica("us-east-1", Actions.ABORT, abort)
        .compose(aborted -> cluster.increment(increment("views", 1).put("op_id", "aborted-op")))
        .compose(response -> {
          testContext.verify(() -> {
            assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(409);
            assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("op aborted");
            assertThat(response.bodyAsJsonObject().getString("detail")).contains("new op_id");
          });
          return cluster.readReplicas("views");
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          for (JsonObject read : reads) {
            assertThat(read.getLong("value")).isZero();
            assertThat(read.getBoolean("pending")).isFalse();
          }
          testContext.completeNow();
        })));
  }

  @Test
  void invalidInputIsRejected(VertxTestContext testContext) {
    String tooLong = "x".repeat(129);
    List<String> bodies = List.of(
        "{not json",
        "",
        "[1, 2]",
        "{}",
        "{\"counter_name\": 5}",
        "{\"counter_name\": null}",
        "{\"counter_name\": \"\"}",
        "{\"counter_name\": \"" + tooLong + "\"}",
        "{\"counter_name\": \"bad name\"}",
        "{\"counter_name\": \"views\", \"amount\": 0}",
        "{\"counter_name\": \"views\", \"amount\": -3}",
        "{\"counter_name\": \"views\", \"amount\": 1.5}",
        "{\"counter_name\": \"views\", \"amount\": 1e3}",
        "{\"counter_name\": \"views\", \"amount\": 99999999999999999999}",
        "{\"counter_name\": \"views\", \"amount\": \"5\"}",
        "{\"counter_name\": \"views\", \"amount\": true}",
        "{\"counter_name\": \"views\", \"amount\": null}",
        "{\"counter_name\": \"views\", \"op_id\": 42}",
        "{\"counter_name\": \"views\", \"op_id\": \"\"}",
        "{\"counter_name\": \"views\", \"op_id\": \"" + tooLong + "\"}",
        "{\"counter_name\": \"views\", \"idempotency_key\": \"a b\"}",
        "{\"counter_name\": \"views\", \"op_id\": \"op-1\", \"idempotency_key\": \"op-2\"}");
    List<Future<HttpResponse<Buffer>>> responses = new ArrayList<>();
    bodies.forEach(body -> responses.add(cluster.incrementRaw(body)));
    responses.add(cluster.get("/counter/bad%20name"));
    responses.add(cluster.get("/counter/" + tooLong));

    Future.all(responses)
        .compose(done -> {
          testContext.verify(() -> {
            for (int i = 0; i < responses.size(); i++) {
              HttpResponse<Buffer> response = responses.get(i).result();
              String request = i < bodies.size() ? "body " + bodies.get(i) : "read #" + (i - bodies.size());
              assertThat(response.statusCode()).as(request).isEqualTo(400);
              assertThat(response.getHeader("Content-Type")).as(request).isEqualTo("application/json");
              JsonObject error = response.bodyAsJsonObject();
              assertThat(error.getValue("error")).as(request).isInstanceOf(String.class);
              assertThat(error.getValue("detail")).as(request).isInstanceOf(String.class);
            }
          });
          return Future.all(ALL_NODES.stream().map(cluster::replicaStatus).toList());
        })
        .onComplete(testContext.succeeding(statuses -> testContext.verify(() -> {
          for (int i = 0; i < ALL_NODES.size(); i++) {
            JsonObject status = statuses.resultAt(i);
            assertThat(status.getInteger("counters")).as(ALL_NODES.get(i)).isZero();
            assertThat(status.getLong("pending_ops")).as(ALL_NODES.get(i)).isZero();
            assertThat(status.getInteger("decided_ops")).as(ALL_NODES.get(i)).isZero();
          }
          testContext.completeNow();
        })));
  }

  @Test
  void overflowIsRejectedAndAppliedNowhere(VertxTestContext testContext) {
    cluster.increment(increment("big", Long.MAX_VALUE))
        .compose(first -> {
          testContext.verify(() -> assertThat(first.statusCode()).isEqualTo(200));
          return cluster.increment(increment("big", 1));
        })
        .compose(overflow -> {
          testContext.verify(() -> {
            assertThat(overflow.statusCode()).isEqualTo(400);
            assertThat(overflow.bodyAsJsonObject().getString("error")).isEqualTo("overflow");
          });
          return cluster.readReplicas("big");
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          for (JsonObject read : reads) {
            assertThat(read.getLong("value")).isEqualTo(Long.MAX_VALUE);
            assertThat(read.getBoolean("pending")).isFalse();
          }
          testContext.completeNow();
        })));
  }

  @Test
  void unacknowledgedCommitIsRetriedInBackground(VertxTestContext testContext) {
    AtomicBoolean acceptCommits = new AtomicBoolean();
    Checkpoint backgroundCommit = testContext.checkpoint();
    Checkpoint response = testContext.checkpoint();
    cluster.unregisterReplica("eu-west-1")
        .compose(unregistered -> vertx.eventBus().<JsonObject>consumer(Addresses.nodeStrong("eu-west-1"),
            message -> answerAsFlakyReplica(message, acceptCommits, backgroundCommit)).completion())
        .compose(stubbed -> cluster.increment(increment("views", 7)))
        .onComplete(testContext.succeeding(write -> testContext.verify(() -> {
          assertThat(write.statusCode()).isEqualTo(200);
          JsonObject body = write.bodyAsJsonObject();
          assertThat(body.getLong("value")).isEqualTo(7);
          assertThat(body.getJsonArray("nodes")).containsExactly("us-east-1", "us-west-1");
          assertThat(body.getJsonArray("pending_nodes")).containsExactly("eu-west-1");
          assertThat(body.getLong("latency_ms")).isLessThanOrEqualTo(TIMEOUT_MS * 11 / 10);
          acceptCommits.set(true);
          response.flag();
        })));
  }

  @Test
  void eventBusApiIncrementsAndReads(VertxTestContext testContext) {
    request(Actions.INCREMENT, increment("api", 2))
        .compose(written -> {
          testContext.verify(() -> {
            assertThat(written.getLong("value")).isEqualTo(2);
            assertThat(written.getJsonArray("nodes")).hasSize(3);
          });
          return request(Actions.GET, new JsonObject().put("counter_name", "api"));
        })
        .compose(read -> {
          testContext.verify(() -> assertThat(read.getLong("value")).isEqualTo(2));
          return failure(request("bogus", new JsonObject().put("counter_name", "api")));
        })
        .compose(unknownAction -> {
          testContext.verify(() -> assertThat(unknownAction.status()).isEqualTo(400));
          return failure(request(Actions.INCREMENT, increment("api", 0)));
        })
        .onComplete(testContext.succeeding(invalid -> testContext.verify(() -> {
          assertThat(invalid.status()).isEqualTo(400);
          assertThat(invalid.error()).isEqualTo("invalid amount");
          testContext.completeNow();
        })));
  }

  @Test
  void inspectorGetsEveryWrite(VertxTestContext testContext) {
    Checkpoint committed = testContext.checkpoint();
    Checkpoint failed = testContext.checkpoint();
    vertx.eventBus().<JsonObject>consumer(Addresses.INSPECTOR, message -> {
      JsonObject event = message.body();
      if (!"strong-write".equals(event.getString("type"))) {
        return;
      }
      testContext.verify(() -> {
        assertThat(event.getString("op_id")).isIn("inspected-1", "inspected-2");
        assertThat(event.getString("counter")).isEqualTo("views");
        assertThat(event.getLong("latency_ms")).isNotNull();
      });
      if ("committed".equals(event.getString("outcome"))) {
        committed.flag();
      } else if ("failed".equals(event.getString("outcome"))) {
        failed.flag();
      }
    }).completion()
        .compose(registered -> cluster.increment(increment("views", 1).put("op_id", "inspected-1")))
        .onComplete(testContext.succeeding(written -> {
          cluster.isolated.add("eu-west");
          cluster.increment(increment("views", 1).put("op_id", "inspected-2"));
        }));
  }

  @Test
  void healthAndIndexDescribeTheService(VertxTestContext testContext) {
    cluster.get("/health")
        .compose(health -> {
          testContext.verify(() -> {
            assertThat(health.statusCode()).isEqualTo(200);
            JsonObject body = health.bodyAsJsonObject();
            assertThat(body.getString("status")).isEqualTo("UP");
            assertThat(body.getString("node_id")).isEqualTo(StrongCounterVerticle.DEFAULT_NODE_ID);
            assertThat(body.getBoolean("writable")).isTrue();
            assertThat(body.getJsonObject("regions").getJsonObject("eu-west").getJsonArray("live_nodes"))
                .containsExactly("eu-west-1");
          });
          return cluster.get("/");
        })
        .onComplete(testContext.succeeding(index -> testContext.verify(() -> {
          assertThat(index.statusCode()).isEqualTo(200);
          assertThat(index.bodyAsJsonObject().getJsonArray("routes").stream()
              .map(route -> ((JsonObject) route).getString("path")))
              .contains("/increment", "/counter/{name}", "/health");
          testContext.completeNow();
        })));
  }

  /** Replies like a replica whose commits fail with 503 until {@code acceptCommits} is set. */
  private static void answerAsFlakyReplica(Message<JsonObject> message, AtomicBoolean acceptCommits,
      Checkpoint backgroundCommit) {
    String action = message.headers().get(Headers.ACTION);
    if (Actions.PREPARE.equals(action)) {
      message.reply(new JsonObject().put("status", "prepared"));
    } else if (Actions.COMMIT.equals(action) && acceptCommits.get()) {
      message.reply(new JsonObject().put("status", "committed").put("value", 7));
      backgroundCommit.flag();
    } else if (Actions.COMMIT.equals(action)) {
      ApiError down = ApiError.unavailable("unavailable", "the replica is restarting");
      message.fail(down.toReplyCode(), down.toReplyMessage());
    } else {
      message.reply(new JsonObject().put("status", "aborted"));
    }
  }

  private Future<JsonObject> request(String action, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, action);
    return vertx.eventBus().<JsonObject>request(Addresses.STRONG_API, body, options).map(Message::body);
  }

  private static Future<ApiError> failure(Future<?> request) {
    return request.transform(done -> done.succeeded()
        ? Future.failedFuture(new AssertionError("expected a failed reply, got " + done.result()))
        : Future.succeededFuture(ApiError.from(done.cause())));
  }

  private static void assertUnchanged(List<JsonObject> reads) {
    for (JsonObject read : reads) {
      assertThat(read.getLong("value")).as(read.encode()).isZero();
      assertThat(read.getBoolean("pending")).as(read.encode()).isFalse();
    }
  }

  private static JsonObject increment(String counter, long amount) {
    return new JsonObject().put("counter_name", counter).put("amount", amount);
  }
}
