package lab.counter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.region.TestHttp;
import lab.counter.region.TestRegionNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's admin endpoints with {@code ADMIN_TOKEN} set and unset, in front of two real region
 * nodes (us-east-1 and us-west-1) in one non-clustered Vert.x. The nodes start with the simulated
 * WAN latency off and sync only when forced, so each admin action has an effect that a test can
 * observe on the nodes, or observe to be absent.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
@DisplayName("Gateway admin token")
class GatewayAdminAuthTest {

  private static final String TOKEN = "secret";
  private static final String EAST = "us-east";
  private static final String WEST = "us-west";
  private static final String EAST_NODE = "us-east-1";
  private static final String WEST_NODE = "us-west-1";
  private static final long APPLIED_TIMEOUT_MS = 2000;

  /** A request to the gateway's admin API: method and path with query. */
  private record AdminRequest(HttpMethod method, String path) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private static final AdminRequest PARTITION_EAST = new AdminRequest(HttpMethod.POST, "/admin/partition/us-east?enabled=true");
  private static final AdminRequest PARTITION_ALL = new AdminRequest(HttpMethod.POST, "/admin/partition/all?enabled=true");
  private static final AdminRequest LATENCY_ON = new AdminRequest(HttpMethod.POST, "/admin/latency?enabled=true");
  private static final AdminRequest FORCE_SYNC = new AdminRequest(HttpMethod.POST, "/admin/force-sync");
  /** Every admin route the gateway serves, each with a change the nodes show. */
  private static final List<AdminRequest> ADMIN_ROUTES = List.of(PARTITION_EAST, PARTITION_ALL, LATENCY_ON, FORCE_SYNC);

  /** Requests under {@code /admin/} that no route serves: the token check runs before routing. */
  private static final List<AdminRequest> UNROUTED_ADMIN_REQUESTS = List.of(
      new AdminRequest(HttpMethod.GET, "/admin/force-sync"),
      new AdminRequest(HttpMethod.POST, "/admin/no-such-route"));

  /** Authorization headers the gateway must reject. A null entry sends no header. */
  private static final List<String> REJECTED_AUTHORIZATIONS = Arrays.asList(
      null,
      "Bearer not-the-secret",
      TOKEN,
      "Bearer " + TOKEN + "x",
      "Bearer",
      "Basic c2VjcmV0");

  /** The gateway and two region nodes of one test, deployed in that test's Vert.x. */
  private static final class Deployment {
    private final Vertx vertx;
    private final TestHttp http;
    private final WebClient client;
    private final int gatewayPort;
    private TestRegionNode east;
    private TestRegionNode west;

    private Deployment(Vertx vertx) {
      this.vertx = vertx;
      this.http = new TestHttp(vertx);
      this.client = WebClient.create(vertx);
      this.gatewayPort = TestHttp.freePort();
    }

    /** Deploys the gateway, with {@code ADMIN_TOKEN} set to {@code token} unless it is null, and both nodes. */
    static Future<Deployment> start(Vertx vertx, String token) {
      Deployment deployment = new Deployment(vertx);
      Map<String, String> settings = gatewaySettings(deployment.gatewayPort);
      if (token != null) {
        settings.put(ConfigKeys.ADMIN_TOKEN.name(), token);
      }
      return vertx.deployVerticle(new GatewayVerticle(new Settings(settings)))
          .compose(gateway -> {
            Future<TestRegionNode> east = TestRegionNode.deploy(vertx, EAST);
            Future<TestRegionNode> west = TestRegionNode.deploy(vertx, WEST);
            return Future.all(east, west).compose(deployed -> {
              deployment.east = east.result();
              deployment.west = west.result();
              return Future.all(deployment.east.awaitReady(deployment.http), deployment.west.awaitReady(deployment.http));
            });
          })
          .map(ready -> deployment);
    }

    Future<HttpResponse<Buffer>> send(AdminRequest request, String authorization) {
      HttpRequest<Buffer> httpRequest = client.request(request.method(), gatewayPort, TestHttp.HOST, request.path());
      if (authorization != null) {
        httpRequest.putHeader("Authorization", authorization);
      }
      return httpRequest.send();
    }

