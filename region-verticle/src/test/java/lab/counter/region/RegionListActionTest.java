package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * The region's event-bus {@code list} action and {@code GET /counters}: the page size as a number
 * or a decimal string, a 400 failure for any other {@code limit}, and {@code truncated} only when
 * counters follow the page. One real {@link RegionVerticle} without peers contains four counters,
 * {@code page_a} to {@code page_d} with totals 1 to 4, and no test changes them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Region list action")
class RegionListActionTest {

  private static final String REGION = "us-east";
  private static final Map<String, Long> COUNTERS = orderedCounters();
  private static final long TIMEOUT_SECONDS = 10;

  private Vertx vertx;
  private TestHttp http;
  private TestRegionNode node;

  @BeforeAll
  void deployNodeWithFourCounters() throws Exception {
    vertx = Vertx.vertx();
    http = new TestHttp(vertx);
    node = await(TestRegionNode.deploy(vertx, REGION));
    await(node.awaitReady(http));
    for (Map.Entry<String, Long> counter : COUNTERS.entrySet()) {
      JsonObject body = new JsonObject().put("counter_name", counter.getKey()).put("amount", counter.getValue());
      await(request(Actions.INCREMENT, body));
    }
  }

  @AfterAll
  void closeVertx() throws Exception {
    await(vertx.close());
  }

  static Stream<Arguments> validLimits() {
    return Stream.of(
        // limit as sent, names expected on the first page, truncated
        Arguments.of("5", List.of("page_a", "page_b", "page_c", "page_d"), false),
        Arguments.of(" 5 ", List.of("page_a", "page_b", "page_c", "page_d"), false),
        Arguments.of("4", List.of("page_a", "page_b", "page_c", "page_d"), false),
        Arguments.of("2", List.of("page_a", "page_b"), true),
        Arguments.of(2, List.of("page_a", "page_b"), true),
        Arguments.of(4, List.of("page_a", "page_b", "page_c", "page_d"), false));
  }

  @ParameterizedTest(name = "limit {0}")
  @MethodSource("validLimits")
  @DisplayName("number or decimal string limit pages")
  void limitAsNumberOrString(Object limit, List<String> expectedNames, boolean expectedTruncated) throws Exception {
    JsonObject page = await(request(Actions.LIST, new JsonObject().put("limit", limit)));

    assertPage(page, expectedNames, expectedTruncated, "limit " + limit);
  }

  @Test
  @DisplayName("absent limit returns every counter")
  void absentLimitDefaults() throws Exception {
    JsonObject page = await(request(Actions.LIST, new JsonObject()));

    assertPage(page, List.of("page_a", "page_b", "page_c", "page_d"), false, "no limit");
  }

  static Stream<Arguments> invalidLimits() {
    return Stream.of(
        Arguments.of("abc"),
        Arguments.of(""),
        Arguments.of("1.5"),
        Arguments.of("5x"),
        Arguments.of(1.5),
        Arguments.of(true),
        Arguments.of(new JsonArray().add(5)),
        Arguments.of(new JsonObject().put("limit", 5)),
        Arguments.of(10_000_000_000L),
        Arguments.of("0"),
        Arguments.of(0),
        Arguments.of(-1),
        Arguments.of("10001"),
        Arguments.of(RegionNode.MAX_LIST_LIMIT + 1));
  }

  @ParameterizedTest(name = "limit {0}")
  @MethodSource("invalidLimits")
  @DisplayName("invalid limit fails with 400")
  void invalidLimitRejected(Object limit) throws Exception {
    Throwable failure = catchThrowable(() -> await(request(Actions.LIST, new JsonObject().put("limit", limit))));

    assertThat(failure).as("limit %s", limit).isInstanceOf(ReplyException.class);
    ReplyException reply = (ReplyException) failure;
    assertThat(reply.failureCode()).as("failure code for limit %s: %s", limit, reply.getMessage()).isEqualTo(400);
    JsonObject error = new JsonObject(reply.getMessage());
    assertThat(error.getString("error")).as(reply.getMessage()).isEqualTo("invalid limit");
    assertThat(error.getString("detail")).as(reply.getMessage()).contains("limit");
    JsonObject status = await(request(Actions.STATUS, new JsonObject()));
    assertThat(status.getString("status")).as("node still serves after limit %s", limit).isEqualTo("UP");
  }

