package lab.counter.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.search.Search;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** HEAD requests on a real server built by {@link HttpSupport} on 127.0.0.1. */
@DisplayName("HEAD requests")
class HttpSupportHeadTest {

  private static final String SERVICE = "headtest";

  private Vertx vertx;
  private int port;

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    Router router = HttpSupport.createRouter(vertx, 1024, SERVICE);
    router.get("/status").handler(ctx -> HttpSupport.ok(ctx, new JsonObject().put("status", "UP")));
    router.post("/increment").handler(ctx -> HttpSupport.ok(ctx, new JsonObject()));
    port = HttpSupport.createServer(vertx, router, 1024).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterEach
  void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("HEAD on a GET route gets its status and headers, no body")
  void headOnGetRoute() throws Exception {
    String response = exchange("HEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 200 ");
    assertThat(response).containsIgnoringCase("content-type: application/json");
    assertThat(response).as("nothing after the headers").endsWith("\r\n\r\n");
    Search heads = Metrics.registry().find(MetricNames.httpRequests(SERVICE)).tag(MetricNames.TAG_METHOD, "HEAD");
    assertThat(heads.counters()).as("HEAD is recorded as the GET it is served as").isEmpty();
  }

  @Test
  @DisplayName("HEAD on a POST route gets 405 with Allow")
  void headOnPostRoute() throws Exception {
    String response = exchange("HEAD /increment HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 405 ");
    assertThat(response).containsIgnoringCase("allow: POST\r\n");
    assertThat(response).as("nothing after the headers").endsWith("\r\n\r\n");
  }

  /** Sends {@code request} as raw bytes and returns every byte of the response, read until the server closes. */
  private String exchange(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(received);
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
