package lab.counter.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Time from healing a partition until every region has the same vector, through the gateway's
 * HTTP API.
 *
 * <p>Each run isolates one region (the regions take turns), increments a fresh counter once in every
 * region, then heals the region and starts the clock. With {@code force-sync} it then calls
 * {@code POST /admin/force-sync}. It polls {@code GET /api/counter/NAME} every
 * {@value #POLL_INTERVAL_MS} ms until {@code convergence.converged} is true, every region is
 * healthy and {@code global_count} is the number of regions, and stops the clock at that reply.
 *
 * <p>Usage: {@code java -cp benchmarks.jar lab.counter.bench.ConvergenceProbe GATEWAY_URL
 * force-sync|periodic RUNS TIMEOUT_MS}. Prints one line per run and a {@code RESULT} line with the
 * percentiles (nearest rank, so with 20 runs p99 is the slowest run). The admin calls carry
 * {@code ADMIN_TOKEN} from the environment as a bearer token when it is set.
 */
public final class ConvergenceProbe {

  static final long POLL_INTERVAL_MS = 10;
  static final List<String> REGIONS = List.of("us-east", "us-west", "eu-west");

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .proxy(HttpClient.Builder.NO_PROXY)
      .build();
  private final String gateway;

  private ConvergenceProbe(String gateway) {
    this.gateway = gateway;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4 || !(args[1].equals("force-sync") || args[1].equals("periodic"))) {
      System.err.println("usage: java -cp benchmarks.jar lab.counter.bench.ConvergenceProbe GATEWAY_URL force-sync|periodic RUNS TIMEOUT_MS");
      System.exit(2);
    }
    URI gateway = URI.create(args[0]);
    if (!"127.0.0.1".equals(gateway.getHost()) && !"localhost".equals(gateway.getHost())) {
      System.err.println("error: the gateway URL must point at 127.0.0.1 or localhost, was " + args[0]);
      System.exit(2);
    }
    boolean forceSync = args[1].equals("force-sync");
    int runs = Integer.parseInt(args[2]);
    long timeoutMillis = Long.parseLong(args[3]);
    new ConvergenceProbe(args[0]).measure(forceSync, runs, timeoutMillis);
  }

  private void measure(boolean forceSync, int runs, long timeoutMillis) throws IOException, InterruptedException {
    String prefix = "bench_conv_" + System.currentTimeMillis() + "_";
    List<Double> millis = new ArrayList<>();
    int timedOut = 0;
    for (int run = 0; run < runs; run++) {
      String isolated = REGIONS.get(run % REGIONS.size());
      String name = prefix + run;
      post("/admin/partition/" + isolated + "?enabled=true", null);
      for (String region : REGIONS) {
        post("/api/increment", new JsonObject().put("counter_name", name).put("amount", 1).put("region", region).encode());
      }

      long healedAt = System.nanoTime();
      post("/admin/partition/" + isolated + "?enabled=false", null);
      long forceSyncMillis = -1;
      if (forceSync) {
        long forceStarted = System.nanoTime();
        post("/admin/force-sync", null);
        forceSyncMillis = (System.nanoTime() - forceStarted) / 1_000_000;
      }
      long deadline = healedAt + timeoutMillis * 1_000_000;
      int polls = 0;
      boolean converged = false;
      while (System.nanoTime() < deadline) {
        polls++;
        if (converged(name)) {
          converged = true;
          break;
        }
        Thread.sleep(POLL_INTERVAL_MS);
      }
      double elapsed = (System.nanoTime() - healedAt) / 1e6;
      if (converged) {
        millis.add(elapsed);
      } else {
        timedOut++;
      }
      System.out.printf("run %2d: isolated %-7s %s after %.1f ms (%d polls%s)%n", run + 1, isolated,
          converged ? "converged" : "NOT converged", elapsed, polls,
          forceSync ? ", force-sync returned after " + forceSyncMillis + " ms" : "");
    }
    System.out.printf("RESULT mode=%s runs=%d converged=%d timed_out=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f%n",
        forceSync ? "force-sync" : "periodic", runs, millis.size(), timedOut,
        percentile(millis, 50), percentile(millis, 90), percentile(millis, 99), percentile(millis, 100));
  }

  private boolean converged(String name) throws IOException, InterruptedException {
    JsonObject view = new JsonObject(get("/api/counter/" + name));
    JsonObject convergence = view.getJsonObject("convergence", new JsonObject());
    return convergence.getBoolean("converged", false)
        && view.getInteger("healthy_regions", 0) == REGIONS.size()
        && view.getLong("global_count", 0L) == REGIONS.size();
  }

  private String get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(gateway + path)).GET());
  }

  private String post(String path, String json) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway + path));
    String adminToken = System.getenv("ADMIN_TOKEN");
    if (path.startsWith("/admin/") && adminToken != null && !adminToken.isEmpty()) {
      request.header("Authorization", "Bearer " + adminToken);
    }
    if (json == null) {
      request.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }
    return send(request);
  }

  private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(request.build().method() + " " + request.build().uri() + " returned HTTP "
          + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /** Returns the nearest-rank percentile, NaN with no value. */
  static double percentile(List<Double> values, double percent) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(percent / 100 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
