package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class StrongReplicaTest {

  private static final ServiceIdentity NODE =
      new ServiceIdentity(ServiceIdentity.REGION_SERVICE, "us-east-1", "us-east", "incarnation-1", 8001);
  private static final ServiceIdentity SHORT_LEASE_NODE =
      new ServiceIdentity(ServiceIdentity.REGION_SERVICE, "us-west-1", "us-west", "incarnation-1", 8002);
  private static final ServiceIdentity JOURNAL_NODE =
      new ServiceIdentity(ServiceIdentity.REGION_SERVICE, "eu-west-1", "eu-west", "incarnation-1", 8003);
  private static final long LEASE_MS = 10_000;
  private static final long SHORT_LEASE_MS = 200;

  private Vertx vertx;
  private Context replicaContext;
  private StrongReplica replica;

  @BeforeEach
  void registerReplica(Vertx vertx, VertxTestContext testContext) {
    this.vertx = vertx;
    replicaContext = vertx.getOrCreateContext();
    register(NODE, LEASE_MS)
        .onComplete(testContext.succeeding(registered -> {
          replica = registered;
          testContext.completeNow();
        }));
  }

  @Test
  void prepareThenCommitAppliesAmount(VertxTestContext testContext) {
    send(Actions.PREPARE, op("op-1", "views", 5))
        .compose(prepared -> {
          testContext.verify(() -> assertThat(prepared).isEqualTo(new JsonObject().put("status", "prepared")));
          return send(Actions.READ, counter("views"));
        })
        .compose(whilePrepared -> {
          testContext.verify(() -> {
            assertThat(whilePrepared.getLong("value")).isZero();
            assertThat(whilePrepared.getBoolean("pending")).isTrue();
          });
          return send(Actions.COMMIT, op("op-1", "views", 5));
        })
        .compose(committed -> {
          testContext.verify(() -> {
            assertThat(committed.getString("status")).isEqualTo("committed");
            assertThat(committed.getLong("value")).isEqualTo(5);
          });
          return send(Actions.READ, counter("views"));
        })
        .onComplete(testContext.succeeding(read -> testContext.verify(() -> {
          assertThat(read).isEqualTo(new JsonObject().put("counter", "views").put("value", 5L).put("pending", false));
          testContext.completeNow();
        })));
  }

  @Test
  void commitIsIdempotent(VertxTestContext testContext) {
    send(Actions.PREPARE, op("op-1", "views", 5))
        .compose(prepared -> send(Actions.COMMIT, op("op-1", "views", 5)))
        .compose(first -> send(Actions.COMMIT, op("op-1", "views", 5)))
        .compose(second -> {
          testContext.verify(() -> {
            assertThat(second.getString("status")).isEqualTo("committed");
            assertThat(second.getLong("value")).isEqualTo(5);
          });
          return send(Actions.PREPARE, op("op-1", "views", 5));
        })
        .compose(preparedAgain -> {
          testContext.verify(() -> {
            assertThat(preparedAgain.getString("status")).isEqualTo("committed");
            assertThat(preparedAgain.getLong("value")).isEqualTo(5);
          });
          return send(Actions.READ, counter("views"));
        })
        .onComplete(testContext.succeeding(read -> testContext.verify(() -> {
          assertThat(read.getLong("value")).isEqualTo(5);
          assertThat(read.getBoolean("pending")).isFalse();
          testContext.completeNow();
        })));
  }

  @Test
  void commitWithoutPrepareApplies(VertxTestContext testContext) {
    send(Actions.COMMIT, op("op-late", "views", 7))
        .compose(committed -> send(Actions.READ, counter("views")))
        .onComplete(testContext.succeeding(read -> testContext.verify(() -> {
          assertThat(read.getLong("value")).isEqualTo(7);
          testContext.completeNow();
        })));
  }

  @Test
  void secondPrepareOnSameCounterIsBusy(VertxTestContext testContext) {
    send(Actions.PREPARE, op("op-1", "views", 1))
        .compose(prepared -> failure(send(Actions.PREPARE, op("op-2", "views", 1))))
        .compose(busy -> {
          testContext.verify(() -> {
            assertThat(busy.status()).isEqualTo(409);
            assertThat(busy.error()).isEqualTo("busy");
            assertThat(busy.detail()).contains("op-1");
          });
          return send(Actions.PREPARE, op("op-3", "clicks", 1));
        })
        .compose(otherCounter -> {
          testContext.verify(() -> assertThat(otherCounter.getString("status")).isEqualTo("prepared"));
          return send(Actions.PREPARE, op("op-1", "views", 1));
        })
        .onComplete(testContext.succeeding(repeated -> testContext.verify(() -> {
          assertThat(repeated.getString("status")).isEqualTo("prepared");
          testContext.completeNow();
        })));
  }

  @Test
  void abortReleasesCounterAndRejectsOp(VertxTestContext testContext) {
    send(Actions.PREPARE, op("op-1", "views", 4))
        .compose(prepared -> send(Actions.ABORT, new JsonObject().put("op_id", "op-1").put("counter", "views")))
        .compose(aborted -> {
          testContext.verify(() -> assertThat(aborted.getString("status")).isEqualTo("aborted"));
          return send(Actions.READ, counter("views"));
        })
        .compose(read -> {
          testContext.verify(() -> {
            assertThat(read.getLong("value")).isZero();
            assertThat(read.getBoolean("pending")).isFalse();
          });
          return failure(send(Actions.PREPARE, op("op-1", "views", 4)));
        })
        .compose(preparedAfterAbort -> {
          testContext.verify(() -> {
            assertThat(preparedAfterAbort.status()).isEqualTo(409);
            assertThat(preparedAfterAbort.error()).isEqualTo("aborted");
          });
          return failure(send(Actions.COMMIT, op("op-1", "views", 4)));
        })
        .compose(committedAfterAbort -> {
          testContext.verify(() -> assertThat(committedAfterAbort.status()).isEqualTo(409));
          return send(Actions.PREPARE, op("op-2", "views", 1));
        })
        .onComplete(testContext.succeeding(next -> testContext.verify(() -> {
          assertThat(next.getString("status")).isEqualTo("prepared");
          testContext.completeNow();
        })));
  }

  @Test
  void abortOfCommittedOpIsRejected(VertxTestContext testContext) {
    send(Actions.COMMIT, op("op-1", "views", 3))
        .compose(committed -> failure(send(Actions.ABORT, new JsonObject().put("op_id", "op-1"))))
        .compose(rejected -> {
          testContext.verify(() -> {
            assertThat(rejected.status()).isEqualTo(409);
            assertThat(rejected.error()).isEqualTo("already committed");
          });
          return send(Actions.READ, counter("views"));
        })
        .onComplete(testContext.succeeding(read -> testContext.verify(() -> {
          assertThat(read.getLong("value")).isEqualTo(3);
          testContext.completeNow();
        })));
  }

  @Test
  void prepareThatWouldOverflowIsRejected(VertxTestContext testContext) {
    send(Actions.COMMIT, op("op-1", "views", Long.MAX_VALUE - 1))
        .compose(committed -> failure(send(Actions.PREPARE, op("op-2", "views", 2))))
        .compose(rejected -> {
          testContext.verify(() -> {
            assertThat(rejected.status()).isEqualTo(400);
            assertThat(rejected.error()).isEqualTo("overflow");
          });
          return send(Actions.READ, counter("views"));
        })
        .compose(read -> {
          testContext.verify(() -> {
            assertThat(read.getLong("value")).isEqualTo(Long.MAX_VALUE - 1);
            assertThat(read.getBoolean("pending")).isFalse();
          });
          return send(Actions.PREPARE, op("op-3", "views", 1));
        })
        .onComplete(testContext.succeeding(fits -> testContext.verify(() -> {
          assertThat(fits.getString("status")).isEqualTo("prepared");
          testContext.completeNow();
        })));
  }

  @Test
  void expiredPrepareReleasesCounter(VertxTestContext testContext) {
    register(SHORT_LEASE_NODE, SHORT_LEASE_MS)
        .compose(registered -> send(SHORT_LEASE_NODE, Actions.PREPARE, op("op-1", "views", 5)))
        .compose(prepared -> failure(send(SHORT_LEASE_NODE, Actions.PREPARE, op("op-2", "views", 1))))
        .compose(busy -> {
          testContext.verify(() -> assertThat(busy.error()).isEqualTo("busy"));
          return delay(SHORT_LEASE_MS + 100);
        })
        .compose(waited -> send(SHORT_LEASE_NODE, Actions.READ, counter("views")))
        .compose(read -> {
          testContext.verify(() -> assertThat(read.getBoolean("pending")).isFalse());
          return send(SHORT_LEASE_NODE, Actions.PREPARE, op("op-2", "views", 1));
        })
        .compose(preparedAfterExpiry -> {
          testContext.verify(() -> assertThat(preparedAfterExpiry.getString("status")).isEqualTo("prepared"));
          // The expired op was released, not aborted, so its late commit still applies.
          return send(SHORT_LEASE_NODE, Actions.COMMIT, op("op-1", "views", 5));
        })
        .compose(lateCommit -> send(SHORT_LEASE_NODE, Actions.COMMIT, op("op-2", "views", 1)))
        .onComplete(testContext.succeeding(committed -> testContext.verify(() -> {
          assertThat(committed.getLong("value")).isEqualTo(6);
          testContext.completeNow();
        })));
  }

  @Test
  void invalidRequestsAreRejected(VertxTestContext testContext) {
    List<Future<ApiError>> failures = List.of(
        failure(send(Actions.PREPARE, new JsonObject().put("counter", "views").put("amount", 1))),
        failure(send(Actions.PREPARE, new JsonObject().put("op_id", "").put("counter", "views").put("amount", 1))),
        failure(send(Actions.PREPARE, new JsonObject().put("op_id", "op-1").put("amount", 1))),
        failure(send(Actions.PREPARE, new JsonObject().put("op_id", "op-1").put("counter", "views"))),
        failure(send(Actions.COMMIT, op("op-1", "views", 0))),
        failure(send(Actions.COMMIT, new JsonObject().put("op_id", "op-1").put("counter", "views").put("amount", 1.5))),
        failure(send(Actions.READ, new JsonObject().put("counter", 42))),
        failure(send("increment", counter("views"))),
        failure(sendRaw(NODE, Actions.READ, "views")));
    Future.all(failures)
        .compose(done -> send(Actions.READ, counter("views")))
        .onComplete(testContext.succeeding(read -> testContext.verify(() -> {
          for (Future<ApiError> failure : failures) {
            assertThat(failure.result().status()).isEqualTo(400);
          }
          assertThat(read.getLong("value")).isZero();
          assertThat(read.getBoolean("pending")).isFalse();
          testContext.completeNow();
        })));
  }

  @Test
  void repliesCarryRegionHeaders(VertxTestContext testContext) {
    List<MultiMap> replyHeaders = new CopyOnWriteArrayList<>();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (!delivery.message().address().equals(Addresses.nodeStrong(NODE.nodeId()))) {
        replyHeaders.add(delivery.message().headers());
      }
      delivery.next();
    });
    send(Actions.PREPARE, op("op-1", "views", 1))
        .compose(prepared -> failure(send(Actions.PREPARE, op("op-2", "views", 1))))
        .onComplete(testContext.succeeding(busy -> testContext.verify(() -> {
          assertThat(replyHeaders).hasSize(2);
          for (MultiMap headers : replyHeaders) {
            assertThat(headers.get(Headers.FROM_REGION)).isEqualTo("us-east");
            assertThat(headers.get(Headers.TO_REGION)).isEqualTo("strong");
          }
          testContext.completeNow();
        })));
  }

  @Test
  void statusCountsCountersAndPendingOps(VertxTestContext testContext) {
    send(Actions.COMMIT, op("op-1", "views", 2))
        .compose(committed -> send(Actions.PREPARE, op("op-2", "clicks", 1)))
        .compose(prepared -> onReplicaContext(() -> replica.status()))
        .onComplete(testContext.succeeding(status -> testContext.verify(() -> {
          assertThat(status.getString("node_id")).isEqualTo("us-east-1");
          assertThat(status.getInteger("counters")).isEqualTo(1);
          assertThat(status.getLong("pending_ops")).isEqualTo(1);
          assertThat(status.getJsonArray("pending").getJsonObject(0).getString("op_id")).isEqualTo("op-2");
          assertThat(status.getInteger("decided_ops")).isEqualTo(1);
          testContext.completeNow();
        })));
  }

  @Test
  void restartFromJournalKeepsDecisions(VertxTestContext testContext) {
    RecordingJournal journal = new RecordingJournal();
    registerJournaled(journal)
        .compose(first -> send(JOURNAL_NODE, Actions.COMMIT, op("op-1", "views", 5))
            .compose(committed -> send(JOURNAL_NODE, Actions.ABORT, new JsonObject().put("op_id", "op-2")))
            .compose(aborted -> first.unregister()))
        .compose(unregistered -> registerJournaled(journal))
        .compose(restarted -> send(JOURNAL_NODE, Actions.READ, counter("views")))
        .compose(read -> {
          testContext.verify(() -> assertThat(read.getLong("value")).as("value after the restart").isEqualTo(5));
          return send(JOURNAL_NODE, Actions.COMMIT, op("op-1", "views", 5));
        })
        .compose(retried -> send(JOURNAL_NODE, Actions.READ, counter("views")))
        .compose(read -> {
          testContext.verify(() -> assertThat(read.getLong("value")).as("a retried commit applies once").isEqualTo(5));
          return failure(send(JOURNAL_NODE, Actions.PREPARE, op("op-2", "views", 1)));
        })
        .compose(aborted -> {
          testContext.verify(() -> assertThat(aborted.error()).isEqualTo("aborted"));
          return send(JOURNAL_NODE, Actions.COMMIT, op("op-3", "views", 2));
        })
        .onComplete(testContext.succeeding(committed -> testContext.verify(() -> {
          assertThat(committed.getLong("value")).isEqualTo(7);
          assertThat(journal.values).containsEntry("views", 7L);
          testContext.completeNow();
        })));
  }

  @Test
  void commitRepliesOnceJournalHasIt(VertxTestContext testContext) {
    RecordingJournal journal = new RecordingJournal();
    journal.hold = Promise.promise();
    List<JsonObject> replies = new CopyOnWriteArrayList<>();
    registerJournaled(journal)
        .compose(registered -> {
          send(JOURNAL_NODE, Actions.COMMIT, op("op-1", "views", 3)).onSuccess(replies::add);
          return delay(300);
        })
        .compose(waited -> {
          testContext.verify(() -> assertThat(replies).as("replies before the journal write completes").isEmpty());
          journal.hold.complete();
          return delay(300);
        })
        .onComplete(testContext.succeeding(waited -> testContext.verify(() -> {
          assertThat(replies).hasSize(1);
          assertThat(replies.get(0).getLong("value")).isEqualTo(3);
          testContext.completeNow();
        })));
  }

  /** A journal in memory; a commit's future waits for {@code hold} when it is set. */
  private static final class RecordingJournal implements StrongReplica.Journal {
    final Map<String, Long> values = new ConcurrentHashMap<>();
    final Map<String, Long> decided = new ConcurrentHashMap<>();
    volatile Promise<Void> hold;

    @Override
    public Future<Void> committed(String counter, long value, String opId) {
      values.put(counter, value);
      decided.put(opId, value);
      return hold == null ? Future.succeededFuture() : hold.future();
    }

    @Override
    public void aborted(String opId) {
      decided.put(opId, -1L);
    }

    @Override
    public void forgotten(String opId) {
      decided.remove(opId);
    }
  }

  private Future<StrongReplica> registerJournaled(RecordingJournal journal) {
    Promise<StrongReplica> promise = Promise.promise();
    replicaContext.runOnContext(ignored -> {
      StrongReplica registered = StrongReplica.register(vertx, JOURNAL_NODE, LEASE_MS, journal,
          Map.copyOf(journal.values), Map.copyOf(journal.decided));
      registered.ready().map(registered).onComplete(promise);
    });
    return promise.future();
  }

  private Future<StrongReplica> register(ServiceIdentity node, long leaseMillis) {
    Promise<StrongReplica> promise = Promise.promise();
    replicaContext.runOnContext(ignored -> {
      StrongReplica registered = StrongReplica.register(vertx, node, leaseMillis);
      registered.ready().map(registered).onComplete(promise);
    });
    return promise.future();
  }

  private <T> Future<T> onReplicaContext(java.util.function.Supplier<T> action) {
    Promise<T> promise = Promise.promise();
    replicaContext.runOnContext(ignored -> promise.complete(action.get()));
    return promise.future();
  }

  private Future<JsonObject> send(String action, JsonObject body) {
    return send(NODE, action, body);
  }

  private Future<JsonObject> send(ServiceIdentity node, String action, JsonObject body) {
    return sendRaw(node, action, body).map(reply -> (JsonObject) reply);
  }

  private Future<Object> sendRaw(ServiceIdentity node, String action, Object body) {
    DeliveryOptions options = new DeliveryOptions()
        .addHeader(Headers.ACTION, action)
        .addHeader(Headers.FROM_REGION, "strong")
        .addHeader(Headers.TO_REGION, node.region())
        .addHeader(Headers.FROM_NODE, "strong-1");
    return vertx.eventBus().request(Addresses.nodeStrong(node.nodeId()), body, options).map(Message::body);
  }

  /** Returns the decoded failure of {@code request}, or fails if it succeeded. */
  private static Future<ApiError> failure(Future<?> request) {
    return request.transform(done -> done.succeeded()
        ? Future.failedFuture(new AssertionError("expected a failed reply, got " + done.result()))
        : Future.succeededFuture(ApiError.from(done.cause())));
  }

  private Future<Void> delay(long millis) {
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(millis, id -> promise.complete());
    return promise.future();
  }

  private static JsonObject op(String opId, String counter, long amount) {
    return new JsonObject().put("op_id", opId).put("counter", counter).put("amount", amount);
  }

  private static JsonObject counter(String counter) {
    return new JsonObject().put("counter", counter);
  }
}
