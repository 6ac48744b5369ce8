package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Concurrent clients increment while a seeded random schedule kills and restarts region nodes
 * with SIGKILL, partitions and heals regions and restarts the gateway. Afterwards every request
 * whose outcome is unknown is retried with its idempotency key, and each counter must count every
 * acknowledged key exactly once and agree on every region.
 *
 * <p>The seed is printed; rerun a schedule with {@code -Dfault.seed=N}. The schedule lasts
 * {@code -Dfault.duration-s} seconds (default 75), and the whole test about two to three minutes on
 * 2 cores. Timings depend on the machine, so a seed reproduces the schedule of faults, not the
 * exact interleaving with the clients.
 */
@ExtendWith(SharedCluster.class)
class FaultInjectionIT {

  private static final List<String> REGIONS = List.of("us-east", "us-west", "eu-west");
  private static final List<String> SERVICES = List.of("us-east", "us-west", "eu-west", "gateway", "coordinator", "strong");
  /** Where a request goes: through the gateway, or straight to one region's own HTTP API. */
  private static final List<String> TARGETS = List.of("gateway", "us-east", "us-west", "eu-west");
  private static final int CLIENTS = 4;
  private static final List<String> COUNTERS = List.of("fault_a", "fault_b", "fault_c");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_RETRIES_PER_KEY = 30;
  private static final long RETRY_PAUSE_MS = 1000;
  private static final long RESTORE_TIMEOUT_MS = 180_000;

  /** One increment request as a client saw it: {@code status} is -1 when it ended in an exception. */
  record Attempt(String key, String counter, String target, int status, String outcome) {
    boolean acknowledged() {
      return status == 200;
    }

