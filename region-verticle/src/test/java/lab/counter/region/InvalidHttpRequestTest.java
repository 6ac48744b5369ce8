package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests the HTTP decoder rejects before routing, sent as raw bytes to one real
 * {@link RegionVerticle}: each gets its status with a JSON error, and the node keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("invalid HTTP requests")
class InvalidHttpRequestTest {

  private Vertx vertx;
  private TestRegionNode node;

  @BeforeAll
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    node = TestRegionNode.deployReady(vertx, "us-east");
  }

  @AfterAll
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Stream<Arguments> invalidRequests() {
    return Stream.of(
        Arguments.of("garbage request line", "GARBAGE\r\n\r\n", 400),
        Arguments.of("control character in a header", "GET /health HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k\u0001x\r\n\r\n", 400),
        Arguments.of("20 KB header", "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", 431),
        Arguments.of("100 KB request line", "GET /" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  @DisplayName("gets a JSON error")
  void invalidRequestGetsJsonError(String description, String request, int status) throws Exception {
    String response = send(request);

    assertThat(response).as(description).matches("(?s)HTTP/1\\.[01] " + status + " .*");
    assertThat(response).as(description).containsIgnoringCase("content-type: application/json");
    JsonObject body = new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4));
    assertThat(body.fieldNames()).as(description).containsExactlyInAnyOrder("error", "detail");
    assertThat(send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).as("still serving").startsWith("HTTP/1.1 200");
  }

  /** Sends raw bytes and returns everything the node sends until it closes the connection. */
  private String send(String request) throws Exception {
    try (Socket socket = new Socket(TestHttp.HOST, node.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      in.transferTo(received);
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
