package lab.counter.common.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

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

  /** Highest status code with a counter slot of its own. HTTP status codes have three digits, so higher ones share it. */
  private static final int MAX_STATUS = 999;
  private static final Set<HttpMethod> STANDARD_METHODS = Set.copyOf(HttpMethod.values());

  private final Router router;
  private final MeterRegistry registry;
  private final String requestsName;
  private final String durationName;
  /** Meters by route template, then by method name, found without building a key per request. */
  private final Map<String, Map<String, RouteMeters>> meters = new ConcurrentHashMap<>();

  private RequestMetrics(Router router, MeterRegistry registry, String requestsName, String durationName) {
    this.router = router;
    this.registry = registry;
    this.requestsName = requestsName;
    this.durationName = durationName;
  }

  /**
   * Installs the first handler of {@code router}: it records {@code requestsName} and
   * {@code durationName} when each response ends.
   */
  public static void install(Router router, MeterRegistry registry, String requestsName, String durationName) {
    RequestMetrics metrics = new RequestMetrics(router, registry, requestsName, durationName);
    router.route().order(-1).handler(ctx -> {
      long startedAt = System.nanoTime();
      ctx.addEndHandler(ended -> metrics.record(ctx, System.nanoTime() - startedAt));
      ctx.next();
    });
  }

  private void record(RoutingContext ctx, long nanos) {
    String route = routeOf(ctx);
    String method = methodOf(ctx);
    RouteMeters routeMeters = meters.computeIfAbsent(route, key -> new ConcurrentHashMap<>())
        .computeIfAbsent(method, key -> new RouteMeters(route, method));
    routeMeters.requests(ctx.response().getStatusCode()).increment();
    routeMeters.duration.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The duration timer of one route and method, and its request counters by status. */
  private final class RouteMeters {
    private final String route;
    private final String method;
    private final Timer duration;
    private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(MAX_STATUS + 1);

    RouteMeters(String route, String method) {
      this.route = route;
      this.method = method;
      this.duration = Timer.builder(durationName)
          .description("HTTP request duration by route")
          .tag(MetricNames.TAG_ROUTE, route)
          .tag(MetricNames.TAG_METHOD, method)
          .publishPercentileHistogram()
          .register(registry);
    }

    Counter requests(int status) {
      int slot = Math.max(0, Math.min(status, MAX_STATUS));
      Counter counter = byStatus.get(slot);
      if (counter == null) {
        // Registering twice returns the same counter, so a lost race costs nothing.
        counter = Counter.builder(requestsName)
            .description("HTTP requests by route, method and status")
            .tag(MetricNames.TAG_ROUTE, route)
            .tag(MetricNames.TAG_METHOD, method)
            .tag(MetricNames.TAG_STATUS, String.valueOf(slot))
            .register(registry);
        byStatus.set(slot, counter);
      }
      return counter;
    }
  }

  /**
   * Returns the template of the route that handled the request. A request rejected before its
   * route ran (an invalid or oversized body, a wrong method) ends in a handler without a path, so
   * its template is looked up among the router's routes.
   */
  private String routeOf(RoutingContext ctx) {
    Route route = ctx.currentRoute();
    if (route != null && route.getPath() != null) {
      return route.getPath();
    }
    String path = ctx.request().path();
    HttpMethod method = ctx.request().method();
    String samePath = null;
    for (Route candidate : router.getRoutes()) {
      if (candidate.getPath() == null || !matchesTemplate(candidate.getPath(), path)) {
        continue;
      }
      if (candidate.methods() == null || candidate.methods().isEmpty() || candidate.methods().contains(method)) {
        return candidate.getPath();
      }
      if (samePath == null) {
        samePath = candidate.getPath();
      }
    }
    return samePath == null ? UNMATCHED : samePath;
  }

  /** Returns whether {@code path} fits {@code template}, whose {@code :name} segments match any one segment and a trailing {@code *} the rest. */
  public static boolean matchesTemplate(String template, String path) {
    if (path == null) {
      return false;
    }
    if (template.endsWith("*")) {
      return path.startsWith(template.substring(0, template.length() - 1));
    }
    String[] expected = template.split("/", -1);
    String[] actual = path.split("/", -1);
    if (expected.length != actual.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      boolean parameter = expected[i].startsWith(":") && !actual[i].isEmpty();
      if (!parameter && !expected[i].equals(actual[i])) {
        return false;
      }
    }
    return true;
  }

  private static String methodOf(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    return STANDARD_METHODS.contains(method) ? method.name() : OTHER_METHOD;
  }
}
