package lab.counter.common.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * Counts and times every HTTP request of a router by route template (such as
 * {@code /api/counter/:name}, never the raw path, so the series stay bounded), method and status.
 */
public final class RequestMetrics {

  /** Route tag of requests no route matched. */
  static final String UNMATCHED = "unmatched";

  private RequestMetrics() {}

  /**
   * Installs the first handler of {@code router}: it records {@code requestsName} and
   * {@code durationName} when each response ends.
   */
  public static void install(Router router, MeterRegistry registry, String requestsName, String durationName) {
    router.route().order(-1).handler(ctx -> {
      long startedAt = System.nanoTime();
      ctx.addEndHandler(ended -> record(ctx, registry, requestsName, durationName, System.nanoTime() - startedAt));
      ctx.next();
    });
  }

  private static void record(RoutingContext ctx, MeterRegistry registry, String requestsName, String durationName, long nanos) {
    String route = routeOf(ctx);
    String method = ctx.request().method().name();
    Counter.builder(requestsName)
        .description("HTTP requests by route, method and status")
        .tag(MetricNames.TAG_ROUTE, route)
        .tag(MetricNames.TAG_METHOD, method)
        .tag(MetricNames.TAG_STATUS, String.valueOf(ctx.response().getStatusCode()))
        .register(registry)
        .increment();
    Timer.builder(durationName)
        .description("HTTP request duration by route")
        .tag(MetricNames.TAG_ROUTE, route)
        .tag(MetricNames.TAG_METHOD, method)
        .publishPercentileHistogram()
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  private static String routeOf(RoutingContext ctx) {
    Route route = ctx.currentRoute();
    return route == null || route.getPath() == null ? UNMATCHED : route.getPath();
  }
}