  static Stream<Arguments> pages() {
    return Stream.of(
        // after, limit, names expected, truncated
        Arguments.of(null, 2, List.of("page_a", "page_b"), true),
        Arguments.of("page_b", 2, List.of("page_c", "page_d"), false),
        Arguments.of("page_d", 2, List.of(), false),
        Arguments.of("page_a", 3, List.of("page_b", "page_c", "page_d"), false),
        Arguments.of("page_a", 2, List.of("page_b", "page_c"), true),
        Arguments.of("page_c", 1, List.of("page_d"), false),
        Arguments.of("page_b", 1, List.of("page_c"), true),
        Arguments.of("page_bb", 1, List.of("page_c"), true));
  }

  @ParameterizedTest(name = "after {0}, limit {1}")
  @MethodSource("pages")
  @DisplayName("event-bus page is truncated only when counters follow")
  void eventBusPageTruncation(String after, int limit, List<String> expectedNames, boolean expectedTruncated) throws Exception {
    JsonObject body = new JsonObject().put("limit", limit);
    if (after != null) {
      body.put("after", after);
    }

    JsonObject page = await(request(Actions.LIST, body));

    assertPage(page, expectedNames, expectedTruncated, "after " + after + ", limit " + limit);
  }

  @ParameterizedTest(name = "after {0}, limit {1}")
  @MethodSource("pages")
  @DisplayName("HTTP page is truncated only when counters follow")
  void httpPageTruncation(String after, int limit, List<String> expectedNames, boolean expectedTruncated) throws Exception {
    String path = "/counters?limit=" + limit + (after == null ? "" : "&after=" + after);

    JsonObject page = await(http.getJson(node.port(), path));

    assertPage(page, expectedNames, expectedTruncated, "GET " + path);
  }

  @Test
  @DisplayName("HTTP limit that is not an integer gets 400")
  void httpInvalidLimitRejected() throws Exception {
    for (String limit : List.of("abc", "1.5", "true", "0")) {
      var response = await(http.get(node.port(), "/counters?limit=" + limit));

      assertThat(response.statusCode()).as("limit %s: %s", limit, response.bodyAsString()).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("error")).as("limit %s", limit).isEqualTo("invalid limit");
    }
  }

  private void assertPage(JsonObject page, List<String> expectedNames, boolean expectedTruncated, String description) {
    JsonObject counters = page.getJsonObject("counters");
    assertThat(List.copyOf(counters.fieldNames())).as("%s: names in %s", description, page.encode())
        .containsExactlyElementsOf(expectedNames);
    for (String name : expectedNames) {
      assertThat(counters.getLong(name)).as("%s: total of %s", description, name).isEqualTo(COUNTERS.get(name));
    }
    assertThat(page.getInteger("returned")).as("%s: returned", description).isEqualTo(expectedNames.size());
    assertThat(page.getBoolean("truncated")).as("%s: truncated in %s", description, page.encode()).isEqualTo(expectedTruncated);
    assertThat(page.getInteger("total_counters")).as("%s: total_counters", description).isEqualTo(COUNTERS.size());
  }

  private Future<JsonObject> request(String action, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.ACTION, action);
    return vertx.eventBus().<JsonObject>request(Addresses.regionApi(REGION), body, options).map(Message::body);
  }

  /** Waits for {@code future} and returns its result, rethrowing its failure as it is. */
  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  private static Map<String, Long> orderedCounters() {
    Map<String, Long> counters = new LinkedHashMap<>();
    counters.put("page_a", 1L);
    counters.put("page_b", 2L);
    counters.put("page_c", 3L);
    counters.put("page_d", 4L);
    return counters;
  }
}
