package lab.counter.common.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.micrometer.backends.BackendRegistries;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.metrics.Metrics;
import lab.counter.common.metrics.RequestMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Router plumbing every service shares: the body limit, JSON responses, the JSON error format for
 * every failure (including 404, 405 and 413 raised by vertx-web itself) and the {@code /metrics}
 * route.
 */
public final class HttpSupport {

  private static final Logger LOG = LoggerFactory.getLogger(HttpSupport.class);
  /** Pre-encoded, so each response copies the header bytes instead of encoding them. */
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final int MAX_REQUEST_LINE_BYTES = 64 * 1024;
  private static final String BEARER_PREFIX = "Bearer ";

  private HttpSupport() {}

  /**
   * Creates a router with a body handler capped at {@code maxBodyBytes} (413 past it), JSON errors
   * for every failure, a Prometheus {@code GET /metrics} route, and request metrics named after
   * {@code service} ({@link MetricNames#httpRequests}).
   */
  public static Router createRouter(io.vertx.core.Vertx vertx, long maxBodyBytes, String service) {
    Router router = Router.router(vertx);
    // A HEAD request gets a GET's status and headers without its body (RFC 9110, section 9.3.2).
    // Vert.x writes no body in an HTTP/1.1 response to HEAD (HttpSupportHeadTest checks the bytes),
    // so routing it as a GET is enough. This route runs before the request metrics, which then
    // record the request once, as a GET.
    // NOTE: HTTP/2 cleartext (h2c) is unchecked: a JDK client that upgraded to it once read a body.
    router.route().order(-2).method(HttpMethod.HEAD).handler(ctx -> ctx.reroute(HttpMethod.GET, ctx.request().uri()));
    RequestMetrics.install(router, Metrics.registry(), MetricNames.httpRequests(service), MetricNames.httpRequestDuration(service));
    router.route().handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
    router.get("/metrics").handler(HttpSupport::metrics);
    router.route().failureHandler(ctx -> failure(ctx, maxBodyBytes));
    router.errorHandler(404, ctx -> sendError(ctx, ApiError.notFound("not found",
        "no route for " + ctx.request().method() + " " + ctx.request().path())));
    router.errorHandler(400, ctx -> sendError(ctx, ApiError.badRequest("bad request",
        "the request could not be parsed, for example a path with an invalid percent-encoding")));
    router.errorHandler(405, ctx -> {
      String allowed = allowedMethods(router, ctx.request().path());
      String detail = ctx.request().method() + " is not supported on " + ctx.request().path();
      if (!allowed.isEmpty()) {
        // RFC 9110, section 15.5.6: a 405 response lists the methods the resource supports.
        ctx.response().putHeader(HttpHeaders.ALLOW, allowed);
        detail += "; use " + allowed;
      }
      sendError(ctx, new ApiError(405, "method not allowed", detail));
    });
    return router;
  }

