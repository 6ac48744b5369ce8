package lab.counter.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JSON bodies sent with curl's default {@code application/x-www-form-urlencoded} type, through a
 * real server built by {@link HttpSupport} on 127.0.0.1.
 */
class HttpSupportFormBodyTest {

  private static final long BODY_LIMIT = 65536;
  private static final String FORM = "application/x-www-form-urlencoded";

  private final HttpClient client = HttpClient.newHttpClient();
  private Vertx vertx;
  private int port;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  /** Starts a server whose {@code POST /echo} returns the body's counter name, with {@code bodyLimit}. */
  private void startServer(long bodyLimit) throws Exception {
    Router router = HttpSupport.createRouter(vertx, bodyLimit, "test");
    router.post("/echo").handler(ctx -> {
      JsonObject body = HttpSupport.jsonBody(ctx);
      HttpSupport.ok(ctx, new JsonObject().put("counter", RequestFields.counterName(body)));
    });
    HttpServer server = HttpSupport.createServer(vertx, router, bodyLimit).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  @AfterEach
  void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void smallFormTypedJsonIsRead() throws Exception {
    startServer(BODY_LIMIT);

    HttpResponse<String> response = post(FORM, "{\"counter_name\":\"views\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("counter")).isEqualTo("views");
  }

  @Test
  void largeFormTypedJsonReachesValidation() throws Exception {
    startServer(BODY_LIMIT);

    HttpResponse<String> response = post(FORM, "{\"counter_name\":\"" + "v".repeat(3000) + "\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("invalid counter_name");
  }

  @Test
  void manyFormFieldsReachTheJsonParser() throws Exception {
    startServer(BODY_LIMIT);

    HttpResponse<String> response = post(FORM, "a=1&".repeat(2000));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("invalid JSON");
  }

  @Test
  void formBodyOverLimitGets413() throws Exception {
    startServer(BODY_LIMIT);

    HttpResponse<String> response = post(FORM, "{\"counter_name\":\"" + "v".repeat(70_000) + "\"}");

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("body too large");
  }

  @Test
  void formLimitFollowsRaisedBodyLimit() throws Exception {
    startServer(4 * BODY_LIMIT);

    HttpResponse<String> response = post(FORM, "{\"counter_name\":\"" + "v".repeat(100_000) + "\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("invalid counter_name");
  }

  private HttpResponse<String> post(String contentType, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
