package lab.counter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.common.protocol.Addresses;
import lab.counter.coordinator.CoordinatorVerticle;
import lab.counter.region.TestHttp;
import lab.counter.region.TestRegionNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's handlers, in front of two real region nodes (us-east-1 and us-west-1) in one
 * non-clustered Vert.x, and for the global view also a real coordinator. No strong counter runs, so
 * strong writes fail at once with no handler.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
@DisplayName("GatewayVerticle")
class GatewayVerticleTest {

  private static final String EAST = "us-east";
  private static final String WEST = "us-west";
  private static final String EAST_NODE = "us-east-1";
  private static final String WEST_NODE = "us-west-1";
  private static final long REQUEST_TIMEOUT_MS = 1500;
  private static final long PARTITION_APPLIED_TIMEOUT_MS = 2000;

  private Vertx vertx;
  private TestHttp http;
  private int gatewayPort;
  private TestRegionNode east;
  private TestRegionNode west;

  @BeforeEach
  void deployGatewayAndRegions(Vertx vertx, VertxTestContext testContext) {
    this.vertx = vertx;
    this.http = new TestHttp(vertx);
    gatewayPort = TestHttp.freePort();
    vertx.deployVerticle(new GatewayVerticle(new Settings(serviceSettings(gatewayPort))))
        .compose(gateway -> {
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
  @DisplayName("round-robin alternates regions")
  void roundRobinAlternates(VertxTestContext testContext) {
    Checkpoint alternated = testContext.checkpoint();
    List<JsonObject> replies = new ArrayList<>();

    inOrder(List.of(1, 2, 3, 4), attempt -> increment(new JsonObject().put("counter_name", "rr")).map(replies::add))
        .onComplete(testContext.succeeding(done -> testContext.verify(() -> {
          List<String> regions = replies.stream().map(reply -> reply.getString("region")).toList();
          assertThat(regions).containsOnly(EAST, WEST);
          assertThat(regions.get(0)).isNotEqualTo(regions.get(1));
          assertThat(regions.get(2)).isEqualTo(regions.get(0));
          assertThat(regions.get(3)).isEqualTo(regions.get(1));
          for (JsonObject reply : replies) {
            assertThat(reply.getString("routing")).as(reply.encode()).isEqualTo("round-robin");
            assertThat(reply.getDouble("latency_ms")).as(reply.encode()).isBetween(0.0, (double) REQUEST_TIMEOUT_MS);
            assertThat(reply.getString("node_id")).as(reply.encode()).isEqualTo(reply.getString("region") + "-1");
            assertThat(reply.getString("counter")).as(reply.encode()).isEqualTo("rr");
            assertThat(reply.getJsonArray("failed_over")).as(reply.encode()).isEmpty();
          }
          assertThat(replies.get(2).getLong("local_count")).as("second increment on the same region").isEqualTo(2);
          alternated.flag();
        })));
  }

  @Test
  @DisplayName("random routing picks a region")
  void randomRoutingAccepted(VertxTestContext testContext) {
    Checkpoint routed = testContext.checkpoint(6);

    inOrder(List.of(1, 2, 3, 4, 5, 6), attempt -> increment(new JsonObject().put("counter_name", "rnd").put("routing", "random"))
        .map(reply -> {
          testContext.verify(() -> {
            assertThat(reply.getString("routing")).isEqualTo("random");
            assertThat(reply.getString("region")).isIn(EAST, WEST);
            routed.flag();
          });
          return null;
        }))
        .onComplete(testContext.succeeding(done -> { }));
  }

  @Test
  @DisplayName("explicit region routes every increment there")
  void explicitRegionRoutes(VertxTestContext testContext) {
    Checkpoint routed = testContext.checkpoint(3);
    AtomicLong expectedLocal = new AtomicLong();

    inOrder(List.of(1, 2, 3), attempt -> increment(new JsonObject().put("counter_name", "pinned").put("region", WEST))
        .map(reply -> {
          testContext.verify(() -> {
            assertThat(reply.getString("region")).isEqualTo(WEST);
            assertThat(reply.getString("node_id")).isEqualTo(WEST_NODE);
            assertThat(reply.getString("routing")).isEqualTo("explicit");
            assertThat(reply.getLong("local_count")).isEqualTo(expectedLocal.incrementAndGet());
            routed.flag();
          });
          return null;
        }))
        .onComplete(testContext.succeeding(done -> { }));
  }

  /** A request the gateway must reject. */
  private record BadRequest(String path, String body, int status, String error) {}

  @Test
  @DisplayName("bad requests get JSON errors")
  void badRequestsRejected(VertxTestContext testContext) {
    List<BadRequest> cases = List.of(
        new BadRequest("/api/increment", "{\"counter_name\":\"bad_input\",\"region\":\"mars\"}", 404, "unknown region"),
        new BadRequest("/api/increment", "{\"counter_name\":\"bad_input\",\"region\":5}", 400, "invalid region"),
        new BadRequest("/api/increment", "{\"counter_name\":\"bad_input\",\"routing\":\"nearest\"}", 400, "invalid routing"),
        new BadRequest("/api/increment", "{\"counter_name\":\"bad_input\",\"routing\":true}", 400, "invalid routing"),
        new BadRequest("/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":0}", 400, "invalid amount"),
        new BadRequest("/api/increment", "{\"counter_name\":\"a/b\"}", 400, "invalid counter_name"),
        new BadRequest("/api/increment", "[1]", 400, "invalid JSON"),
        new BadRequest("/api/compare", "{\"counter_name\":\"bad_input\",\"iterations\":0}", 400, "invalid iterations"),
        new BadRequest("/api/compare", "{\"counter_name\":\"bad_input\",\"iterations\":10001}", 400, "invalid iterations"),
        new BadRequest("/api/compare", "{\"counter_name\":\"bad_input\",\"iterations\":\"5\"}", 400, "invalid iterations"),
        new BadRequest("/api/compare", "{\"counter_name\":\"bad_input\",\"iterations\":1.5}", 400, "invalid iterations"),
        new BadRequest("/api/compare", "{\"iterations\":5}", 400, "invalid counter_name"),
        new BadRequest("/admin/partition/mars?enabled=true", "", 404, "unknown region"),
        new BadRequest("/admin/partition/us-east?enabled=maybe", "", 400, "invalid enabled"),
        new BadRequest("/admin/partition/us-east", "", 400, "invalid enabled"));
    Checkpoint rejected = testContext.checkpoint(cases.size());
    Checkpoint nothingCounted = testContext.checkpoint();

    inOrder(cases, bad -> http.postRaw(gatewayPort, bad.path(), bad.body()).map(response -> {
      testContext.verify(() -> {
        assertJsonError(response, bad.status(), bad.error(), bad.path() + " " + bad.body());
        rejected.flag();
      });
      return null;
    }))
        .compose(done -> Future.all(http.getJson(east.port(), "/status"), http.getJson(west.port(), "/status")))
        .onComplete(testContext.succeeding(statuses -> testContext.verify(() -> {
          for (int i = 0; i < 2; i++) {
            JsonObject status = statuses.resultAt(i);
            assertThat(status.getInteger("counters")).as(status.getString("node_id")).isZero();
            assertThat(status.getJsonObject("partition").getJsonArray("isolated_regions")).isEmpty();
          }
          nothingCounted.flag();
        })));
  }

  @Test
  @DisplayName("failover skips an undeployed region")
  void failoverSkipsDownRegion(VertxTestContext testContext) {
    Checkpoint servedByOther = testContext.checkpoint(4);
    Checkpoint skippedNamed = testContext.checkpoint();
    Checkpoint explicitDownRegion = testContext.checkpoint();
    List<JsonObject> replies = new ArrayList<>();

    vertx.undeploy(east.deploymentId())
        .compose(undeployed -> inOrder(List.of(1, 2, 3, 4), attempt -> increment(new JsonObject().put("counter_name", "fo"))
            .map(reply -> {
              testContext.verify(() -> {
                assertThat(reply.getString("region")).isEqualTo(WEST);
                replies.add(reply);
                servedByOther.flag();
              });
              return null;
            })))
        .compose(done -> {
          testContext.verify(() -> {
            List<JsonArray> skipped = replies.stream().map(reply -> reply.getJsonArray("failed_over")).toList();
            assertThat(skipped).anySatisfy(regions -> assertThat(regions.getJsonObject(0).getString("region")).isEqualTo(EAST));
            assertThat(skipped).allSatisfy(regions -> assertThat(regions.size()).isLessThanOrEqualTo(1));
            assertThat(replies.get(3).getLong("local_count")).isEqualTo(4);
            skippedNamed.flag();
          });
          return http.post(gatewayPort, "/api/increment", new JsonObject().put("counter_name", "fo").put("region", EAST));
        })
        .onComplete(testContext.succeeding(response -> testContext.verify(() -> {
          assertJsonError(response, 503, "no region available", "explicit increment on the undeployed region");
          assertThat(response.bodyAsJsonObject().getString("detail")).contains(EAST);
          explicitDownRegion.flag();
        })));
  }

  @Test
  @DisplayName("no region fails fast with 503")
  void noRegionFailsFast(VertxTestContext testContext) {
    Checkpoint unavailable = testContext.checkpoint();
    AtomicLong startedAt = new AtomicLong();

    Future.all(vertx.undeploy(east.deploymentId()), vertx.undeploy(west.deploymentId()))
        .compose(undeployed -> {
          startedAt.set(System.nanoTime());
          return http.post(gatewayPort, "/api/increment", new JsonObject().put("counter_name", "none"));
        })
        .onComplete(testContext.succeeding(response -> testContext.verify(() -> {
          long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt.get());
          assertJsonError(response, 503, "no region available", "increment with every region down");
          assertThat(response.bodyAsJsonObject().getString("detail")).contains(EAST).contains(WEST);
          assertThat(elapsedMillis).as("no handler fails at once rather than at the timeout").isLessThan(REQUEST_TIMEOUT_MS);
          unavailable.flag();
        })));
  }

  @Test
  @DisplayName("compare reports failed strong writes")
  void compareWithoutStrongCounter(VertxTestContext testContext) {
    Checkpoint compared = testContext.checkpoint();
    Checkpoint eventualWritesCounted = testContext.checkpoint();

    http.postJson(gatewayPort, "/api/compare", new JsonObject().put("counter_name", "bench").put("iterations", 3))
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getString("counter_name")).isEqualTo("bench");
            assertThat(result.getInteger("iterations")).isEqualTo(3);
            JsonObject eventual = result.getJsonObject("eventual_consistency");
            assertThat(eventual.getInteger("successes")).isEqualTo(3);
            assertThat(eventual.getInteger("errors")).isZero();
            assertThat(eventual.getDouble("min_ms")).isLessThanOrEqualTo(eventual.getDouble("p50_ms"));
            assertThat(eventual.getDouble("p50_ms")).isLessThanOrEqualTo(eventual.getDouble("max_ms"));
            JsonObject strong = result.getJsonObject("strong_consistency");
            assertThat(strong.getInteger("successes")).isZero();
            assertThat(strong.getInteger("errors")).isEqualTo(3);
            assertThat(result.getValue("speedup")).isNull();
            assertThat(result.getString("conclusion")).contains("every strong write failed");
            compared.flag();
          });
          return Future.all(readRegion(east, "bench"), readRegion(west, "bench"));
        })
        .onComplete(testContext.succeeding(reads -> testContext.verify(() -> {
          long eastLocal = reads.<JsonObject>resultAt(0).getLong("local_count");
          long westLocal = reads.<JsonObject>resultAt(1).getLong("local_count");
          assertThat(eastLocal + westLocal).isEqualTo(3);
          eventualWritesCounted.flag();
        })));
  }

  @Test
  @DisplayName("force-sync during a partition counts cut exchanges")
  void forceSyncCountsPartitionedExchanges(VertxTestContext testContext) {
    Checkpoint counted = testContext.checkpoint();

    http.postJson(gatewayPort, "/admin/partition/" + EAST + "?enabled=true")
        .compose(isolated -> Future.all(awaitIsolatedRegions(east, List.of(EAST)), awaitIsolatedRegions(west, List.of(EAST))))
        .compose(applied -> http.postJson(gatewayPort, "/admin/force-sync"))
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getInteger("nodes_synced")).as(result.encode()).isEqualTo(2);
            assertThat(result.getJsonObject("exchanges")).as(result.encode()).isEqualTo(new JsonObject().put("partitioned", 2));
          });
          return http.postJson(gatewayPort, "/admin/partition/" + EAST + "?enabled=false");
        })
        .compose(healed -> Future.all(awaitIsolatedRegions(east, List.of()), awaitIsolatedRegions(west, List.of())))
        .onComplete(testContext.succeeding(done -> counted.flag()));
  }

  @Test
  @DisplayName("partition all, then heal")
  void partitionAllThenHeal(VertxTestContext testContext) {
    Checkpoint isolated = testContext.checkpoint();
    Checkpoint regionsSeeIt = testContext.checkpoint();
    Checkpoint healed = testContext.checkpoint();

    http.postJson(gatewayPort, "/admin/partition/all?enabled=true")
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getJsonArray("regions")).containsExactly(EAST, WEST);
            assertThat(result.getBoolean("enabled")).isTrue();
            assertThat(result.getJsonArray("partitioned_regions")).containsExactly(EAST, WEST);
            isolated.flag();
          });
          return Future.all(awaitIsolatedRegions(east, List.of(EAST, WEST)), awaitIsolatedRegions(west, List.of(EAST, WEST)));
        })
        .compose(tables -> {
          testContext.verify(() -> {
            for (int i = 0; i < 2; i++) {
              JsonObject table = tables.resultAt(i);
              assertThat(table.getBoolean("network_partition")).as(table.encode()).isTrue();
              assertThat(table.getJsonArray("isolated_regions")).as(table.encode()).containsExactly(EAST, WEST);
            }
            regionsSeeIt.flag();
          });
          return http.postJson(gatewayPort, "/admin/partition/all?enabled=false");
        })
        .compose(result -> {
          testContext.verify(() -> assertThat(result.getJsonArray("partitioned_regions")).isEmpty());
          return awaitIsolatedRegions(east, List.of());
        })
        .onComplete(testContext.succeeding(table -> testContext.verify(() -> {
          assertThat(table.getBoolean("network_partition")).isFalse();
          assertThat(table.getJsonArray("isolated_regions")).isEmpty();
          healed.flag();
        })));
  }

  @Test
  @DisplayName("force-sync reaches every node")
  void forceSyncReachesEveryNode(VertxTestContext testContext) {
    Checkpoint synced = testContext.checkpoint();
    Checkpoint westSeesIncrement = testContext.checkpoint();

    increment(new JsonObject().put("counter_name", "fs").put("amount", 3).put("region", EAST))
        .compose(reply -> http.postJson(gatewayPort, "/admin/force-sync"))
        .compose(result -> {
          testContext.verify(() -> {
            assertThat(result.getString("status")).isEqualTo("completed");
            assertThat(result.getInteger("nodes_synced")).isEqualTo(2);
            assertThat(result.getInteger("nodes_failed")).isZero();
            assertThat(result.getJsonObject("nodes").getJsonObject(EAST_NODE).getString(WEST_NODE)).isEqualTo("success");
            assertThat(result.getJsonObject("nodes").getJsonObject(WEST_NODE).getString(EAST_NODE)).isEqualTo("success");
            assertThat(result.getJsonObject("exchanges")).isEqualTo(new JsonObject().put("success", 2));
            synced.flag();
          });
          return readRegion(west, "fs");
        })
        .onComplete(testContext.succeeding(view -> testContext.verify(() -> {
          assertThat(view.getLong("total_count")).isEqualTo(3);
          westSeesIncrement.flag();
        })));
  }

  @Test
  @DisplayName("global reads need the coordinator")
  void globalReadsNeedCoordinator(VertxTestContext testContext) {
    List<String> paths = List.of("/api/counter/views", "/api/counters", "/api/status");
    Checkpoint unavailable = testContext.checkpoint(paths.size());
    AtomicLong startedAt = new AtomicLong(System.nanoTime());

    inOrder(paths, path -> http.get(gatewayPort, path).map(response -> {
      testContext.verify(() -> {
        assertJsonError(response, 503, "coordinator unavailable", path);
        assertThat(response.bodyAsJsonObject().getString("detail")).as(path).contains("coordinator");
        unavailable.flag();
      });
      return null;
    }))
        .onComplete(testContext.succeeding(done -> testContext.verify(() ->
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt.get()))
                .as("no handler fails at once rather than at the timeout")
                .isLessThan(REQUEST_TIMEOUT_MS))));
  }

  @Test
  @DisplayName("silent coordinator read gets 503")
  void silentCoordinatorTimesOut(VertxTestContext testContext) {
    // A consumer that never replies plays a coordinator that is hung or cut off.
    vertx.eventBus().consumer(Addresses.COORDINATOR_API, message -> { })
        .completion()
        .compose(registered -> http.get(gatewayPort, "/api/counter/views"))
        .onComplete(testContext.succeeding(response -> testContext.verify(() -> {
          assertJsonError(response, 503, "coordinator unavailable", "GET /api/counter/views");
          String detail = response.bodyAsJsonObject().getString("detail");
          assertThat(detail).contains("no reply within " + 2 * REQUEST_TIMEOUT_MS + " ms");
          assertThat(detail).as("a read changes nothing").doesNotContain("may or may not have been applied");
          testContext.completeNow();
        })));
  }

  @Test
  @DisplayName("global view merges disagreeing vectors")
  void globalViewMergesVectors(VertxTestContext testContext) {
    Checkpoint disagreeing = testContext.checkpoint();
    Checkpoint convergedView = testContext.checkpoint();
    int coordinatorPort = TestHttp.freePort();

    // us-west learns us-east's first 2, then the partition keeps the next increments apart:
    // us-east {us-east-1: 5} and us-west {us-east-1: 2, us-west-1: 4}. The pointwise maximum is
    // 5 + 4 = 9, unlike the sum of the totals (11) or the larger total (6).
    vertx.deployVerticle(new CoordinatorVerticle(new Settings(serviceSettings(coordinatorPort))))
        .compose(coordinator -> increment(new JsonObject().put("counter_name", "gv").put("amount", 2).put("region", EAST)))
        .compose(reply -> http.postJson(gatewayPort, "/admin/force-sync"))
        .compose(synced -> http.postJson(gatewayPort, "/admin/partition/us-east?enabled=true"))
        .compose(partitioned -> increment(new JsonObject().put("counter_name", "gv").put("amount", 3).put("region", EAST)))
        .compose(reply -> increment(new JsonObject().put("counter_name", "gv").put("amount", 4).put("region", WEST)))
        .compose(reply -> http.postJson(gatewayPort, "/admin/force-sync"))
        .compose(cut -> http.getJson(gatewayPort, "/api/counter/gv"))
        .compose(view -> {
          testContext.verify(() -> {
            assertThat(view.fieldNames()).contains("counter", "global_count", "regions", "convergence",
                "healthy_regions", "total_regions", "query_time_ms");
            assertThat(view.getString("counter")).isEqualTo("gv");
            assertThat(view.getLong("global_count")).isEqualTo(9);
            assertThat(view.getInteger("healthy_regions")).isEqualTo(2);
            assertThat(view.getInteger("total_regions")).isEqualTo(2);
            assertThat(view.getLong("query_time_ms")).isBetween(0L, REQUEST_TIMEOUT_MS);

            JsonObject eastView = view.getJsonObject("regions").getJsonObject(EAST);
            assertThat(eastView.fieldNames()).contains("local_count", "total_count", "nodes", "network_partition");
            assertThat(eastView.getLong("local_count")).isEqualTo(5);
            assertThat(eastView.getLong("total_count")).isEqualTo(5);
            assertThat(eastView.getJsonObject("nodes").getMap()).containsExactly(Map.entry(EAST_NODE, 5));
            assertThat(eastView.getBoolean("network_partition")).isTrue();

            JsonObject westView = view.getJsonObject("regions").getJsonObject(WEST);
            assertThat(westView.getLong("local_count")).isEqualTo(4);
            assertThat(westView.getLong("total_count")).isEqualTo(6);
            assertThat(westView.getJsonObject("nodes").getMap())
                .containsExactly(Map.entry(EAST_NODE, 2), Map.entry(WEST_NODE, 4));
            assertThat(westView.getBoolean("network_partition")).isFalse();

            JsonObject convergence = view.getJsonObject("convergence");
            assertThat(convergence.getBoolean("converged")).isFalse();
            assertThat(convergence.getLong("lag")).isEqualTo(1);
            assertThat(convergence.getLong("max_count")).isEqualTo(6);
            assertThat(convergence.getLong("min_count")).isEqualTo(5);
            disagreeing.flag();
          });
          return http.postJson(gatewayPort, "/admin/partition/us-east?enabled=false");
        })
        .compose(healed -> http.postJson(gatewayPort, "/admin/force-sync"))
        .compose(synced -> http.getJson(gatewayPort, "/api/counter/gv"))
        .onComplete(testContext.succeeding(view -> testContext.verify(() -> {
          assertThat(view.getLong("global_count")).isEqualTo(9);
          JsonObject convergence = view.getJsonObject("convergence");
          assertThat(convergence.getBoolean("converged")).isTrue();
          assertThat(convergence.getLong("lag")).isZero();
          assertThat(convergence.getLong("min_count")).isEqualTo(9);
          for (String region : List.of(EAST, WEST)) {
            JsonObject regionView = view.getJsonObject("regions").getJsonObject(region);
            assertThat(regionView.getJsonObject("nodes").getMap()).as(region)
                .containsExactly(Map.entry(EAST_NODE, 5), Map.entry(WEST_NODE, 4));
            assertThat(regionView.getBoolean("network_partition")).as(region).isFalse();
          }
          convergedView.flag();
        })));
  }

  @Test
  @DisplayName("counters list pages, rejects bad limit")
  void countersLimitValidated(VertxTestContext testContext) {
    List<String> badLimits = List.of("0", "10001", "-1", "abc");
    Checkpoint listed = testContext.checkpoint();
    Checkpoint pastLastName = testContext.checkpoint();
    Checkpoint rejected = testContext.checkpoint(badLimits.size());
    int coordinatorPort = TestHttp.freePort();

    vertx.deployVerticle(new CoordinatorVerticle(new Settings(serviceSettings(coordinatorPort))))
        .compose(coordinator -> increment(new JsonObject().put("counter_name", "listed").put("region", EAST)))
        .compose(reply -> http.getJson(gatewayPort, "/api/counters?limit=10"))
        .compose(list -> {
          testContext.verify(() -> {
            assertThat(list.getInteger("count")).isEqualTo(1);
            assertThat(list.getJsonObject("counters").getJsonObject("listed").getMap()).containsExactly(Map.entry(EAST, 1));
            assertThat(list.getJsonObject("unavailable_regions")).isEmpty();
            listed.flag();
          });
          return http.getJson(gatewayPort, "/api/counters?after=listed");
        })
        .compose(list -> {
          testContext.verify(() -> {
            assertThat(list.getInteger("count")).isZero();
            assertThat(list.getJsonObject("counters")).isEmpty();
            pastLastName.flag();
          });
          return inOrder(badLimits, limit -> http.get(gatewayPort, "/api/counters?limit=" + limit).map(response -> {
            testContext.verify(() -> {
              assertJsonError(response, 400, "invalid limit", "limit=" + limit);
              rejected.flag();
            });
            return null;
          }));
        })
        .onComplete(testContext.succeeding(done -> { }));
  }

  @Test
  @DisplayName("keyed increment naming another region gets 400")
  void keyedIncrementKeepsHomeRegion(VertxTestContext testContext) {
    Checkpoint checked = testContext.checkpoint();
    String key = "home-key";
    JsonObject keyed = new JsonObject().put("counter_name", "keyed_home").put("idempotency_key", key);

    increment(keyed.copy())
        .compose(first -> {
          String home = first.getString("region");
          String other = home.equals(EAST) ? WEST : EAST;
          return http.post(gatewayPort, "/api/increment", keyed.copy().put("region", other))
              .compose(conflict -> http.postJson(gatewayPort, "/api/increment", keyed.copy().put("region", home))
                  .map(replay -> {
                    testContext.verify(() -> {
                      assertThat(first.getString("routing")).isEqualTo(RegionRouter.KEY_HASH);
                      assertJsonError(conflict, 400, "conflicting region", "key " + key + " sent to " + other);
                      assertThat(conflict.bodyAsJsonObject().getString("detail")).contains(home);
                      assertThat(replay.getBoolean("idempotent_replay")).as(replay.encode()).isTrue();
                      assertThat(replay.getLong("total_count")).isEqualTo(1);
                    });
                    return other;
                  }));
        })
        .compose(other -> readRegion(other.equals(EAST) ? east : west, "keyed_home"))
        .onComplete(testContext.succeeding(otherView -> testContext.verify(() -> {
          assertThat(otherView.getLong("total_count")).as("the other region counted nothing").isZero();
          checked.flag();
        })));
  }

  private Future<JsonObject> increment(JsonObject body) {
    return http.postJson(gatewayPort, "/api/increment", body);
  }

  private Future<JsonObject> readRegion(TestRegionNode node, String counter) {
    return http.getJson(node.port(), "/counter/" + counter);
  }

  /**
   * Returns the node's partition table once it lists exactly {@code isolated}. The gateway tells the
   * nodes by a published message, so a node may apply the change just after the reply.
   */
  private Future<JsonObject> awaitIsolatedRegions(TestRegionNode node, List<String> isolated) {
    return http.awaitJson(node.port(), "/admin/partition",
        table -> table.getJsonArray("isolated_regions").getList().equals(isolated), PARTITION_APPLIED_TIMEOUT_MS);
  }

  /** Returns the settings of the gateway or coordinator on {@code port}, for the regions us-east and us-west. */
  private static Map<String, String> serviceSettings(int port) {
    Map<String, String> settings = new HashMap<>(TestRegionNode.settings(EAST, port));
    settings.remove(ConfigKeys.REGION.name());
    settings.remove(ConfigKeys.NODE_ID.name());
    settings.put(ConfigKeys.REGIONS.name(), EAST + "," + WEST);
    settings.put(ConfigKeys.REQUEST_TIMEOUT_MS.name(), String.valueOf(REQUEST_TIMEOUT_MS));
    settings.put(ConfigKeys.STRONG_TIMEOUT_MS.name(), "500");
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
