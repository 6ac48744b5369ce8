package lab.counter.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.region.TestHttp;
import lab.counter.region.TestRegionNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The coordinator's handlers, over two real region nodes (us-east-1 and us-west-1) in one
 * non-clustered Vert.x.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
@DisplayName("CoordinatorVerticle")
class CoordinatorVerticleTest {

  private static final String EAST = "us-east";
  private static final String WEST = "us-west";
  private static final String EAST_NODE = "us-east-1";
  private static final String WEST_NODE = "us-west-1";
  private static final long REQUEST_TIMEOUT_MS = 1500;
  private static final long PARTITION_APPLIED_TIMEOUT_MS = 2000;

  private Vertx vertx;
  private TestHttp http;
  private int port;
  private TestRegionNode east;
  private TestRegionNode west;

  @BeforeEach
  void deployCoordinatorAndRegions(Vertx vertx, VertxTestContext testContext) {
    this.vertx = vertx;
    this.http = new TestHttp(vertx);
    port = TestHttp.freePort();
    vertx.deployVerticle(new CoordinatorVerticle(new Settings(coordinatorSettings(port))))
        .compose(coordinator -> {
          Future<TestRegionNode> eastDeployed = TestRegionNode.deploy(vertx, EAST);
          Future<TestRegionNode> westDeployed = TestRegionNode.deploy(vertx, WEST);
          return Future.all(eastDeployed, westDeployed).compose(deployed -> {
            east = eastDeployed.result();
            west = westDeployed.result();
            return Future.all(east.awaitReady(http), west.awaitReady(http));
          });
        })
        .onComplete(testContext.succeedingThenComplete());
  }

