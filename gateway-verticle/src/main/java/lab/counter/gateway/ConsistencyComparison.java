package lab.counter.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import lab.counter.common.cluster.WanLatency;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import lab.counter.common.protocol.IncrementBatch;

/**
 * The {@code /api/compare} experiment: {@code iterations} sequential eventual writes (one region,
 * acknowledged before any sync) against as many strong writes (acknowledged after every region
 * applied them), each timed from the gateway.
 */
final class ConsistencyComparison {

  /** Bounds of the {@code iterations} field. */
  static final int MIN_ITERATIONS = 1;
  static final int MAX_ITERATIONS = 10_000;

  private final Vertx vertx;
  private final RegionRouter router;
  private final WanLatency wanLatency;
  private final long strongTimeoutMillis;

  ConsistencyComparison(Vertx vertx, RegionRouter router, WanLatency wanLatency, long strongTimeoutMillis) {
    this.vertx = vertx;
    this.router = router;
    this.wanLatency = wanLatency;
    this.strongTimeoutMillis = strongTimeoutMillis;
  }

  /** Runs both series one after the other and returns the lab's comparison shape. */
  Future<JsonObject> run(String counterName, int iterations, BooleanSupplier cancelled) {
    JsonObject write = new JsonObject().put("counter_name", counterName).put("amount", 1);
    IncrementBatch.Increment increment = new IncrementBatch.Increment(counterName, 1, null);
    Supplier<Future<?>> eventual = () -> router.send(RegionRouter.ROUND_ROBIN, router.candidates(RegionRouter.ROUND_ROBIN, null, null), increment);
    DeliveryOptions strongOptions = new DeliveryOptions()
        .setSendTimeout(strongTimeoutMillis + 1000)
        .addHeader(Headers.ACTION, Actions.INCREMENT);
    Supplier<Future<?>> strong = () -> vertx.eventBus().request(Addresses.STRONG_API, write, strongOptions);

    Series eventualSeries = new Series(iterations);
    Series strongSeries = new Series(iterations);
    return runSeries(eventual, eventualSeries, iterations, cancelled)
        .compose(done -> runSeries(strong, strongSeries, iterations, cancelled))
        .map(done -> result(counterName, iterations, eventualSeries, strongSeries).put("wan_latency", wanLatency.toJson()));
  }

  private Future<Void> runSeries(Supplier<Future<?>> write, Series series, int remaining, BooleanSupplier cancelled) {
    if (remaining == 0) {
      return Future.succeededFuture();
    }
    if (cancelled.getAsBoolean()) {
      // The client went away: writing on would only load the cluster for nobody.
      return Future.failedFuture(ApiError.unavailable("cancelled", "the client closed the connection; the comparison stopped"));
    }
    long startedAt = System.nanoTime();
    return write.get()
        .transform(outcome -> {
          series.record(outcome.succeeded(), System.nanoTime() - startedAt, outcome.cause());
          return Future.<Void>succeededFuture();
        })
        .compose(recorded -> runSeries(write, series, remaining - 1, cancelled));
  }

  private static JsonObject result(String counterName, int iterations, Series eventual, Series strong) {
    JsonObject result = new JsonObject()
        .put("counter_name", counterName)
        .put("iterations", iterations)
        .put("eventual_consistency", eventual.toJson("Single region write, background sync"))
        .put("strong_consistency", strong.toJson("Write to all regions, wait for all"));
    if (eventual.successes() == 0 || strong.successes() == 0) {
      return result.putNull("speedup").put("conclusion", "No comparison: "
          + (eventual.successes() == 0 ? "every eventual write failed" : "every strong write failed")
          + (strong.lastError == null ? "" : " (" + strong.lastError + ")"));
    }
    double speedup = round(strong.average() / eventual.average());
    return result.put("speedup", speedup).put("conclusion", speedup >= 1
        ? "Eventual consistency is ~" + speedup + "x faster"
        : "Strong consistency was ~" + round(1 / speedup) + "x faster in this run");
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  /** Converts nanoseconds to milliseconds with two decimals, since loopback writes take well under a millisecond. */
  private static double millis(double nanos) {
    return Math.round(nanos / 1e4) / 100.0;
  }

  /** Latencies of one series, in nanoseconds, and its failures. */
  private static final class Series {
    private final long[] latencies;
    private int count;
    private int errors;
    private String lastError;

    Series(int capacity) {
      this.latencies = new long[capacity];
    }

    void record(boolean succeeded, long nanos, Throwable cause) {
      if (succeeded) {
        latencies[count++] = nanos;
      } else {
        errors++;
        lastError = ApiError.from(cause).detail();
      }
    }

    int successes() {
      return count;
    }

    double average() {
      return Arrays.stream(latencies, 0, count).average().orElse(0) / 1e6;
    }

    JsonObject toJson(String description) {
      JsonObject json = new JsonObject().put("description", description).put("successes", count).put("errors", errors);
      if (count == 0) {
        return json.put("last_error", lastError);
      }
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return json
          .put("avg_ms", millis(average() * 1e6))
          .put("p50_ms", millis(percentile(sorted, 0.50)))
          .put("p99_ms", millis(percentile(sorted, 0.99)))
          .put("min_ms", millis(sorted[0]))
          .put("max_ms", millis(sorted[count - 1]));
    }

    /** Nearest-rank percentile. */
    private static long percentile(long[] sorted, double quantile) {
      int rank = (int) Math.ceil(quantile * sorted.length);
      return sorted[Math.max(0, rank - 1)];
    }
  }
}
