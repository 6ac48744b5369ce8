package lab.counter.region;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.function.Predicate;

/**
 * HTTP calls to services under test on 127.0.0.1, for handler tests that deploy several services
 * in one Vert.x. Shared with the gateway and coordinator tests through this module's test jar.
 */
public final class TestHttp {

  /** The only host tests talk to. */
  public static final String HOST = "127.0.0.1";

  private static final long POLL_INTERVAL_MS = 50;

  private final Vertx vertx;
  private final WebClient client;

  public TestHttp(Vertx vertx) {
    this.vertx = vertx;
    this.client = WebClient.create(vertx);
  }

  /** Returns a TCP port that was free on the loopback interface a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code GET path}. The path must already be percent-encoded. */
  public Future<HttpResponse<Buffer>> get(int port, String path) {
    return client.get(port, HOST, path).send();
  }

  /** Sends {@code POST path} without a body. */
  public Future<HttpResponse<Buffer>> post(int port, String path) {
    return client.post(port, HOST, path).send();
  }

  /** Sends {@code POST path} with a JSON body. */
  public Future<HttpResponse<Buffer>> post(int port, String path, JsonObject body) {
    return client.post(port, HOST, path).sendJsonObject(body);
  }

  /** Sends {@code POST path} with {@code body} as it is, labelled as JSON. */
  public Future<HttpResponse<Buffer>> postRaw(int port, String path, String body) {
    return client.post(port, HOST, path)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body));
  }

  /** Sends {@code GET path} and returns the JSON body, failing unless the status is 200. */
  public Future<JsonObject> getJson(int port, String path) {
    return get(port, path).compose(response -> okBody("GET " + path, response));
  }

  /** Sends {@code POST path} without a body and returns the JSON body, failing unless the status is 200. */
  public Future<JsonObject> postJson(int port, String path) {
    return post(port, path).compose(response -> okBody("POST " + path, response));
  }

  /** Sends {@code POST path} with a JSON body and returns the JSON reply, failing unless the status is 200. */
  public Future<JsonObject> postJson(int port, String path, JsonObject body) {
    return post(port, path, body).compose(response -> okBody("POST " + path + " " + body.encode(), response));
  }

  /** Polls {@code GET path} until it returns {@code status}, failing after {@code timeoutMillis}. */
  public Future<Void> awaitStatus(int port, String path, int status, long timeoutMillis) {
    Promise<Void> promise = Promise.promise();
    poll(port, path, status, System.currentTimeMillis() + timeoutMillis, promise);
    return promise.future();
  }

  /**
   * Polls {@code GET path} until it returns 200 with a body that matches {@code condition}, and
   * returns that body. A change another service announces by a published message reaches this
   * service a little later, so tests wait for it this way.
   */
  public Future<JsonObject> awaitJson(int port, String path, Predicate<JsonObject> condition, long timeoutMillis) {
    Promise<JsonObject> promise = Promise.promise();
    pollJson(port, path, condition, System.currentTimeMillis() + timeoutMillis, promise);
    return promise.future();
  }

  private void pollJson(int port, String path, Predicate<JsonObject> condition, long giveUpAt, Promise<JsonObject> promise) {
    getJson(port, path).onComplete(response -> {
      if (response.succeeded() && condition.test(response.result())) {
        promise.complete(response.result());
      } else if (System.currentTimeMillis() > giveUpAt) {
        String last = response.succeeded() ? response.result().encode() : response.cause().toString();
        promise.fail(new AssertionError("GET " + HOST + ":" + port + path + " never matched the condition; last: " + last));
      } else {
        vertx.setTimer(POLL_INTERVAL_MS, id -> pollJson(port, path, condition, giveUpAt, promise));
      }
    });
  }

  private void poll(int port, String path, int status, long giveUpAt, Promise<Void> promise) {
    get(port, path).onComplete(response -> {
      if (response.succeeded() && response.result().statusCode() == status) {
        promise.complete();
      } else if (System.currentTimeMillis() > giveUpAt) {
        String last = response.succeeded()
            ? response.result().statusCode() + " " + response.result().bodyAsString()
            : response.cause().toString();
        promise.fail(new AssertionError("GET " + HOST + ":" + port + path + " never returned " + status + "; last: " + last));
      } else {
        vertx.setTimer(POLL_INTERVAL_MS, id -> poll(port, path, status, giveUpAt, promise));
      }
    });
  }

  private static Future<JsonObject> okBody(String request, HttpResponse<Buffer> response) {
    if (response.statusCode() != 200) {
      return Future.failedFuture(new AssertionError(
          request + " returned " + response.statusCode() + ": " + response.bodyAsString()));
    }
    return Future.succeededFuture(response.bodyAsJsonObject());
  }
}
