package lab.counter.common.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts and times every HTTP request of a router by route template (such as
 * {@code /api/counter/:name}, never the raw path, so the series stay bounded), method and status.
 *
 * <p>Each meter is registered once and then kept, because looking a meter up in the registry on
 * every request cost a region node about a quarter of its event loop.
 */
public final class RequestMetrics {

  /** Route tag of requests no route matched. */
  static final String UNMATCHED = "unmatched";
  /** Method tag of methods outside the standard set, so a client cannot invent new series. */
  static final String OTHER_METHOD = "OTHER";

  private final MeterRegistry registry;
  private final String requestsName;
  private final String durationName;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Timer> durations = new ConcurrentHashMap<>();

  private RequestMetrics(MeterRegistry registry, String requestsName, String durationName) {
    this.registry = registry;
    this.requestsName = requestsName;
    this.durationName = durationName;
  }

  /**
   * Installs the first handler of {@code router}: it records {@code requestsName} and
   * {@code durationName} when each response ends.
   */
  public static void install(Router router, MeterRegistry registry, String requestsName, String durationName) {
    RequestMetrics metrics = new RequestMetrics(registry, requestsName, durationName);
    router.route().order(-1).handler(ctx -> {
      long startedAt = System.nanoTime();
      ctx.addEndHandler(ended -> metrics.record(ctx, System.nanoTime() - startedAt));
      ctx.next();
    });
  }

  private void record(RoutingContext ctx, long nanos) {
    String route = routeOf(ctx);
    String method = methodOf(ctx);
    int status = ctx.response().getStatusCode();
    requests.computeIfAbsent(route + ' ' + method + ' ' + status, key -> Counter.builder(requestsName)
            .description("HTTP requests by route, method and status")
            .tag(MetricNames.TAG_ROUTE, route)
            .tag(MetricNames.TAG_METHOD, method)
            .tag(MetricNames.TAG_STATUS, String.valueOf(status))
            .register(registry))
        .increment();
    durations.computeIfAbsent(route + ' ' + method, key -> Timer.builder(durationName)
            .description("HTTP request duration by route")
            .tag(MetricNames.TAG_ROUTE, route)
            .tag(MetricNames.TAG_METHOD, method)
            .publishPercentileHistogram()
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  private static String routeOf(RoutingContext ctx) {
    Route route = ctx.currentRoute();
    return route == null || route.getPath() == null ? UNMATCHED : route.getPath();
  }

  private static String methodOf(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    return HttpMethod.values().contains(method) ? method.name() : OTHER_METHOD;
  }
}