    Future<JsonObject> increment(String region, long amount) {
      return http.postJson(gatewayPort, "/api/increment",
          new JsonObject().put("counter_name", "admin_auth").put("amount", amount).put("region", region));
    }

    Future<Long> westTotal() {
      return http.getJson(west.port(), "/counter/admin_auth").map(view -> view.getLong("total_count"));
    }

    /** Returns the {@code /status} of both nodes once each lists exactly {@code isolated} as isolated regions. */
    Future<List<JsonObject>> awaitIsolated(List<String> isolated) {
      Future<JsonObject> eastStatus = http.awaitJson(east.port(), "/status", status -> isolatedRegions(status).equals(isolated),
          APPLIED_TIMEOUT_MS);
      Future<JsonObject> westStatus = http.awaitJson(west.port(), "/status", status -> isolatedRegions(status).equals(isolated),
          APPLIED_TIMEOUT_MS);
      return Future.all(eastStatus, westStatus).map(both -> List.of(eastStatus.result(), westStatus.result()));
    }

    /** Returns the {@code /status} of both nodes once each reports the WAN latency model as {@code enabled}. */
    Future<List<JsonObject>> awaitLatencyEnabled(boolean enabled) {
      Future<JsonObject> eastStatus = http.awaitJson(east.port(), "/status", status -> latencyEnabled(status) == enabled,
          APPLIED_TIMEOUT_MS);
      Future<JsonObject> westStatus = http.awaitJson(west.port(), "/status", status -> latencyEnabled(status) == enabled,
          APPLIED_TIMEOUT_MS);
      return Future.all(eastStatus, westStatus).map(both -> List.of(eastStatus.result(), westStatus.result()));
    }
  }

  @Nested
  @DisplayName("with ADMIN_TOKEN set")
  class TokenSet {

    @Test
    @DisplayName("rejected requests get 401 and change nothing")
    void rejectedRequestsChangeNothing(Vertx vertx, VertxTestContext testContext) {
      List<AdminRequest> requests = new ArrayList<>(ADMIN_ROUTES);
      requests.addAll(UNROUTED_ADMIN_REQUESTS);
      List<Map.Entry<AdminRequest, String>> cases = new ArrayList<>();
      for (AdminRequest request : requests) {
        for (String authorization : REJECTED_AUTHORIZATIONS) {
          cases.add(new AbstractMap.SimpleEntry<>(request, authorization));
        }
      }
      Checkpoint rejected = testContext.checkpoint(cases.size());
      Checkpoint nothingChanged = testContext.checkpoint();

      Deployment.start(vertx, TOKEN).onComplete(testContext.succeeding(deployment -> deployment.increment(EAST, 3)
          .compose(incremented -> inOrder(cases, entry -> deployment.send(entry.getKey(), entry.getValue()).map(response -> {
            testContext.verify(() -> {
              assertUnauthorized(response, entry.getKey() + " with Authorization " + entry.getValue());
              rejected.flag();
            });
            return null;
          })))
          // A partition of us-west with the token is a barrier: the nodes apply control messages in
          // order, so once they show us-west alone isolated, an earlier leaked change would show too.
          .compose(done -> deployment.send(new AdminRequest(HttpMethod.POST, "/admin/partition/us-west?enabled=true"),
              "Bearer " + TOKEN))
          .compose(barrier -> deployment.awaitIsolated(List.of(WEST)))
          .compose(statuses -> {
            testContext.verify(() -> {
              for (JsonObject status : statuses) {
                assertThat(latencyEnabled(status)).as("WAN latency still off on " + status.getString("node_id")).isFalse();
              }
            });
            return deployment.westTotal();
          })
          .onComplete(testContext.succeeding(westTotal -> testContext.verify(() -> {
            assertThat(westTotal).as("us-west never synced with us-east: no force-sync ran").isZero();
            nothingChanged.flag();
          })))));
    }

    @Test
    @DisplayName("partition with the token isolates the region")
    void partitionWithToken(Vertx vertx, VertxTestContext testContext) {
      Checkpoint accepted = testContext.checkpoint();
      Checkpoint applied = testContext.checkpoint();

      Deployment.start(vertx, TOKEN).onComplete(testContext.succeeding(deployment -> deployment
          .send(PARTITION_EAST, "Bearer " + TOKEN)
          .compose(response -> {
            testContext.verify(() -> {
              assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
              assertThat(response.bodyAsJsonObject().getJsonArray("partitioned_regions").getList()).containsExactly(EAST);
              accepted.flag();
            });
            return deployment.awaitIsolated(List.of(EAST));
          })
          .onComplete(testContext.succeeding(statuses -> applied.flag()))));
    }