    /** Returns whether the request may or may not have been applied: a timeout, a connection error or a 5xx. */
    boolean indeterminate() {
      return status == -1 || status >= 500;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private LabProcesses lab;

  @BeforeEach
  void setUp(LabProcesses lab) {
    this.lab = lab;
  }

  @Test
  @DisplayName("kills, partitions and gateway restarts lose and double-count no acknowledged key")
  void faultsKeepExactlyOnce() throws Exception {
    long seed = Long.getLong("fault.seed", System.nanoTime());
    long scheduleMillis = 1000L * Integer.getInteger("fault.duration-s", 75);
    System.out.println("FaultInjectionIT seed=" + seed + " (rerun with -Dfault.seed=" + seed + "), schedule " + scheduleMillis + " ms");
    Random schedule = new Random(seed);
    String run = Long.toHexString(seed);

    ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
    long stopAt = System.currentTimeMillis() + scheduleMillis;
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> running = new ArrayList<>();
    List<String> faultLog = new ArrayList<>();
    try {
      for (int client = 0; client < CLIENTS; client++) {
        Random random = new Random(seed + 1 + client);
        String prefix = "fault-" + run + "-c" + client + "-";
        running.add(clients.submit(() -> runClient(random, prefix, run, stopAt, attempts)));
      }
      runSchedule(schedule, System.currentTimeMillis(), stopAt, faultLog);
      for (Future<?> client : running) {
        client.get(REQUEST_TIMEOUT.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      }
    } finally {
      clients.shutdownNow();
      restoreCluster();
    }
    System.out.println("FaultInjectionIT faults: " + faultLog);

    List<Attempt> firstAttempts = new ArrayList<>(attempts);
    Map<String, Long> acknowledgedBeforeRetry = countPerCounter(firstAttempts, true);
    Map<String, Long> attempted = countPerCounter(firstAttempts, false);
    List<Attempt> unknown = firstAttempts.stream().filter(Attempt::indeterminate).toList();
    List<Attempt> rejected = firstAttempts.stream().filter(a -> !a.acknowledged() && !a.indeterminate()).toList();
    System.out.println("FaultInjectionIT attempts=" + firstAttempts.size() + " acknowledged=" + acknowledgedBeforeRetry
        + " indeterminate=" + unknown.size() + " other=" + rejected);
    assertThat(rejected).as("no request gets a 4xx").isEmpty();
    assertThat(firstAttempts.stream().filter(Attempt::acknowledged).count()).as("some increments succeed during the faults")
        .isPositive();

    List<Attempt> unresolved = new ArrayList<>();
    for (Attempt attempt : unknown) {
      Attempt retried = retryUntilAcknowledged(attempt);
      if (!retried.acknowledged()) {
        unresolved.add(retried);
      }
    }
    assertThat(unresolved).as("every indeterminate request succeeds on retry").isEmpty();

    forceSync();
    forceSync();
    Map<String, Long> indeterminate = countPerCounter(unknown, false);
    for (String counter : COUNTERS) {
      String name = counter + "_" + run;
      JsonObject view = globalView(name);
      long expected = attempted.getOrDefault(name, 0L);
      JsonObject regions = view.getJsonObject("regions");
      System.out.println("FaultInjectionIT " + name + ": attempted=" + expected
          + " acknowledged=" + acknowledgedBeforeRetry.getOrDefault(name, 0L)
          + " indeterminate=" + indeterminate.getOrDefault(name, 0L)
          + " final=" + regions.getJsonObject(REGIONS.get(0)).getLong("total_count"));
      JsonObject firstVector = regions.getJsonObject(REGIONS.get(0)).getJsonObject("nodes");
      for (String region : REGIONS) {
        assertThat(regions.getJsonObject(region).getJsonObject("nodes")).as(name + " vector on " + region + ": " + view.encode())
            .isEqualTo(firstVector);
      }
      long total = regions.getJsonObject(REGIONS.get(0)).getLong("total_count");
      assertThat(total).as(name + ": each key counted exactly once, seed " + seed + ": " + view.encode()).isEqualTo(expected);
      assertThat(total).as(name + ": acknowledged before retry").isGreaterThanOrEqualTo(acknowledgedBeforeRetry.getOrDefault(name, 0L));
      assertThat(total).as(name + ": attempted").isLessThanOrEqualTo(attempted.getOrDefault(name, 0L));
    }
  }

  /** Sends +1 increments with fresh keys to random targets until {@code stopAt}, recording each attempt. */
  private void runClient(Random random, String keyPrefix, String run, long stopAt, ConcurrentLinkedQueue<Attempt> attempts) {
    long sequence = 0;
    while (System.currentTimeMillis() < stopAt && !Thread.currentThread().isInterrupted()) {
      String key = keyPrefix + sequence++;
      String counter = COUNTERS.get(random.nextInt(COUNTERS.size())) + "_" + run;
      String target = TARGETS.get(random.nextInt(TARGETS.size()));
      Attempt attempt = send(key, counter, target);
      attempts.add(attempt);
      if (attempt.status() != 200) {
        // A failed target is often down for seconds, so a short pause keeps the attempt count bounded.
        sleepQuietly(250);
      }
    }
  }

  /**
   * Runs faults until {@code stopAt}: each step kills and restarts a region, isolates and heals a
   * region, or restarts the gateway, with seeded pauses. Each fault is repaired within its step.
   */
  private void runSchedule(Random random, long startedAt, long stopAt, List<String> faultLog) throws Exception {
    while (System.currentTimeMillis() + 8000 < stopAt) {
      sleepQuietly(1000 + random.nextInt(3000));
      int action = random.nextInt(3);
      long downMillis = 1000 + random.nextInt(4000);
      long elapsed = System.currentTimeMillis() - startedAt;
      switch (action) {
        case 0 -> {
          String region = REGIONS.get(random.nextInt(REGIONS.size()));
          faultLog.add(elapsed + "ms kill " + region + " for " + downMillis + "ms");
          lab.kill(region);
          sleepQuietly(downMillis);
          lab.start(region);
        }
        case 1 -> {
          String region = REGIONS.get(random.nextInt(REGIONS.size()));
          faultLog.add(elapsed + "ms partition " + region + " for " + downMillis + "ms");
          setPartition(region, true);
          sleepQuietly(downMillis);
          setPartition(region, false);
        }
        default -> {
          faultLog.add(elapsed + "ms kill gateway for " + downMillis + "ms");
          lab.kill("gateway");
          sleepQuietly(downMillis);
          lab.start("gateway");
          lab.awaitHealthy("gateway");
        }
      }
    }
  }

  /** Retries an indeterminate attempt with the same key and target until it is acknowledged or the retries run out. */
  private Attempt retryUntilAcknowledged(Attempt attempt) {
    Attempt last = attempt;
    for (int i = 0; i < MAX_RETRIES_PER_KEY; i++) {
      last = send(attempt.key(), attempt.counter(), attempt.target());
      if (last.acknowledged() || !last.indeterminate()) {
        return last;
      }
      sleepQuietly(RETRY_PAUSE_MS);
    }
    return last;
  }

  private Attempt send(String key, String counter, String target) {
    String url = "gateway".equals(target) ? lab.url("gateway", "/api/increment") : lab.url(target, "/increment");
    HttpRequest request = HttpRequest.newBuilder(URI.create(url))
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("counter_name", counter).put("amount", 1).encode()))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      String outcome = response.statusCode() == 200 ? replyRegion(response.body()) : response.body();
      return new Attempt(key, counter, target, response.statusCode(), outcome);
    } catch (HttpTimeoutException e) {
      return new Attempt(key, counter, target, -1, "timeout");
    } catch (IOException e) {
      return new Attempt(key, counter, target, -1, e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Attempt(key, counter, target, -1, "interrupted");
    }
  }

