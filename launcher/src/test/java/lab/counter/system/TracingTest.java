package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.config.Settings;
import lab.counter.common.metrics.Tracing;
import lab.counter.gateway.GatewayVerticle;
import lab.counter.region.RegionVerticle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing through the real verticles in one non-clustered Vert.x instance, with the OpenTelemetry
 * SDK exporting to memory. One increment through the gateway must yield one trace. It contains the
 * gateway's HTTP server span, the event-bus request to the region and the region's receipt of it.
 */
class TracingTest {

  private static final String REGION_ADDRESS = "counter.region.us-east";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private InMemorySpanExporter exporter;
  private OpenTelemetrySdk sdk;
  private Vertx vertx;
  private int regionPort;
  private int gatewayPort;

  /** Starts one region node (us-east-1) and the gateway in a Vert.x instance traced into {@link #exporter}. */
  private void startVerticles() throws Exception {
    exporter = InMemorySpanExporter.create();
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        // The SDK that Tracing.fromEnvironment builds propagates W3C trace context by default. Without a
        // propagator the event-bus message carries no traceparent header, so the receiver starts no span.
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    vertx = Vertx.builder().withTracer(new OpenTelemetryTracingFactory(sdk)).build();

    regionPort = freeLoopbackPort();
    gatewayPort = freeLoopbackPort();
    await(vertx.deployVerticle(new RegionVerticle(new Settings(Map.of(
        "REGION", "us-east",
        "NODE_ID", "us-east-1",
        "HTTP_HOST", "127.0.0.1",
        "HTTP_PORT", String.valueOf(regionPort),
        "SYNC_INTERVAL_MS", "200",
        "PRESENCE_INTERVAL_MS", "100",
        "DURABILITY", "none")))));
    await(vertx.deployVerticle(new GatewayVerticle(new Settings(Map.of(
        "REGIONS", "us-east",
        "HTTP_HOST", "127.0.0.1",
        "HTTP_PORT", String.valueOf(gatewayPort),
        "PRESENCE_INTERVAL_MS", "100",
        "DURABILITY", "none")))));
    awaitRegionHealthy();
  }

  @AfterEach
  void stopVerticles() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
    if (sdk != null) {
      sdk.close();
    }
  }

  @Test
  void gatewayIncrementIsOneTrace() throws Exception {
    startVerticles();
    exporter.reset();
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/api/increment"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("counter_name", "traced").put("amount", 1).encode()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

    // The server span ends when the response has been written, which can be just after the client read it.
    Predicate<SpanData> gatewayServer = span -> span.getKind() == SpanKind.SERVER && mentions(span, "/api/increment");
    List<SpanData> spans = awaitSpans(gatewayServer);
    String printed = print(spans);

    Optional<SpanData> server = spans.stream().filter(gatewayServer).findFirst();
    assertThat(server).as("gateway HTTP server span for POST /api/increment among:%n%s", printed).isPresent();
    String traceId = server.get().getTraceId();
    List<SpanData> trace = spans.stream().filter(span -> span.getTraceId().equals(traceId)).toList();

    Optional<SpanData> send = trace.stream()
        .filter(span -> isSend(span.getKind()) && mentions(span, REGION_ADDRESS))
        .findFirst();
    assertThat(send)
        .as("event-bus send span to %s in the gateway's trace %s among:%n%s", REGION_ADDRESS, traceId, printed)
        .isPresent();
    Optional<SpanData> receive = trace.stream()
        .filter(span -> isReceive(span.getKind()) && mentions(span, REGION_ADDRESS))
        .findFirst();
    assertThat(receive)
        .as("event-bus receive span of %s in the gateway's trace %s among:%n%s", REGION_ADDRESS, traceId, printed)
        .isPresent();
    assertThat(send.get().getParentSpanId()).as("parent of the send span among:%n%s", printed)
        .isEqualTo(server.get().getSpanId());
    assertThat(receive.get().getParentSpanId()).as("parent of the receive span among:%n%s", printed)
        .isEqualTo(send.get().getSpanId());
  }

  @Test
  void noOtlpEndpointMeansNoTracing() {
    ServiceIdentity identity = ServiceIdentity.starting(ServiceIdentity.GATEWAY_SERVICE, "gateway", null, 8080);

    assertThat(Tracing.fromEnvironment(new Settings(Map.of()), identity)).isEmpty();
    assertThat(Tracing.fromEnvironment(new Settings(Map.of("OTEL_SERVICE_NAME", "gateway")), identity)).isEmpty();
  }

  @Test
  void otlpEndpointBuildsW3cPropagatingSdk() {
    ServiceIdentity identity = ServiceIdentity.starting(ServiceIdentity.GATEWAY_SERVICE, "gateway", null, 8080);
    // Nothing is sent to the endpoint: the test creates no span, and shutting down an empty exporter sends nothing.
    Optional<OpenTelemetrySdk> configured = Tracing.fromEnvironment(
        new Settings(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")), identity);
    try {
      assertThat(configured).isPresent();
      assertThat(configured.get().getPropagators().getTextMapPropagator().fields())
          .as("propagated header fields; gatewayIncrementIsOneTrace relies on the same W3C propagator")
          .contains("traceparent");
    } finally {
      configured.ifPresent(OpenTelemetrySdk::close);
      GlobalOpenTelemetry.resetForTest();
    }
  }

  private static boolean isSend(SpanKind kind) {
    return kind == SpanKind.CLIENT || kind == SpanKind.PRODUCER;
  }

  private static boolean isReceive(SpanKind kind) {
    return kind == SpanKind.SERVER || kind == SpanKind.CONSUMER;
  }

  /** Returns whether the span's name or one of its attribute values contains {@code text}. */
  private static boolean mentions(SpanData span, String text) {
    return span.getName().contains(text)
        || span.getAttributes().asMap().values().stream().anyMatch(value -> String.valueOf(value).contains(text));
  }

  private List<SpanData> awaitSpans(Predicate<SpanData> expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (exporter.getFinishedSpanItems().stream().noneMatch(expected) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    // Spans of the same request that end after the server span (none expected) get a moment too.
    Thread.sleep(200);
    return exporter.getFinishedSpanItems();
  }

  private static String print(List<SpanData> spans) {
    return spans.stream()
        .map(span -> String.format("  trace=%s span=%s parent=%s kind=%s name=%s attributes=%s",
            span.getTraceId(), span.getSpanId(), span.getParentSpanId(), span.getKind(), span.getName(), span.getAttributes()))
        .collect(Collectors.joining("\n"));
  }

  private void awaitRegionHealthy() throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    int status = -1;
    while (System.nanoTime() < deadline) {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + regionPort + "/health"))
          .timeout(Duration.ofSeconds(2))
          .build();
      try {
        status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        // A cold JVM can keep the event loop busy past the request timeout; ask again.
        status = -1;
      }
      if (status == 200) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("region /health returned " + status + ", not 200, within " + TIMEOUT);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