    @Test
    @DisplayName("partition of all with the token isolates every region")
    void partitionAllWithToken(Vertx vertx, VertxTestContext testContext) {
      Checkpoint accepted = testContext.checkpoint();
      Checkpoint applied = testContext.checkpoint();

      Deployment.start(vertx, TOKEN).onComplete(testContext.succeeding(deployment -> deployment
          .send(PARTITION_ALL, "Bearer " + TOKEN)
          .compose(response -> {
            testContext.verify(() -> {
              assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
              assertThat(response.bodyAsJsonObject().getJsonArray("partitioned_regions").getList()).containsExactly(EAST, WEST);
              accepted.flag();
            });
            return deployment.awaitIsolated(List.of(EAST, WEST));
          })
          .onComplete(testContext.succeeding(statuses -> applied.flag()))));
    }

    @Test
    @DisplayName("latency with the token switches the model on")
    void latencyWithToken(Vertx vertx, VertxTestContext testContext) {
      Checkpoint accepted = testContext.checkpoint();
      Checkpoint applied = testContext.checkpoint();

      // The scheme name is case-insensitive, so a lower-case "bearer" is accepted too.
      Deployment.start(vertx, TOKEN).onComplete(testContext.succeeding(deployment -> deployment
          .send(LATENCY_ON, "bearer " + TOKEN)
          .compose(response -> {
            testContext.verify(() -> {
              assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
              assertThat(response.bodyAsJsonObject().getBoolean("enabled")).as(response.bodyAsString()).isTrue();
              accepted.flag();
            });
            return deployment.awaitLatencyEnabled(true);
          })
          .onComplete(testContext.succeeding(statuses -> applied.flag()))));
    }

    @Test
    @DisplayName("force-sync with the token syncs the nodes")
    void forceSyncWithToken(Vertx vertx, VertxTestContext testContext) {
      Checkpoint accepted = testContext.checkpoint();
      Checkpoint synced = testContext.checkpoint();

      Deployment.start(vertx, TOKEN).onComplete(testContext.succeeding(deployment -> deployment.increment(EAST, 3)
          .compose(incremented -> deployment.send(FORCE_SYNC, "Bearer " + TOKEN))
          .compose(response -> {
            testContext.verify(() -> {
              assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
              JsonObject result = response.bodyAsJsonObject();
              assertThat(result.getInteger("nodes_synced")).as(result.encode()).isEqualTo(2);
              assertThat(result.getJsonObject("nodes").getJsonObject(WEST_NODE).getString(EAST_NODE)).as(result.encode())
                  .isEqualTo("success");
              accepted.flag();
            });
            return deployment.westTotal();
          })
          .onComplete(testContext.succeeding(westTotal -> testContext.verify(() -> {
            assertThat(westTotal).isEqualTo(3);
            synced.flag();
          })))));
    }

    @Test
    @DisplayName("unrouted admin path with the token gets 404")
    void unroutedPathWithToken(Vertx vertx, VertxTestContext testContext) {
      Checkpoint notFound = testContext.checkpoint(UNROUTED_ADMIN_REQUESTS.size());

      Deployment.start(vertx, TOKEN).onComplete(testContext.succeeding(deployment -> inOrder(UNROUTED_ADMIN_REQUESTS,
          request -> deployment.send(request, "Bearer " + TOKEN).map(response -> {
            testContext.verify(() -> {
              assertThat(response.statusCode()).as(request + ": " + response.bodyAsString()).isIn(404, 405);
              assertThat(response.bodyAsJsonObject().getString("error")).as(request.toString()).isNotBlank();
              notFound.flag();
            });
            return null;
          }))
          .onComplete(testContext.succeeding(done -> { }))));
    }