  @Test
  @DisplayName("global counter after force-sync")
  void globalCounterAfterSync(VertxTestContext testContext) {
    Checkpoint synced = testContext.checkpoint();
    Checkpoint globalView = testContext.checkpoint();
    Checkpoint invalidName = testContext.checkpoint();

    incrementRegion(east, "views", 2)
        .compose(done -> incrementRegion(west, "views", 3))
        .compose(done -> http.postJson(port, "/global/force-sync"))
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getString("status")).isEqualTo("completed");
            assertThat(result.getInteger("nodes_synced")).isEqualTo(2);
            assertThat(result.getInteger("nodes_failed")).isZero();
            assertThat(result.getJsonObject("nodes").fieldNames()).containsExactlyInAnyOrder(EAST_NODE, WEST_NODE);
            assertThat(result.getJsonObject("nodes").getJsonObject(EAST_NODE).getString(WEST_NODE)).isEqualTo("success");
            synced.flag();
          });
          return http.getJson(port, "/global/counter/views");
        })
        .compose(view -> {
          testContext.verify(() -> {
            assertThat(view.getString("counter")).isEqualTo("views");
            assertThat(view.getLong("global_count")).isEqualTo(5);
            assertThat(view.getInteger("healthy_regions")).isEqualTo(2);
            assertThat(view.getInteger("total_regions")).isEqualTo(2);
            assertThat(view.getLong("query_time_ms")).isBetween(0L, REQUEST_TIMEOUT_MS);
            for (String region : List.of(EAST, WEST)) {
              JsonObject regionView = view.getJsonObject("regions").getJsonObject(region);
              assertThat(regionView.getBoolean("healthy")).as(region).isTrue();
              assertThat(regionView.getString("answered_by")).as(region).isEqualTo(region + "-1");
              assertThat(regionView.getLong("total_count")).as(region).isEqualTo(5);
              assertThat(regionView.getJsonObject("nodes").getMap()).as(region)
                  .containsExactly(Map.entry(EAST_NODE, 2), Map.entry(WEST_NODE, 3));
              assertThat(regionView.getBoolean("network_partition")).as(region).isFalse();
            }
            assertThat(view.getJsonObject("regions").getJsonObject(EAST).getLong("local_count")).isEqualTo(2);
            assertThat(view.getJsonObject("regions").getJsonObject(WEST).getLong("local_count")).isEqualTo(3);
            JsonObject convergence = view.getJsonObject("convergence");
            assertThat(convergence.getBoolean("converged")).isTrue();
            assertThat(convergence.getLong("lag")).isZero();
            assertThat(convergence.getLong("max_count")).isEqualTo(5);
            assertThat(convergence.getLong("min_count")).isEqualTo(5);
            globalView.flag();
          });
          return http.get(port, "/global/counter/" + "n".repeat(129));
        })
        .onComplete(testContext.succeeding(response -> testContext.verify(() -> {
          assertJsonError(response, 400, "invalid counter_name", "129-character name");
          invalidName.flag();
        })));
  }

  @Test
  @DisplayName("global counters list and limit")
  void globalCountersList(VertxTestContext testContext) {
    List<String> badLimits = List.of("0", "10001", "-3", "abc", "1.5");
    Checkpoint listed = testContext.checkpoint();
    Checkpoint truncated = testContext.checkpoint();
    Checkpoint badLimitRejected = testContext.checkpoint(badLimits.size());

    incrementRegion(east, "alpha", 1)
        .compose(done -> incrementRegion(west, "beta", 2))
        .compose(done -> incrementRegion(west, "alpha", 4))
        .compose(done -> http.getJson(port, "/global/counters"))
        .compose(list -> {
          testContext.verify(() -> {
            assertThat(list.getInteger("count")).isEqualTo(2);
            assertThat(list.getBoolean("truncated")).isFalse();
            assertThat(list.getJsonObject("counters").fieldNames()).containsExactly("alpha", "beta");
            assertThat(list.getJsonObject("counters").getJsonObject("alpha").getMap())
                .containsExactlyInAnyOrderEntriesOf(Map.of(EAST, 1, WEST, 4));
            assertThat(list.getJsonObject("counters").getJsonObject("beta").getMap()).containsExactly(Map.entry(WEST, 2));
            assertThat(list.getJsonObject("unavailable_regions")).isEmpty();
            listed.flag();
          });
          return http.getJson(port, "/global/counters?limit=1");
        })
        .compose(list -> {
          testContext.verify(() -> {
            assertThat(list.getBoolean("truncated")).isTrue();
            assertThat(list.getJsonObject("counters").fieldNames()).containsExactly("alpha");
            truncated.flag();
          });
          return inOrder(badLimits, limit -> http.get(port, "/global/counters?limit=" + limit).map(response -> {
            testContext.verify(() -> {
              assertJsonError(response, 400, "invalid limit", "limit=" + limit);
              badLimitRejected.flag();
            });
            return null;
          }));
        })
        .onComplete(testContext.succeeding(done -> { }));
  }

  @Test
  @DisplayName("global counters paged with after")
  void globalCountersPaged(VertxTestContext testContext) {
    Checkpoint firstPage = testContext.checkpoint();
    Checkpoint secondPage = testContext.checkpoint();
    Checkpoint unionOverLimit = testContext.checkpoint();

    // With limit 2, east's page ends at delta and west's at beta. West also has delta, so a first
    // page that went on to delta would show it without west's total.
    incrementRegion(east, "alpha", 1)
        .compose(done -> incrementRegion(east, "delta", 3))
        .compose(done -> incrementRegion(east, "gamma", 5))
        .compose(done -> incrementRegion(west, "alpha", 4))
        .compose(done -> incrementRegion(west, "beta", 2))
        .compose(done -> incrementRegion(west, "delta", 6))
        .compose(done -> http.getJson(port, "/global/counters?limit=2"))
        .compose(list -> {
          testContext.verify(() -> {
            JsonObject counters = list.getJsonObject("counters");
            assertThat(counters.fieldNames()).containsExactly("alpha", "beta");
            assertThat(list.getInteger("count")).isEqualTo(2);
            assertThat(list.getBoolean("truncated")).isTrue();
            assertThat(counters.getJsonObject("alpha").getMap()).containsExactlyInAnyOrderEntriesOf(Map.of(EAST, 1, WEST, 4));
            assertThat(counters.getJsonObject("beta").getMap()).containsExactly(Map.entry(WEST, 2));
            firstPage.flag();
          });
          return http.getJson(port, "/global/counters?limit=2&after=beta");
        })
        .compose(list -> {
          testContext.verify(() -> {
            JsonObject counters = list.getJsonObject("counters");
            assertThat(counters.fieldNames()).containsExactly("delta", "gamma");
            assertThat(list.getBoolean("truncated")).isFalse();
            assertThat(counters.getJsonObject("delta").getMap()).containsExactlyInAnyOrderEntriesOf(Map.of(EAST, 3, WEST, 6));
            assertThat(counters.getJsonObject("gamma").getMap()).containsExactly(Map.entry(EAST, 5));
            secondPage.flag();
          });
          // After alpha, neither region's page of 2 is cut (east: delta, gamma; west: beta, delta), but together they have 3 names.
          return http.getJson(port, "/global/counters?limit=2&after=alpha");
        })
        .onComplete(testContext.succeeding(list -> testContext.verify(() -> {
          assertThat(list.getJsonObject("counters").fieldNames()).containsExactly("beta", "delta");
          assertThat(list.getInteger("count")).isEqualTo(2);
          assertThat(list.getBoolean("truncated")).isTrue();
          unionOverLimit.flag();
        })));
  }

  @Test
  @DisplayName("global status lists nodes and lag")
  void globalStatus(VertxTestContext testContext) {
    Checkpoint status = testContext.checkpoint();

    http.getJson(port, "/global/status")
        .onComplete(testContext.succeeding(body -> testContext.verify(() -> {
          assertThat(body.getInteger("healthy_regions")).isEqualTo(2);
          assertThat(body.getInteger("total_regions")).isEqualTo(2);
          assertThat(body.getJsonArray("partitioned_regions")).isEmpty();
          assertThat(body.getJsonObject("services").getString("coordinator")).isEqualTo("UP");
          assertThat(body.getJsonObject("regions").fieldNames()).containsExactlyInAnyOrder(EAST, WEST);
          for (String region : List.of(EAST, WEST)) {
            JsonObject regionStatus = body.getJsonObject("regions").getJsonObject(region);
            assertThat(regionStatus.getString("status")).as(region).isEqualTo("UP");
            assertThat(regionStatus.getBoolean("network_partition")).as(region).isFalse();
            String nodeId = region + "-1";
            String peerId = EAST.equals(region) ? WEST_NODE : EAST_NODE;
            JsonObject node = regionStatus.getJsonObject("nodes").getJsonObject(nodeId);
            assertThat(node).as(region + " nodes " + regionStatus.encode()).isNotNull();
            assertThat(node.getString("status")).as(nodeId).isEqualTo("UP");
            assertThat(node.getInteger("counters")).as(nodeId).isZero();
            assertThat(node.getLong("sync_interval_ms")).as(nodeId).isEqualTo(TestRegionNode.SYNC_INTERVAL_MS);
            assertThat(node.getJsonObject("sync_lag_ms").getLong(peerId)).as(nodeId + " lag behind " + peerId)
                .isNotNull()
                .isGreaterThanOrEqualTo(0L);
            assertThat(node.getJsonObject("sync_outcomes").getLong("success")).as(nodeId).isGreaterThan(0L);
            assertThat(node.getLong("dropped_messages")).as(nodeId).isZero();
          }
          status.flag();
        })));
  }

  @Test
  @DisplayName("partition by query and JSON body")
  void partitionByQueryAndBody(VertxTestContext testContext) {
    Checkpoint isolatedByQuery = testContext.checkpoint();
    Checkpoint statusShowsIt = testContext.checkpoint();
    Checkpoint healedByQuery = testContext.checkpoint();
    Checkpoint isolatedByBody = testContext.checkpoint();
    Checkpoint healedByBody = testContext.checkpoint();

    http.postJson(port, "/global/partition?region=us-east&enabled=true")
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getJsonArray("regions")).containsExactly(EAST);
            assertThat(result.getBoolean("enabled")).isTrue();
            assertThat(result.getJsonArray("partitioned_regions")).containsExactly(EAST);
            isolatedByQuery.flag();
          });
          return Future.all(http.getJson(port, "/global/status"), awaitIsolatedRegions(east, List.of(EAST)));
        })
        .compose(both -> {
          JsonObject status = both.resultAt(0);
          JsonObject eastTable = both.resultAt(1);
          testContext.verify(() -> {
            assertThat(status.getJsonArray("partitioned_regions")).containsExactly(EAST);
            assertThat(status.getJsonObject("regions").getJsonObject(EAST).getBoolean("network_partition")).isTrue();
            assertThat(status.getJsonObject("regions").getJsonObject(WEST).getBoolean("network_partition")).isFalse();
            assertThat(eastTable.getBoolean("network_partition")).isTrue();
            statusShowsIt.flag();
          });
          return http.postJson(port, "/global/partition?region=us-east&enabled=false");
        })
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getJsonArray("partitioned_regions")).isEmpty();
            healedByQuery.flag();
          });
          return http.postJson(port, "/global/partition", new JsonObject().put("region", WEST).put("enabled", true));
        })
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getJsonArray("regions")).containsExactly(WEST);
            assertThat(result.getJsonArray("partitioned_regions")).containsExactly(WEST);
            isolatedByBody.flag();
          });
          return http.postJson(port, "/global/partition", new JsonObject().put("region", "all").put("enabled", false));
        })
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getJsonArray("regions")).containsExactly(EAST, WEST);
            assertThat(result.getJsonArray("partitioned_regions")).isEmpty();
          });
          return awaitIsolatedRegions(west, List.of());
        })
        .onComplete(testContext.succeeding(westTable -> testContext.verify(() -> {
          assertThat(westTable.getBoolean("network_partition")).isFalse();
          assertThat(westTable.getJsonArray("isolated_regions")).isEmpty();
          healedByBody.flag();
        })));
  }

  /** A partition request the coordinator must reject. */
  private record BadPartition(String path, String body, int status, String error) {}

  @Test
  @DisplayName("bad partition request rejected")
  void badPartitionRejected(VertxTestContext testContext) {
    List<BadPartition> cases = List.of(
        new BadPartition("/global/partition?region=mars&enabled=true", "", 404, "unknown region"),
        new BadPartition("/global/partition?enabled=true", "", 400, "invalid region"),
        new BadPartition("/global/partition?region=&enabled=true", "", 400, "invalid region"),
        new BadPartition("/global/partition?region=us-east&enabled=maybe", "", 400, "invalid enabled"),
        new BadPartition("/global/partition?region=us-east", "", 400, "invalid enabled"),
        new BadPartition("/global/partition", "{\"region\":\"mars\",\"enabled\":true}", 404, "unknown region"),
        new BadPartition("/global/partition", "{\"region\":5,\"enabled\":true}", 400, "invalid region"),
        new BadPartition("/global/partition", "{\"enabled\":true}", 400, "invalid region"),
        new BadPartition("/global/partition", "{\"region\":\"us-east\"}", 400, "invalid enabled"),
        new BadPartition("/global/partition", "{\"region\":\"us-east\",\"enabled\":\"maybe\"}", 400, "invalid enabled"),
        new BadPartition("/global/partition", "{not json", 400, "invalid JSON"));
    Checkpoint rejected = testContext.checkpoint(cases.size());
    Checkpoint nothingIsolated = testContext.checkpoint();

    inOrder(cases, bad -> http.postRaw(port, bad.path(), bad.body()).map(response -> {
      testContext.verify(() -> {
        assertJsonError(response, bad.status(), bad.error(), bad.path() + " " + bad.body());
        rejected.flag();
      });
      return null;
    }))
        .compose(done -> http.getJson(port, "/global/status"))
        .onComplete(testContext.succeeding(status -> testContext.verify(() -> {
          assertThat(status.getJsonArray("partitioned_regions")).isEmpty();
          nothingIsolated.flag();
        })));
  }

  @Test
  @DisplayName("down region left out of convergence")
  void downRegionLeftOut(VertxTestContext testContext) {
    Checkpoint counterView = testContext.checkpoint();
    Checkpoint listView = testContext.checkpoint();
    Checkpoint statusView = testContext.checkpoint();

    incrementRegion(east, "views", 5)
        .compose(done -> vertx.undeploy(west.deploymentId()))
        .compose(undeployed -> http.getJson(port, "/global/counter/views"))
        .compose(view -> {
          testContext.verify(() -> {
            assertThat(view.getLong("global_count")).isEqualTo(5);
            assertThat(view.getInteger("healthy_regions")).isEqualTo(1);
            assertThat(view.getInteger("total_regions")).isEqualTo(2);
            JsonObject westView = view.getJsonObject("regions").getJsonObject(WEST);
            assertThat(westView.getBoolean("healthy")).isFalse();
            assertThat(westView.getString("error")).isNotBlank();
            assertThat(westView.containsKey("total_count")).isFalse();
            assertThat(view.getJsonObject("regions").getJsonObject(EAST).getBoolean("healthy")).isTrue();
            JsonObject convergence = view.getJsonObject("convergence");
            assertThat(convergence.getBoolean("converged")).isTrue();
            assertThat(convergence.getLong("lag")).isZero();
            assertThat(convergence.getLong("max_count")).isEqualTo(5);
            assertThat(convergence.getLong("min_count")).isEqualTo(5);
            counterView.flag();
          });
          return http.getJson(port, "/global/counters");
        })
        .compose(list -> {
          testContext.verify(() -> {
            assertThat(list.getJsonObject("unavailable_regions").fieldNames()).containsExactly(WEST);
            assertThat(list.getJsonObject("counters").getJsonObject("views").getMap()).containsExactly(Map.entry(EAST, 5));
            listView.flag();
          });
          return http.getJson(port, "/global/status");
        })
        .onComplete(testContext.succeeding(status -> testContext.verify(() -> {
          assertThat(status.getInteger("healthy_regions")).isEqualTo(1);
          assertThat(status.getJsonObject("regions").getJsonObject(WEST).getString("status")).isEqualTo("DOWN");
          assertThat(status.getJsonObject("regions").getJsonObject(WEST).getJsonObject("nodes")).isEmpty();
          assertThat(status.getJsonObject("regions").getJsonObject(EAST).getString("status")).isEqualTo("UP");
          statusView.flag();
        })));
  }

  @Test
  @DisplayName("unknown route 404, health UP")
  void unknownRouteAndHealth(VertxTestContext testContext) {
    Checkpoint notFound = testContext.checkpoint();
    Checkpoint healthy = testContext.checkpoint();

    http.get(port, "/global/nothing")
        .compose(response -> {
          testContext.verify(() -> {
            assertJsonError(response, 404, "not found", "GET /global/nothing");
            notFound.flag();
          });
          return http.getJson(port, "/health");
        })
        .onComplete(testContext.succeeding(health -> testContext.verify(() -> {
          assertThat(health.getString("status")).isEqualTo("UP");
          assertThat(health.getString("service")).isEqualTo("coordinator");
          healthy.flag();
        })));
  }

  private Future<JsonObject> incrementRegion(TestRegionNode node, String counter, long amount) {
    return http.postJson(node.port(), "/increment", new JsonObject().put("counter_name", counter).put("amount", amount));
  }

  /**
   * Returns the node's partition table once it lists exactly {@code isolated}. The coordinator tells the
   * nodes by a published message, so a node may apply the change just after the reply.
   */
  private Future<JsonObject> awaitIsolatedRegions(TestRegionNode node, List<String> isolated) {
    return http.awaitJson(node.port(), "/admin/partition",
        table -> table.getJsonArray("isolated_regions").getList().equals(isolated), PARTITION_APPLIED_TIMEOUT_MS);
  }

  private static Map<String, String> coordinatorSettings(int port) {
    Map<String, String> settings = new HashMap<>(TestRegionNode.settings(EAST, port));
    settings.remove(ConfigKeys.REGION.name());
    settings.remove(ConfigKeys.NODE_ID.name());
    settings.put(ConfigKeys.REGIONS.name(), EAST + "," + WEST);
    settings.put(ConfigKeys.REQUEST_TIMEOUT_MS.name(), String.valueOf(REQUEST_TIMEOUT_MS));
    return settings;
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