  /**
   * Returns the methods of the routes whose template fits {@code path}, sorted and separated by
   * commas, as the {@code Allow} header lists them, with HEAD wherever GET is allowed. Routes
   * without a method (filters such as the admin check) are left out.
   */
  static String allowedMethods(Router router, String path) {
    Set<String> methods = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() != null && route.methods() != null && RequestMetrics.matchesTemplate(route.getPath(), path)) {
        route.methods().forEach(method -> methods.add(method.name()));
      }
    }
    if (methods.contains(HttpMethod.GET.name())) {
      methods.add(HttpMethod.HEAD.name());
    }
    return String.join(", ", methods);
  }

  /**
   * Returns a handler that lets a request through only with {@code Authorization: Bearer <token>},
   * and sends 401 otherwise. A null or empty {@code token} lets every request through, as a
   * laptop lab needs.
   */
  public static Handler<RoutingContext> adminAuth(String token) {
    if (token == null || token.isEmpty()) {
      return RoutingContext::next;
    }
    byte[] expected = token.getBytes(StandardCharsets.UTF_8);
    return ctx -> {
      String header = ctx.request().getHeader("Authorization");
      // The scheme name is case-insensitive (RFC 9110, section 11.1); the token is compared in constant time.
      boolean bearer = header != null && header.regionMatches(true, 0, BEARER_PREFIX, 0, BEARER_PREFIX.length());
      if (bearer && MessageDigest.isEqual(expected, header.substring(BEARER_PREFIX.length()).getBytes(StandardCharsets.UTF_8))) {
        ctx.next();
      } else {
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        sendError(ctx, new ApiError(401, "unauthorized",
            "admin endpoints need the header Authorization: Bearer <ADMIN_TOKEN>"));
      }
    };
  }

  /**
   * Returns the HTTP server options every service uses. The request line may be 64 KiB long, so an
   * over-long counter name in a path reaches the router and gets a JSON 400 instead of the
   * server's bare 414. A JSON body sent with curl's default form content type is also decoded as a
   * form. Vert.x's default form limits (1 KiB buffered, 256 fields) would fail it before the JSON
   * is read, so the form limits equal the body limit.
   *
   * <p>WebSocket compression is off. When on, as by default, every connection gets a handler that
   * inspects each HTTP response for a WebSocket upgrade, which cost a region node 3% of its event
   * loop. Only the inspector page uses a WebSocket, and its messages are small.
   */
  public static HttpServerOptions serverOptions(long maxBodyBytes) {
    int formLimit = (int) Math.min(maxBodyBytes, Integer.MAX_VALUE);
    return new HttpServerOptions()
        .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
        .setMaxFormAttributeSize(formLimit)
        .setMaxFormBufferedBytes(formLimit)
        .setMaxFormFields(formLimit)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
  }

  /**
   * Creates an HTTP server with {@link #serverOptions} that responds to requests the HTTP decoder
   * rejects (a request line or headers too long, a malformed header) with a JSON error, like every
   * other error, instead of an empty body.
   */
  public static HttpServer createServer(io.vertx.core.Vertx vertx, Router router, long maxBodyBytes) {
    return vertx.createHttpServer(serverOptions(maxBodyBytes)).requestHandler(router).invalidRequestHandler(HttpSupport::invalidRequest);
  }

  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ApiError error;
    if (cause instanceof TooLongHttpLineException) {
      error = new ApiError(414, "request line too long", "the request line exceeds " + MAX_REQUEST_LINE_BYTES + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = new ApiError(431, "headers too large", "the request headers exceed the server's limit; send fewer or shorter headers");
    } else {
      error = ApiError.badRequest("invalid request", "the HTTP request could not be parsed: "
          + (cause == null ? "unknown reason" : firstLine(cause.getMessage())));
    }
    HttpServerResponse response = request.response();
    response.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(error.toJson().toBuffer())
        .onComplete(sent -> request.connection().close());
  }

  /** Sends {@code body} as JSON with status 200. */
  public static void ok(RoutingContext ctx, JsonObject body) {
    send(ctx, 200, body);
  }

  /** Sends {@code body} as JSON with {@code status}. */
  public static void send(RoutingContext ctx, int status, JsonObject body) {
    send(ctx, status, JsonWriter.toBuffer(body));
  }

  /** Sends {@code json}, a JSON document already encoded, with status 200. */
  public static void ok(RoutingContext ctx, Buffer json) {
    send(ctx, 200, json);
  }

  /** Sends {@code json}, a JSON document already encoded, with {@code status}, unless a response was sent. */
  private static void send(RoutingContext ctx, int status, Buffer json) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(json);
  }

  /** Sends the JSON error body of {@code error} with its status. */
  public static void sendError(RoutingContext ctx, ApiError error) {
    send(ctx, error.status(), error.toJson());
  }

  /** Completes {@code ctx} with the outcome of {@code result}: 200 and its JSON, or the JSON error. */
  public static void respond(RoutingContext ctx, Future<JsonObject> result) {
    respond(ctx, result, HttpSupport::ok);
  }

  /** As {@link #respond(RoutingContext, Future)}, for a reply already encoded as JSON. */
  public static void respondEncoded(RoutingContext ctx, Future<Buffer> result) {
    respond(ctx, result, HttpSupport::ok);
  }

  private static <T> void respond(RoutingContext ctx, Future<T> result, BiConsumer<RoutingContext, T> ok) {
    if (result.succeeded()) {
      ok.accept(ctx, result.result());
      return;
    }
    result.onComplete(outcome -> {
      if (outcome.succeeded()) {
        ok.accept(ctx, outcome.result());
      } else {
        sendError(ctx, ApiError.from(outcome.cause()));
      }
    });
  }

  /**
   * Parses the request body as a JSON object.
   *
   * @throws ApiError 400 when the body is missing, malformed or not a JSON object
   */
  public static JsonObject jsonBody(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ApiError.badRequest("invalid JSON", "the request body is empty; send a JSON object");
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw ApiError.badRequest("invalid JSON", "the request body is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (!(parsed instanceof JsonObject object)) {
      throw ApiError.badRequest("invalid JSON", "the request body must be a JSON object");
    }
    return object;
  }

  /**
   * Replies to an event-bus request with the outcome of {@code result}: the JSON body, or a failed
   * reply that {@link ApiError#from} turns back into the same error.
   */
  public static void reply(Message<?> message, Future<JsonObject> result) {
    result.onSuccess(message::reply).onFailure(failure -> {
      ApiError error = ApiError.from(failure);
      message.fail(error.toReplyCode(), error.toReplyMessage());
    });
  }

  private static void failure(RoutingContext ctx, long maxBodyBytes) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiError error) {
      sendError(ctx, error);
    } else if (ctx.statusCode() == 413) {
      sendError(ctx, new ApiError(413, "body too large", "the request body exceeds the limit of " + maxBodyBytes
          + " bytes (MAX_BODY_BYTES); send a smaller body"));
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      sendError(ctx, new ApiError(ctx.statusCode(), "bad request", "the request was rejected"));
    } else if (failure instanceof HttpPostRequestDecoder.ErrorDataDecoderException
        || failure instanceof HttpPostRequestDecoder.TooLongFormFieldException
        || failure instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
      sendError(ctx, ApiError.badRequest("invalid form body", "the body was sent as a form (Content-Type: "
          + ctx.request().getHeader(HttpHeaders.CONTENT_TYPE) + ") and could not be decoded: " + firstLine(failure.getMessage())
          + "; send JSON with Content-Type: application/json"));
    } else if (failure instanceof HttpException http && http.getStatusCode() >= 400 && http.getStatusCode() < 500) {
      // vertx-web raises these for malformed requests, such as a query string with an invalid percent-encoding.
      String reason = http.getPayload() != null ? http.getPayload() : http.getMessage();
      String detail = http.getCause() == null ? reason : reason + ": " + http.getCause().getMessage();
      LOG.debug("Request {} {} was rejected with {}: {}", ctx.request().method(), ctx.request().path(), http.getStatusCode(), detail);
      sendError(ctx, new ApiError(http.getStatusCode(), "bad request", firstLine(detail)));
    } else if (failure instanceof WebSocketHandshakeException) {
      LOG.debug("Request {} {} had an invalid WebSocket handshake: {}", ctx.request().method(), ctx.request().path(),
          failure.getMessage());
      sendError(ctx, ApiError.badRequest("invalid WebSocket handshake", firstLine(failure.getMessage())));
    } else if (failure instanceof HttpClosedException) {
      // The client closed the connection before the response, so no error can be sent.
      LOG.debug("Request {} {} ended: the client closed the connection", ctx.request().method(), ctx.request().path());
    } else {
      LOG.error("Request {} {} failed", ctx.request().method(), ctx.request().path(), failure);
      sendError(ctx, new ApiError(500, "internal error", "the request failed; see the service log"));
    }
  }

  private static void metrics(RoutingContext ctx) {
    if (BackendRegistries.getDefaultNow() instanceof PrometheusMeterRegistry registry) {
      ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
    } else {
      sendError(ctx, ApiError.unavailable("metrics disabled", "this process runs without a Prometheus registry"));
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
