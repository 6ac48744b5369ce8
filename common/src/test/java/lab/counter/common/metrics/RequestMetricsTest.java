package lab.counter.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests through a real HTTP server on 127.0.0.1, counted and timed into a fresh registry. */
class RequestMetricsTest {

  private static final String REQUESTS = "svc.requests";
  private static final String DURATION = "svc.request.duration";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final HttpClient client = HttpClient.newHttpClient();
  private Vertx vertx;
  private int port;
  /** Requests sent so far, each of which the registry must have recorded before the next. */
  private int calls;

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    RequestMetrics.install(router, registry, REQUESTS, DURATION);
    router.route().handler(BodyHandler.create(false).setBodyLimit(16));
    router.post("/items").handler(ctx -> ctx.response().setStatusCode(201).end());
    router.get("/items/:id").handler(ctx -> ctx.response().end("item " + ctx.pathParam("id")));
    router.post("/fail").handler(ctx -> ctx.response().setStatusCode(503).end());
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  @AfterEach
  void stopServer() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void countsByRouteTemplateMethodAndStatus() throws Exception {
    assertThat(call("GET", "/items/1")).isEqualTo(200);
    assertThat(call("GET", "/items/2")).isEqualTo(200);
    assertThat(call("POST", "/fail")).isEqualTo(503);
    assertThat(call("POST", "/fail")).isEqualTo(503);
    assertThat(call("POST", "/fail")).isEqualTo(503);

    assertThat(requests("/items/:id", "GET", "200")).isEqualTo(2);
    assertThat(requests("/fail", "POST", "503")).isEqualTo(3);
    assertThat(durations("/items/:id", "GET").count()).isEqualTo(2);
    assertThat(durations("/fail", "POST").count()).isEqualTo(3);
    assertThat(durations("/fail", "POST").totalTime(TimeUnit.NANOSECONDS)).isPositive();
    // The raw path never becomes a tag, so the series stay bounded.
    assertThat(registry.find(REQUESTS).tag(MetricNames.TAG_ROUTE, "/items/1").counter()).isNull();
  }

  @Test
  void unknownPathsAndMethodsPooled() throws Exception {
    assertThat(call("GET", "/no/such/path")).isEqualTo(404);
    assertThat(call("GET", "/another/missing/path")).isEqualTo(404);
    int invented = call("BREW", "/items/1");

    assertThat(requests(RequestMetrics.UNMATCHED, "GET", "404")).isEqualTo(2);
    assertThat(registry.find(REQUESTS).tag(MetricNames.TAG_METHOD, RequestMetrics.OTHER_METHOD)
        .tag(MetricNames.TAG_STATUS, String.valueOf(invented)).counter()).isNotNull();
    assertThat(registry.find(REQUESTS).tag(MetricNames.TAG_METHOD, "BREW").counter()).isNull();
  }

  @Test
  void rejectedRequestsKeepTheirRoute() throws Exception {
    assertThat(call("POST", "/items", "x".repeat(100))).isEqualTo(413);
    assertThat(call("DELETE", "/items/7")).isEqualTo(405);

    assertThat(requests("/items", "POST", "413")).isEqualTo(1);
    assertThat(requests("/items/:id", "DELETE", "405")).isEqualTo(1);
    assertThat(registry.find(REQUESTS).tag(MetricNames.TAG_ROUTE, RequestMetrics.UNMATCHED).counter()).isNull();
  }

  @Test
  void templatesMatchPaths() {
    assertThat(RequestMetrics.matchesTemplate("/items/:id", "/items/7")).isTrue();
    assertThat(RequestMetrics.matchesTemplate("/items/:id", "/items/")).isFalse();
    assertThat(RequestMetrics.matchesTemplate("/items/:id", "/items/7/parts")).isFalse();
    assertThat(RequestMetrics.matchesTemplate("/items", "/items")).isTrue();
    assertThat(RequestMetrics.matchesTemplate("/items", "/itemsx")).isFalse();
    assertThat(RequestMetrics.matchesTemplate("/admin/*", "/admin/partition/us-east")).isTrue();
    assertThat(RequestMetrics.matchesTemplate("/admin/*", "/api/increment")).isFalse();
  }

  private int call(String method, String path) throws Exception {
    return call(method, path, "");
  }

  private int call(String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    // The end handler records after the response is written, so wait for it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (recorded() < calls + 1 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    calls++;
    return status;
  }

  private long recorded() {
    return (long) registry.find(REQUESTS).counters().stream().mapToDouble(Counter::count).sum();
  }

  private long requests(String route, String method, String status) {
    Counter counter = registry.find(REQUESTS).tag(MetricNames.TAG_ROUTE, route).tag(MetricNames.TAG_METHOD, method)
        .tag(MetricNames.TAG_STATUS, status).counter();
    assertThat(counter).as("counter of %s %s %s among %s", method, route, status,
        registry.find(REQUESTS).counters().stream().map(found -> found.getId().getTags()).toList()).isNotNull();
    return (long) counter.count();
  }

  private Timer durations(String route, String method) {
    Timer timer = registry.find(DURATION).tag(MetricNames.TAG_ROUTE, route).tag(MetricNames.TAG_METHOD, method).timer();
    assertThat(timer).as("timer of %s %s", method, route).isNotNull();
    return timer;
  }
}