  private static String replyRegion(String body) {
    JsonObject reply = new JsonObject(body);
    return reply.getString("region") + (reply.getBoolean("idempotent_replay", false) ? " (replay)" : "");
  }

  private static Map<String, Long> countPerCounter(List<Attempt> attempts, boolean acknowledgedOnly) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Attempt attempt : attempts) {
      if (!acknowledgedOnly || attempt.acknowledged()) {
        counts.merge(attempt.counter(), 1L, Long::sum);
      }
    }
    return Collections.unmodifiableMap(counts);
  }

  /**
   * Starts every service that is not running, then heals every region every few seconds until all
   * services are healthy.
   *
   * <p>NOTE: the heal is repeated because a region once stayed STARTING for two minutes after a
   * single heal. The cause is not confirmed. A suspect is a process that starts while a heal is
   * published: PartitionTable.install reads the isolated regions after registering its listener,
   * so it can add back a region that the heal had just removed.
   */
  private void restoreCluster() throws Exception {
    for (String service : SERVICES) {
      if (lab.healthStatus(service) == -1 && !lab.isRunning(service)) {
        lab.start(service);
      }
    }
    lab.awaitHealthy("gateway");
    long deadline = System.currentTimeMillis() + RESTORE_TIMEOUT_MS;
    List<String> unhealthy = SERVICES;
    while (System.currentTimeMillis() < deadline) {
      healAll();
      sleepQuietly(3000);
      unhealthy = SERVICES.stream().filter(service -> lab.healthStatus(service) != 200).toList();
      if (unhealthy.isEmpty()) {
        return;
      }
    }
    StringBuilder details = new StringBuilder();
    for (String service : unhealthy) {
      details.append('\n').append(service).append(" /health: ").append(bodyOrError(lab.url(service, "/health")));
      details.append('\n').append(service).append(" /status: ").append(bodyOrError(lab.url(service, "/status")));
    }
    throw new IllegalStateException("services not healthy " + RESTORE_TIMEOUT_MS + " ms after the heal: " + unhealthy + details);
  }

  private void healAll() {
    try {
      Http.post(lab.url("gateway", "/admin/partition/all?enabled=false"));
    } catch (IOException e) {
      // The gateway may still be joining the cluster, and the caller heals again.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String bodyOrError(String url) {
    try {
      return Http.get(url).body();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private void setPartition(String region, boolean enabled) {
    try {
      Http.post(lab.url("gateway", "/admin/partition/" + region + "?enabled=" + enabled));
    } catch (IOException e) {
      // The heal at the end of the test repairs a partition request that did not arrive.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void forceSync() throws Exception {
    Http.Response response = Http.post(lab.url("gateway", "/admin/force-sync"));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().getInteger("nodes_failed")).as(response.body()).isZero();
  }

  private JsonObject globalView(String counter) throws Exception {
    Http.Response response = Http.get(lab.url("gateway", "/api/counter/" + counter));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
