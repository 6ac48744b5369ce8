package lab.counter.system;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A blocking HTTP client for the system tests, with JSON bodies. */
final class Http {

  /** A response: status and body, the body parsed as JSON when it is JSON. */
  record Response(int status, String body, long millis) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Http() {}

  static Response get(String url) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  static Response post(String url, String body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** Posts a JSON body with extra request headers, such as {@code Idempotency-Key}. */
  static Response post(String url, String body, Map<String, String> headers) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return send(request);
  }

  static Response post(String url) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()));
  }

  private static Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
    long startedAt = System.nanoTime();
    HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.body(), (System.nanoTime() - startedAt) / 1_000_000);
  }
}
