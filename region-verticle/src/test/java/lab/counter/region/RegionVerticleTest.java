package lab.counter.region;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.SyncMessage;
import lab.counter.common.protocol.SyncMessageCodec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP and event-bus handlers of a counter node, on two real nodes of different regions
 * (us-east-1 and us-west-1) in one non-clustered Vert.x. They sync over the local event bus only
 * when a test forces a round, see {@link TestRegionNode}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
@DisplayName("RegionVerticle")
class RegionVerticleTest {

  private static final String EAST = "us-east";
  private static final String WEST = "us-west";
  private static final String EAST_NODE = "us-east-1";
  private static final String WEST_NODE = "us-west-1";
  private static final long MAX = Long.MAX_VALUE;
  private static final long SYNC_REPLY_TIMEOUT_MS = 1000;
  private static final long PARTITION_APPLIED_TIMEOUT_MS = 2000;
  private static final SyncMessageCodec SYNC_CODEC = new SyncMessageCodec();

  private Vertx vertx;
  private TestHttp http;
  private TestRegionNode east;
  private TestRegionNode west;

  @BeforeEach
  void deployTwoRegions(Vertx vertx, VertxTestContext testContext) {
    this.vertx = vertx;
    this.http = new TestHttp(vertx);
    Future<TestRegionNode> eastDeployed = TestRegionNode.deploy(vertx, EAST);
    Future<TestRegionNode> westDeployed = TestRegionNode.deploy(vertx, WEST);
    Future.all(eastDeployed, westDeployed)
        .compose(deployed -> {
          east = eastDeployed.result();
          west = westDeployed.result();
          return Future.all(east.awaitReady(http), west.awaitReady(http));
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  @DisplayName("POST /increment returns the node's view")
  void incrementReturnsView(VertxTestContext testContext) {
    Checkpoint firstIncrement = testContext.checkpoint();
    Checkpoint defaultAmount = testContext.checkpoint();

    increment(east, "views", 5)
        .compose(first -> {
          testContext.verify(() -> {
            assertThat(first.fieldNames())
                .containsExactlyInAnyOrder("counter", "region", "node_id", "local_count", "total_count");
            assertThat(first.getString("counter")).isEqualTo("views");
            assertThat(first.getString("region")).isEqualTo(EAST);
            assertThat(first.getString("node_id")).isEqualTo(EAST_NODE);
            assertThat(first.getLong("local_count")).isEqualTo(5);
            assertThat(first.getLong("total_count")).isEqualTo(5);
            firstIncrement.flag();
          });
          return http.postJson(east.port(), "/increment", new JsonObject().put("counter_name", "views"));
        })
        .onComplete(testContext.succeeding(second -> testContext.verify(() -> {
          assertThat(second.getLong("local_count")).as("amount defaults to 1").isEqualTo(6);
          assertThat(second.getLong("total_count")).isEqualTo(6);
          defaultAmount.flag();
        })));
  }

  @Test
  @DisplayName("GET /counter shows nodes, unknown reads 0")
  void readCounterAddsNodes(VertxTestContext testContext) {
    Checkpoint knownCounter = testContext.checkpoint();
    Checkpoint unknownCounter = testContext.checkpoint();
    Checkpoint nothingCreated = testContext.checkpoint();

    increment(east, "views", 3)
        .compose(incremented -> read(east, "views"))
        .compose(view -> {
          testContext.verify(() -> {
            assertThat(view.getString("counter")).isEqualTo("views");
            assertThat(view.getString("region")).isEqualTo(EAST);
            assertThat(view.getString("node_id")).isEqualTo(EAST_NODE);
            assertThat(view.getLong("local_count")).isEqualTo(3);
            assertThat(view.getLong("total_count")).isEqualTo(3);
            assertThat(view.getJsonObject("nodes").getMap()).containsExactly(Map.entry(EAST_NODE, 3));
            assertThat(view.getBoolean("network_partition")).isFalse();
            knownCounter.flag();
          });
          return read(east, "never-written");
        })
        .compose(unknown -> {
          testContext.verify(() -> {
            assertThat(unknown.getString("counter")).isEqualTo("never-written");
            assertThat(unknown.getLong("local_count")).isZero();
            assertThat(unknown.getLong("total_count")).isZero();
            assertThat(unknown.getJsonObject("nodes")).isEmpty();
            unknownCounter.flag();
          });
          return http.getJson(east.port(), "/counters");
        })
        .onComplete(testContext.succeeding(list -> testContext.verify(() -> {
          assertThat(list.getInteger("total_counters")).isEqualTo(1);
          assertThat(list.getJsonObject("counters").fieldNames()).containsExactly("views");
          nothingCreated.flag();
        })));
  }

  @Test
  @DisplayName("GET /counters pages by name")
  void listCountersPages(VertxTestContext testContext) {
    Checkpoint allCounters = testContext.checkpoint();
    Checkpoint firstPage = testContext.checkpoint();
    Checkpoint middlePage = testContext.checkpoint();
    Checkpoint lastPage = testContext.checkpoint();

    inOrder(List.of("page-d", "page-b", "page-e", "page-a", "page-c"), name -> increment(east, name, 1))
        .compose(created -> http.getJson(east.port(), "/counters"))
        .compose(all -> {
          testContext.verify(() -> {
            assertThat(all.getString("region")).isEqualTo(EAST);
            assertThat(all.getString("node_id")).isEqualTo(EAST_NODE);
            assertThat(all.getInteger("total_counters")).isEqualTo(5);
            assertThat(all.getInteger("returned")).isEqualTo(5);
            assertThat(all.getBoolean("truncated")).isFalse();
            assertThat(all.getJsonObject("counters").fieldNames())
                .containsExactly("page-a", "page-b", "page-c", "page-d", "page-e");
            assertThat(all.getJsonObject("counters").getLong("page-c")).isEqualTo(1);
            allCounters.flag();
          });
          return http.getJson(east.port(), "/counters?limit=2");
        })
        .compose(first -> {
          testContext.verify(() -> {
            assertThat(first.getInteger("returned")).isEqualTo(2);
            assertThat(first.getBoolean("truncated")).isTrue();
            assertThat(first.getJsonObject("counters").fieldNames()).containsExactly("page-a", "page-b");
            firstPage.flag();
          });
          return http.getJson(east.port(), "/counters?limit=2&after=page-b");
        })
        .compose(middle -> {
          testContext.verify(() -> {
            assertThat(middle.getJsonObject("counters").fieldNames()).containsExactly("page-c", "page-d");
            assertThat(middle.getInteger("total_counters")).isEqualTo(5);
            middlePage.flag();
          });
          return http.getJson(east.port(), "/counters?limit=2&after=page-d");
        })
        .onComplete(testContext.succeeding(last -> testContext.verify(() -> {
          assertThat(last.getJsonObject("counters").fieldNames()).containsExactly("page-e");
          assertThat(last.getInteger("returned")).isEqualTo(1);
          assertThat(last.getBoolean("truncated")).isFalse();
          lastPage.flag();
        })));
  }

  @Test
  @DisplayName("health is UP, status lists the peer")
  void healthAndStatus(VertxTestContext testContext) {
    Checkpoint healthy = testContext.checkpoint();
    Checkpoint status = testContext.checkpoint();

    http.get(east.port(), "/health")
        .compose(response -> {
          testContext.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(200);
            JsonObject health = response.bodyAsJsonObject();
            assertThat(health.getString("status")).isEqualTo("UP");
            assertThat(health.getString("region")).isEqualTo(EAST);
            assertThat(health.getString("node_id")).isEqualTo(EAST_NODE);
            assertThat(health.getString("incarnation")).isNotBlank();
            assertThat(health.getBoolean("network_partition")).isFalse();
            assertThat(health.getInteger("counters")).isZero();
            healthy.flag();
          });
          // Under load, us-west may announce itself only after us-east's start-up sync, which
          // then had no peer to reach; a forced round makes the exchange certain.
          return http.postJson(east.port(), "/admin/force-sync");
        })
        .compose(forced -> http.getJson(east.port(), "/status"))
        .onComplete(testContext.succeeding(body -> testContext.verify(() -> {
          assertThat(body.getLong("sync_interval_ms")).isEqualTo(TestRegionNode.SYNC_INTERVAL_MS);
          JsonObject peer = body.getJsonObject("sync").getJsonObject("peers").getJsonObject(WEST_NODE);
          assertThat(peer).as("peer after a sync round").isNotNull();
          assertThat(peer.getString("region")).isEqualTo(WEST);
          assertThat(peer.getString("last_status")).isEqualTo("success");
          assertThat(body.getJsonObject("partition").getJsonArray("isolated_regions")).isEmpty();
          status.flag();
        })));
  }

  @Test
  @DisplayName("force-sync spreads an increment")
  void forceSyncSpreadsIncrement(VertxTestContext testContext) {
    Checkpoint notYetSynced = testContext.checkpoint();
    Checkpoint roundSucceeded = testContext.checkpoint();
    Checkpoint westSeesIncrement = testContext.checkpoint();

    increment(east, "synced", 4)
        .compose(incremented -> read(west, "synced"))
        .compose(before -> {
          testContext.verify(() -> {
            assertThat(before.getLong("total_count")).isZero();
            notYetSynced.flag();
          });
          return http.postJson(east.port(), "/admin/force-sync");
        })
        .compose(round -> {
          testContext.verify(() -> {
            assertThat(round.getString("node_id")).isEqualTo(EAST_NODE);
            assertThat(round.getBoolean("full")).isFalse();
            assertThat(round.getJsonObject("peers").getMap()).containsExactly(Map.entry(WEST_NODE, "success"));
            roundSucceeded.flag();
          });
          return read(west, "synced");
        })
        .onComplete(testContext.succeeding(after -> testContext.verify(() -> {
          assertThat(after.getLong("total_count")).isEqualTo(4);
          assertThat(after.getLong("local_count")).isZero();
          assertThat(after.getJsonObject("nodes").getMap()).containsExactly(Map.entry(EAST_NODE, 4));
          westSeesIncrement.flag();
        })));
  }

  @Test
  @DisplayName("partition isolates until healed and synced")
  void partitionIsolatesThenHeals(VertxTestContext testContext) {
    Checkpoint partitioned = testContext.checkpoint();
    Checkpoint roundsCut = testContext.checkpoint();
    Checkpoint stateKeptApart = testContext.checkpoint();
    Checkpoint dropsReported = testContext.checkpoint();
    Checkpoint healed = testContext.checkpoint();
    Checkpoint converged = testContext.checkpoint();

    http.postJson(east.port(), "/admin/partition?enabled=true")
        .compose(response -> {
          testContext.verify(() -> {
            assertThat(response.getString("region")).isEqualTo(EAST);
            assertThat(response.getBoolean("network_partition")).isTrue();
            assertThat(response.getJsonArray("isolated_regions")).containsExactly(EAST);
            partitioned.flag();
          });
          return increment(east, "split", 2).compose(done -> increment(west, "split", 5));
        })
        .compose(incremented -> forceSync(east).compose(eastRound -> forceSync(west).map(westRound -> List.of(eastRound, westRound))))
        .compose(rounds -> {
          testContext.verify(() -> {
            assertThat(rounds.get(0).getJsonObject("peers").getMap()).containsExactly(Map.entry(WEST_NODE, "partitioned"));
            assertThat(rounds.get(1).getJsonObject("peers").getMap()).containsExactly(Map.entry(EAST_NODE, "partitioned"));
            roundsCut.flag();
          });
          return Future.all(read(east, "split"), read(west, "split"));
        })
        .compose(reads -> {
          JsonObject eastView = reads.resultAt(0);
          JsonObject westView = reads.resultAt(1);
          testContext.verify(() -> {
            assertThat(eastView.getJsonObject("nodes").getMap()).containsExactly(Map.entry(EAST_NODE, 2));
            assertThat(eastView.getLong("total_count")).isEqualTo(2);
            assertThat(eastView.getBoolean("network_partition")).isTrue();
            assertThat(westView.getJsonObject("nodes").getMap()).containsExactly(Map.entry(WEST_NODE, 5));
            assertThat(westView.getLong("total_count")).isEqualTo(5);
            assertThat(westView.getBoolean("network_partition")).isFalse();
            stateKeptApart.flag();
          });
          // us-west learns of the partition from a published message, which may arrive just after the reply.
          Future<JsonObject> westTable = http.awaitJson(west.port(), "/admin/partition",
              table -> !table.getJsonArray("isolated_regions").isEmpty(), PARTITION_APPLIED_TIMEOUT_MS);
          return Future.all(http.getJson(east.port(), "/admin/partition"), westTable);
        })
        .compose(tables -> {
          JsonObject eastTable = tables.resultAt(0);
          JsonObject westTable = tables.resultAt(1);
          testContext.verify(() -> {
            assertThat(eastTable.getString("node_id")).isEqualTo(EAST_NODE);
            assertThat(eastTable.getBoolean("network_partition")).isTrue();
            assertThat(eastTable.getJsonArray("isolated_regions")).containsExactly(EAST);
            assertThat(westTable.getBoolean("network_partition")).isFalse();
            assertThat(westTable.getJsonArray("isolated_regions")).containsExactly(EAST);
            // Both nodes' interceptors sit on the one event bus of this test, and the first one
            // installed drops each message, so only the sum over both nodes is certain.
            assertThat(dropped(eastTable) + dropped(westTable)).isGreaterThan(0);
            dropsReported.flag();
          });
          return http.postJson(east.port(), "/admin/partition?enabled=false");
        })
        .compose(response -> {
          testContext.verify(() -> {
            assertThat(response.getBoolean("network_partition")).isFalse();
            healed.flag();
          });
          // As with the partition, us-west learns of the heal from a published message, and it drops
          // messages until then.
          return http.awaitJson(west.port(), "/admin/partition",
              table -> table.getJsonArray("isolated_regions").isEmpty(), PARTITION_APPLIED_TIMEOUT_MS);
        })
        .compose(westHealed -> forceSync(east))
        .compose(round -> {
          testContext.verify(() ->
              assertThat(round.getJsonObject("peers").getMap()).containsExactly(Map.entry(WEST_NODE, "success")));
          return Future.all(read(east, "split"), read(west, "split"));
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          for (int i = 0; i < 2; i++) {
            JsonObject view = reads.resultAt(i);
            assertThat(view.getJsonObject("nodes").getMap()).as(view.encode())
                .containsExactly(Map.entry(EAST_NODE, 2), Map.entry(WEST_NODE, 5));
            assertThat(view.getLong("total_count")).as(view.encode()).isEqualTo(7);
            assertThat(view.getBoolean("network_partition")).as(view.encode()).isFalse();
          }
          converged.flag();
        })));
  }

  /** A request body that {@code POST /increment} must reject with 400 and the given error. */
  private record BadIncrement(String description, String body, String error) {}

  @Test
  @DisplayName("bad increment body gets 400 JSON")
  void badIncrementRejected(VertxTestContext testContext) {
    List<BadIncrement> cases = List.of(
        new BadIncrement("malformed JSON", "{not json", "invalid JSON"),
        new BadIncrement("empty body", "", "invalid JSON"),
        new BadIncrement("array body", "[1,2]", "invalid JSON"),
        new BadIncrement("string body", "\"views\"", "invalid JSON"),
        new BadIncrement("missing counter_name", "{\"amount\":1}", "invalid counter_name"),
        new BadIncrement("null counter_name", "{\"counter_name\":null,\"amount\":1}", "invalid counter_name"),
        new BadIncrement("number counter_name", "{\"counter_name\":7,\"amount\":1}", "invalid counter_name"),
        new BadIncrement("object counter_name", "{\"counter_name\":{},\"amount\":1}", "invalid counter_name"),
        new BadIncrement("empty counter_name", incrementBody("", 1), "invalid counter_name"),
        new BadIncrement("129-character counter_name", incrementBody("n".repeat(129), 1), "invalid counter_name"),
        new BadIncrement("slash in counter_name", incrementBody("a/b", 1), "invalid counter_name"),
        new BadIncrement("dot-dot counter_name", incrementBody("..", 1), "invalid counter_name"),
        new BadIncrement("control character in counter_name", incrementBody("bad\u0001input", 1), "invalid counter_name"),
        new BadIncrement("emoji in counter_name", incrementBody("\uD83D\uDE00views", 1), "invalid counter_name"),
        new BadIncrement("amount 0", incrementBody("bad_input", 0), "invalid amount"),
        new BadIncrement("amount -1", incrementBody("bad_input", -1), "invalid amount"),
        new BadIncrement("amount 1.5", "{\"counter_name\":\"bad_input\",\"amount\":1.5}", "invalid amount"),
        new BadIncrement("amount \"1\"", "{\"counter_name\":\"bad_input\",\"amount\":\"1\"}", "invalid amount"),
        new BadIncrement("amount true", "{\"counter_name\":\"bad_input\",\"amount\":true}", "invalid amount"),
        new BadIncrement("amount null", "{\"counter_name\":\"bad_input\",\"amount\":null}", "invalid amount"),
        new BadIncrement("amount 2^63", "{\"counter_name\":\"bad_input\",\"amount\":9223372036854775808}", "invalid amount"));
    Checkpoint rejected = testContext.checkpoint(cases.size());
    Checkpoint nothingChanged = testContext.checkpoint();

    inOrder(cases, bad -> http.postRaw(east.port(), "/increment", bad.body())
        .map(response -> {
          testContext.verify(() -> {
            assertJsonError(response, 400, bad.error(), bad.description());
            rejected.flag();
          });
          return null;
        }))
        .compose(done -> http.getJson(east.port(), "/status"))
        .onComplete(testContext.succeeding(status -> testContext.verify(() -> {
          assertThat(status.getInteger("counters")).isZero();
          assertThat(status.getLong("increments_accepted")).isZero();
          nothingChanged.flag();
        })));
  }

  @Test
  @DisplayName("overflow gets 400, value unchanged")
  void overflowRejected(VertxTestContext testContext) {
    Checkpoint filled = testContext.checkpoint();
    Checkpoint overflowRejected = testContext.checkpoint();
    Checkpoint valueUnchanged = testContext.checkpoint();

    increment(east, "max", MAX)
        .compose(full -> {
          testContext.verify(() -> {
            assertThat(full.getLong("total_count")).isEqualTo(MAX);
            filled.flag();
          });
          return http.post(east.port(), "/increment", new JsonObject().put("counter_name", "max").put("amount", 1));
        })
        .compose(response -> {
          testContext.verify(() -> {
            assertJsonError(response, 400, "overflow", "one more than Long.MAX_VALUE");
            assertThat(response.bodyAsJsonObject().getString("detail")).contains("'max'");
            overflowRejected.flag();
          });
          return read(east, "max");
        })
        .onComplete(testContext.succeeding(view -> testContext.verify(() -> {
          assertThat(view.getLong("total_count")).isEqualTo(MAX);
          assertThat(view.getLong("local_count")).isEqualTo(MAX);
          valueUnchanged.flag();
        })));
  }

  /** A request that must get 400 with the given error. */
  private record BadQuery(String method, String path, String error) {}

  @Test
  @DisplayName("bad parameters get 400 JSON")
  void badParametersRejected(VertxTestContext testContext) {
    List<BadQuery> cases = List.of(
        new BadQuery("POST", "/admin/partition?enabled=maybe", "invalid enabled"),
        new BadQuery("POST", "/admin/partition?enabled=", "invalid enabled"),
        new BadQuery("POST", "/admin/partition", "invalid enabled"),
        new BadQuery("GET", "/counters?limit=0", "invalid limit"),
        new BadQuery("GET", "/counters?limit=-5", "invalid limit"),
        new BadQuery("GET", "/counters?limit=10001", "invalid limit"),
        new BadQuery("GET", "/counters?limit=abc", "invalid limit"),
        new BadQuery("GET", "/counters?limit=1.5", "invalid limit"),
        new BadQuery("GET", "/counters?limit=%", "bad request"),
        new BadQuery("GET", "/counters?after=%", "bad request"),
        new BadQuery("POST", "/admin/partition?enabled=%zz", "bad request"),
        new BadQuery("GET", "/counter/" + "n".repeat(129), "invalid counter_name"),
        new BadQuery("GET", "/counter/bad%01name", "invalid counter_name"),
        new BadQuery("GET", "/counter/%F0%9F%98%80", "invalid counter_name"),
        new BadQuery("GET", "/counter/-views", "invalid counter_name"));
    Checkpoint rejected = testContext.checkpoint(cases.size());
    Checkpoint nothingChanged = testContext.checkpoint();

    inOrder(cases, bad -> ("GET".equals(bad.method()) ? http.get(east.port(), bad.path()) : http.post(east.port(), bad.path()))
        .map(response -> {
          testContext.verify(() -> {
            assertJsonError(response, 400, bad.error(), bad.method() + " " + bad.path());
            rejected.flag();
          });
          return null;
        }))
        .compose(done -> http.getJson(east.port(), "/status"))
        .onComplete(testContext.succeeding(status -> testContext.verify(() -> {
          assertThat(status.getBoolean("network_partition")).isFalse();
          assertThat(status.getJsonObject("partition").getJsonArray("isolated_regions")).isEmpty();
          assertThat(status.getInteger("counters")).isZero();
          nothingChanged.flag();
        })));
  }

  @Test
  @DisplayName("unknown route 404, wrong method 405")
  void unknownRouteIsJson404(VertxTestContext testContext) {
    Checkpoint notFound = testContext.checkpoint();
    Checkpoint wrongMethod = testContext.checkpoint();

    http.get(east.port(), "/no/such/route")
        .compose(response -> {
          testContext.verify(() -> {
            assertJsonError(response, 404, "not found", "unknown route");
            assertThat(response.bodyAsJsonObject().getString("detail")).contains("/no/such/route");
            notFound.flag();
          });
          return http.get(east.port(), "/increment");
        })
        .onComplete(testContext.succeeding(response -> testContext.verify(() -> {
          assertJsonError(response, 405, "method not allowed", "GET /increment");
          assertThat(response.getHeader("Allow")).as("the methods of /increment").isEqualTo("POST");
          wrongMethod.flag();
        })));
  }

  @Test
  @DisplayName("oversized body gets 413 JSON")
  void oversizedBodyIs413(VertxTestContext testContext) {
    Checkpoint tooLarge = testContext.checkpoint();
    Checkpoint underLimitAccepted = testContext.checkpoint();
    int limit = (int) TestRegionNode.MAX_BODY_BYTES;
    JsonObject oversized = new JsonObject().put("counter_name", "huge").put("amount", 1).put("padding", "x".repeat(limit));
    JsonObject underLimit = new JsonObject().put("counter_name", "fits").put("amount", 1).put("padding", "x".repeat(limit - 100));

    http.post(east.port(), "/increment", oversized)
        .compose(response -> {
          testContext.verify(() -> {
            assertJsonError(response, 413, "body too large", "body of " + oversized.encode().length() + " bytes");
            tooLarge.flag();
          });
          return http.post(east.port(), "/increment", underLimit);
        })
        .compose(response -> {
          testContext.verify(() -> assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200));
          return http.getJson(east.port(), "/counters");
        })
        .onComplete(testContext.succeeding(list -> testContext.verify(() -> {
          assertThat(list.getJsonObject("counters").fieldNames()).containsExactly("fits");
          underLimitAccepted.flag();
        })));
  }

  /** A sync message the node must reject with a failed reply. */
  private record BadSync(String description, Object body) {}

  @Test
  @DisplayName("malformed sync message is rejected")
  void malformedSyncRejected(VertxTestContext testContext) {
    Map<String, Long> wideSlots = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      wideSlots.put("node-" + i, 1L);
    }
    Map<String, GCounter> probe = Map.of("probe", GCounter.of(Map.of(WEST_NODE, 1L)));
    Map<String, GCounter> probeAndInvalidName = new LinkedHashMap<>(probe);
    probeAndInvalidName.put("bad name", GCounter.of(Map.of(WEST_NODE, 1L)));
    Buffer validBytes = toWire(syncFrom(WEST_NODE, WEST, probe));
    Buffer version2 = validBytes.copy().setByte(Integer.BYTES, (byte) 2);
    Buffer truncated = validBytes.getBuffer(0, validBytes.length() - 3);
    List<BadSync> cases = List.of(
        new BadSync("missing node_id", fromWire(toWire(syncFrom(null, WEST, probe)))),
        new BadSync("node_id of the receiver", fromWire(toWire(syncFrom(EAST_NODE, EAST, probe)))),
        new BadSync("2000-slot vector", fromWire(toWire(syncFrom(WEST_NODE, WEST, Map.of("probe", GCounter.of(wideSlots)))))),
        new BadSync("valid counter next to an invalid name", fromWire(toWire(syncFrom(WEST_NODE, WEST, probeAndInvalidName)))),
        new BadSync("truncated bytes", fromWire(truncated)),
        new BadSync("unknown format version", fromWire(version2)),
        new BadSync("reply sent as a request", new SyncMessage.Reply(WEST_NODE, "test-incarnation", 0, true, probe, 0, 0)),
        new BadSync("JSON body of the earlier format", new JsonObject().put("node_id", WEST_NODE).put("region", WEST)
            .put("counters", new JsonObject().put("probe", new JsonObject().put(WEST_NODE, 1)))),
        new BadSync("string body", "probe"));
    Checkpoint wellFormedMerged = testContext.checkpoint();
    Checkpoint rejected = testContext.checkpoint(cases.size());
    Checkpoint nothingChanged = testContext.checkpoint();

    SyncMessage wellFormed = fromWire(toWire(syncFrom("eu-west-1", "eu-west",
        Map.of("control", GCounter.of(Map.of("eu-west-1", 2L))))));
    sync(east, wellFormed)
        .compose(reply -> {
          testContext.verify(() -> {
            assertThat(reply).isInstanceOf(SyncMessage.Reply.class);
            assertThat(((SyncMessage.Reply) reply).nodeId()).isEqualTo(EAST_NODE);
            assertThat(((SyncMessage.Reply) reply).updated()).isEqualTo(1);
            wellFormedMerged.flag();
          });
          return inOrder(cases, bad -> sync(east, bad.body()).transform(outcome -> {
            testContext.verify(() -> {
              assertThat(outcome.failed()).as("%s got reply %s", bad.description(), outcome.result()).isTrue();
              ApiError error = ApiError.from(outcome.cause());
              assertThat(error.status()).as(bad.description() + ": " + error).isEqualTo(400);
              assertThat(error.error()).as(bad.description()).isEqualTo("malformed sync message");
              rejected.flag();
            });
            return Future.succeededFuture();
          }));
        })
        .compose(done -> http.getJson(east.port(), "/status"))
        .onComplete(testContext.succeeding(status -> testContext.verify(() -> {
          assertThat(status.getInteger("counters")).as("only the well-formed message's counter").isEqualTo(1);
          assertThat(status.getJsonObject("sync").getLong("malformed_messages")).isEqualTo(cases.size());
          nothingChanged.flag();
        })));
  }

  @Test
  @DisplayName("region event-bus API serves and validates")
  void regionApiOverEventBus(VertxTestContext testContext) {
    Checkpoint incremented = testContext.checkpoint();
    Checkpoint read = testContext.checkpoint();
    Checkpoint listed = testContext.checkpoint();
    Checkpoint missingNameRejected = testContext.checkpoint();
    Checkpoint unknownActionRejected = testContext.checkpoint();

    regionApi(EAST, Actions.INCREMENT, new JsonObject().put("counter_name", "bus").put("amount", 2))
        .compose(reply -> {
          testContext.verify(() -> {
            assertThat(reply.getString("node_id")).isEqualTo(EAST_NODE);
            assertThat(reply.getLong("local_count")).isEqualTo(2);
            incremented.flag();
          });
          return regionApi(EAST, Actions.GET, new JsonObject().put("counter_name", "bus"));
        })
        .compose(reply -> {
          testContext.verify(() -> {
            // Local event-bus replies are not serialized, so counts stay Long.
            assertThat(reply.getJsonObject("nodes").getMap()).containsExactly(Map.entry(EAST_NODE, 2L));
            read.flag();
          });
          return regionApi(EAST, Actions.LIST, new JsonObject().put("limit", 10));
        })
        .compose(reply -> {
          testContext.verify(() -> {
            assertThat(reply.getJsonObject("counters").getMap()).containsExactly(Map.entry("bus", 2L));
            listed.flag();
          });
          return failure(regionApi(EAST, Actions.GET, new JsonObject()));
        })
        .compose(missingName -> {
          testContext.verify(() -> {
            assertThat(missingName.status()).isEqualTo(400);
            assertThat(missingName.error()).isEqualTo("invalid counter_name");
            missingNameRejected.flag();
          });
          return failure(regionApi(EAST, "bogus", new JsonObject()));
        })
        .onComplete(testContext.succeeding(unknownAction -> testContext.verify(() -> {
          assertThat(unknownAction.status()).isEqualTo(400);
          assertThat(unknownAction.error()).isEqualTo("unknown action");
          unknownActionRejected.flag();
        })));
  }

  private Future<JsonObject> increment(TestRegionNode node, String counter, long amount) {
    return http.postJson(node.port(), "/increment", new JsonObject().put("counter_name", counter).put("amount", amount));
  }

  private Future<JsonObject> read(TestRegionNode node, String counter) {
    return http.getJson(node.port(), "/counter/" + counter);
  }

  private Future<JsonObject> forceSync(TestRegionNode node) {
    return http.postJson(node.port(), "/admin/force-sync");
  }

  private Future<JsonObject> regionApi(String region, String action, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, action);
    return vertx.eventBus().<JsonObject>request(Addresses.regionApi(region), body, options).map(Message::body);
  }

  /** Returns the error of a request that must fail, and fails if it succeeded. */
  private static Future<ApiError> failure(Future<?> request) {
    return request.transform(done -> done.succeeded()
        ? Future.failedFuture(new AssertionError("expected a failed reply, got " + done.result()))
        : Future.succeededFuture(ApiError.from(done.cause())));
  }

  /**
   * Sends {@code body} to the node's sync address as a peer would, without region headers, and
   * returns the reply's body. A {@link SyncMessage} goes with its codec, anything else with the
   * event bus's default codec for its type.
   */
  private Future<Object> sync(TestRegionNode node, Object body) {
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(SYNC_REPLY_TIMEOUT_MS)
        .addHeader(Headers.ACTION, Actions.SYNC);
    if (body instanceof SyncMessage) {
      options.setCodecName(SyncMessageCodec.NAME);
    }
    return vertx.eventBus().request(Addresses.nodeSync(node.nodeId()), body, options).map(Message::body);
  }

  private static SyncMessage.Request syncFrom(String nodeId, String region, Map<String, GCounter> counters) {
    return new SyncMessage.Request(nodeId, region, "test-incarnation", null, 0, false, counters);
  }

  /** Returns the bytes the clustered event bus would carry as the body of {@code message}. */
  private static Buffer toWire(SyncMessage message) {
    Buffer buffer = Buffer.buffer();
    SYNC_CODEC.encodeToWire(buffer, message);
    return buffer;
  }

  /**
   * Returns what the node's consumer would receive for {@code bytes} from another process: the
   * clustered event bus decodes a body with the codec, and local delivery would skip that step.
   */
  private static SyncMessage fromWire(Buffer bytes) {
    return SYNC_CODEC.decodeFromWire(0, bytes);
  }

  private static String incrementBody(String counter, long amount) {
    return new JsonObject().put("counter_name", counter).put("amount", amount).encode();
  }

  private static long dropped(JsonObject partitionTable) {
    return partitionTable.getLong("dropped_outbound") + partitionTable.getLong("dropped_inbound");
  }

  /** Runs {@code action} on each item, one after the other. */
  private static <T> Future<Void> inOrder(List<T> items, Function<T, Future<?>> action) {
    Future<?> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(previous -> action.apply(item));
    }
    return chain.mapEmpty();
  }

  private static void assertJsonError(HttpResponse<Buffer> response, int status, String error, String description) {
    assertThat(response.statusCode()).as("%s: status of %s", description, response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).as(description).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).as(description).containsExactlyInAnyOrder("error", "detail");
    assertThat(body.getString("error")).as(description).isEqualTo(error);
    assertThat(body.getString("detail")).as(description).isNotBlank();
  }
}
