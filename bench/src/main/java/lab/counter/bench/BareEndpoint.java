package lab.counter.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The ceiling of the HTTP path: a vertx-web {@code POST /increment} that parses the same JSON body
 * as a region node and returns a constant, with no cluster, store or metrics. Like a region node it
 * runs one verticle instance, so one event loop, with the same body limit.
 *
 * <p>Usage: {@code java -cp benchmarks.jar lab.counter.bench.BareEndpoint PORT}; it listens on
 * 127.0.0.1 only and stops on SIGTERM.
 */
public final class BareEndpoint extends VerticleBase {

  /** The region nodes' default {@code MAX_BODY_BYTES}. */
  private static final long BODY_LIMIT_BYTES = 65536;
  /** A reply of the same shape and about the same size as a region node's. */
  private static final Buffer REPLY = Buffer.buffer(
      "{\"counter\":\"bench_http\",\"region\":\"bare\",\"node_id\":\"bare-1\",\"local_count\":1,\"total_count\":1}");

  private final int port;

  private BareEndpoint(int port) {
    this.port = port;
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: java -cp benchmarks.jar lab.counter.bench.BareEndpoint PORT");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(new BareEndpoint(port))
        .onSuccess(id -> System.out.println("Bare endpoint serves POST /increment on 127.0.0.1:" + port))
        .onFailure(failure -> {
          System.err.println("Bare endpoint failed to start on 127.0.0.1:" + port + ": " + failure);
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES));
    router.post("/increment").handler(this::increment);
    router.get("/health").handler(ctx -> ctx.response().end("{\"status\":\"UP\"}"));
    return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
  }

  private void increment(RoutingContext ctx) {
    Object parsed = Json.decodeValue(ctx.body().buffer());
    if (!(parsed instanceof JsonObject body) || !(body.getValue("counter_name") instanceof String)
        || !(body.getValue("amount") instanceof Number)) {
      ctx.response().setStatusCode(400).end();
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json").end(REPLY);
  }
}