    @Test
    @DisplayName("public routes need no token")
    void publicRoutesOpen(Vertx vertx, VertxTestContext testContext) {
      Checkpoint healthy = testContext.checkpoint();
      Checkpoint counted = testContext.checkpoint();

      Deployment.start(vertx, TOKEN).onComplete(testContext.succeeding(deployment -> deployment.http
          .getJson(deployment.gatewayPort, "/health")
          .compose(health -> {
            testContext.verify(() -> {
              assertThat(health.getString("status")).isEqualTo("UP");
              healthy.flag();
            });
            return deployment.increment(WEST, 2);
          })
          .onComplete(testContext.succeeding(reply -> testContext.verify(() -> {
            assertThat(reply.getLong("local_count")).as(reply.encode()).isEqualTo(2);
            counted.flag();
          })))));
    }
  }

  @Nested
  @DisplayName("with ADMIN_TOKEN unset")
  class TokenUnset {

    @Test
    @DisplayName("admin routes are open")
    void adminRoutesOpen(Vertx vertx, VertxTestContext testContext) {
      // Force-sync first, because a sync between isolated regions is dropped.
      List<AdminRequest> requests = List.of(FORCE_SYNC, LATENCY_ON, PARTITION_EAST, PARTITION_ALL);
      Checkpoint accepted = testContext.checkpoint(requests.size());
      Checkpoint applied = testContext.checkpoint();

      Deployment.start(vertx, null).onComplete(testContext.succeeding(deployment -> deployment.increment(EAST, 3)
          .compose(incremented -> inOrder(requests, request -> deployment.send(request, null).map(response -> {
            testContext.verify(() -> {
              assertThat(response.statusCode()).as(request + ": " + response.bodyAsString()).isEqualTo(200);
              assertThat(response.getHeader("WWW-Authenticate")).as(request.toString()).isNull();
              accepted.flag();
            });
            return null;
          })))
          .compose(done -> deployment.awaitIsolated(List.of(EAST, WEST)))
          .compose(statuses -> deployment.awaitLatencyEnabled(true))
          .compose(statuses -> deployment.westTotal())
          .onComplete(testContext.succeeding(westTotal -> testContext.verify(() -> {
            assertThat(westTotal).as("us-west learnt us-east's increment by the force-sync").isEqualTo(3);
            applied.flag();
          })))));
    }

    @Test
    @DisplayName("any Authorization header is ignored")
    void authorizationIgnored(Vertx vertx, VertxTestContext testContext) {
      Checkpoint accepted = testContext.checkpoint(REJECTED_AUTHORIZATIONS.size());
      AdminRequest heal = new AdminRequest(HttpMethod.POST, "/admin/partition/all?enabled=false");

      Deployment.start(vertx, null).onComplete(testContext.succeeding(deployment -> inOrder(REJECTED_AUTHORIZATIONS,
          authorization -> deployment.send(heal, authorization).map(response -> {
            testContext.verify(() -> {
              assertThat(response.statusCode()).as("Authorization " + authorization + ": " + response.bodyAsString())
                  .isEqualTo(200);
              accepted.flag();
            });
            return null;
          }))
          .onComplete(testContext.succeeding(done -> { }))));
    }
  }

  private static List<Object> isolatedRegions(JsonObject status) {
    return status.getJsonObject("partition").getJsonArray("isolated_regions").getList();
  }

  private static boolean latencyEnabled(JsonObject status) {
    return status.getJsonObject("wan_latency").getBoolean("enabled");
  }

  private static void assertUnauthorized(HttpResponse<Buffer> response, String description) {
    assertThat(response.statusCode()).as("%s: status of %s", description, response.bodyAsString()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).as(description).isEqualTo("Bearer");
    assertThat(response.getHeader("Content-Type")).as(description).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).as(description).containsExactlyInAnyOrder("error", "detail");
    assertThat(body.getString("error")).as(description).isEqualTo("unauthorized");
    assertThat(body.getString("detail")).as(description).isNotBlank();
  }

  /** Returns the gateway's settings on {@code port} for the regions us-east and us-west, without a token. */
  private static Map<String, String> gatewaySettings(int port) {
    Map<String, String> settings = new HashMap<>(TestRegionNode.settings(EAST, port));
    settings.remove(ConfigKeys.REGION.name());
    settings.remove(ConfigKeys.NODE_ID.name());
    settings.put(ConfigKeys.REGIONS.name(), EAST + "," + WEST);
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
}
