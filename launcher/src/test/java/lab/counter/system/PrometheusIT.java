package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The metrics as Prometheus and Grafana see them: a real Prometheus server ({@code /usr/bin/prometheus})
 * scrapes the test cluster every second with the compose scrape configuration, rewritten to the
 * test cluster's ports, and every PromQL expression of the Grafana dashboards must return data.
 * Prometheus listens on a free port of 127.0.0.1 and scrapes only the six services there.
 */
@ExtendWith(SharedCluster.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusIT {

  private static final Path PROMETHEUS_BINARY = Path.of("/usr/bin/prometheus");
  private static final String INSTALL_HINT =
      "install it with `apt-get install -y --no-install-recommends prometheus` (.ci/run does this)";
  private static final Set<String> SERVICES = Set.of("gateway", "coordinator", "us-east", "us-west", "eu-west", "strong");
  /** Scrape configuration keys the test accepts. Any other key could send Prometheus to another host or change labels unnoticed. */
  private static final Set<String> SCRAPE_CONFIG_KEYS = Set.of(
      "job_name", "metrics_path", "scheme", "static_configs", "honor_labels", "honor_timestamps",
      "relabel_configs", "metric_relabel_configs", "scrape_interval", "scrape_timeout");
  private static final String SCRAPE_INTERVAL = "1s";
  /**
   * Concrete values for the Grafana variables the dashboards may use. Grafana's {@code $__rate_interval}
   * is at least four scrape intervals, 20 s with the compose 5 s. One minute contains 60 samples here.
   */
  private static final Map<String, String> GRAFANA_VARIABLES = Map.of(
      "$__rate_interval", "1m",
      "$__interval", "5s",
      "$__range", "5m");
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DATA_TIMEOUT = Duration.ofSeconds(45);
  /** The region nodes' METRICS_TOP_COUNTERS default: per-counter series for at most this many counters. */
  private static final int TOP_COUNTERS = 20;
  /** Metric names that carry the {@code counter} label: counter_top_local_count and counter_top_synced_count. */
  private static final int PER_COUNTER_METRICS = 2;
  /** RegionVerticle refreshes the per-counter gauges every 2000 ms, so a longer wait includes at least one refresh. */
  private static final long TOP_COUNTERS_REFRESH_WAIT_MS = 3000;
  private static final int DISTINCT_COUNTERS = 10_000;
  private static final int CONCURRENT_REQUESTS = 64;
  private static final Pattern COUNTER_LABEL = Pattern.compile("[{,]counter=\"([^\"]*)\"");

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();

  private static Path repositoryRoot;
  private static Path workDir;
  private static Path logFile;
  private static Process prometheus;
  private static String prometheusUrl;

  @BeforeAll
  static void startPrometheus(LabProcesses lab) throws Exception {
    assertThat(Files.isExecutable(PROMETHEUS_BINARY))
        .as("%s is missing or not executable: %s", PROMETHEUS_BINARY, INSTALL_HINT)
        .isTrue();
    repositoryRoot = findRepositoryRoot();
    String config = testScrapeConfig(repositoryRoot.resolve("monitoring/prometheus/prometheus.yml"), lab);

    workDir = Files.createTempDirectory("prometheus-it-");
    Path configFile = workDir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int port = freeLoopbackPort();
    prometheusUrl = "http://127.0.0.1:" + port;
    logFile = lab.logDir().resolve("prometheus.log");
    Files.createDirectories(logFile.getParent());

    ProcessBuilder builder = new ProcessBuilder(
        PROMETHEUS_BINARY.toString(),
        "--config.file=" + configFile,
        "--storage.tsdb.path=" + workDir.resolve("data"),
        "--storage.tsdb.retention.time=1h",
        "--web.listen-address=127.0.0.1:" + port);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()));
    prometheus = builder.start();

    awaitReady();
    awaitTargetsUp();
  }

  @AfterAll
  static void stopPrometheus() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    if (workDir != null) {
      try (Stream<Path> paths = Files.walk(workDir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }

  @Test
  @Order(1)
  @DisplayName("a partitioned node's sync lag rises from one scrape to the next")
  void syncLagRisesDuringPartition(LabProcesses lab) throws Exception {
    String counter = "prom_lag_" + shortId();
    long partitionedAt;
    JsonArray series;
    Http.Response isolate = Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=true"));
    assertThat(isolate.status()).as(isolate.body()).isEqualTo(200);
    try {
      partitionedAt = System.currentTimeMillis();
      for (int i = 0; i < 5; i++) {
        Http.Response response = increment(lab, counter, "us-east");
        assertThat(response.status()).as("increment on us-east during the partition: " + response.body()).isEqualTo(200);
      }
      // Wait past any exchange that started before the partition reached every node, then 3 s
      // more: a range selector over the last 3 s returns the raw samples with their scrape
      // timestamps, all taken while no exchange of us-east-1 could succeed.
      Thread.sleep(2500 + 3000);
      series = query("counter_sync_lag_ms{node_id=\"us-east-1\"}[3s]").getJsonArray("result");
    } finally {
      Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=false"));
    }
    forceSync(lab);

    assertThat(series).as("us-east-1's sync lag series in Prometheus").isNotEmpty();
    for (int i = 0; i < series.size(); i++) {
      JsonObject lagSeries = series.getJsonObject(i);
      String peer = lagSeries.getJsonObject("metric").getString("peer");
      JsonArray samples = lagSeries.getJsonArray("values");
      assertThat(samples.size()).as("samples of the lag to %s: %s", peer, samples).isGreaterThanOrEqualTo(2);
      double firstTime = samples.getJsonArray(0).getDouble(0);
      double lastTime = samples.getJsonArray(samples.size() - 1).getDouble(0);
      double first = Double.parseDouble(samples.getJsonArray(0).getString(1));
      double last = Double.parseDouble(samples.getJsonArray(samples.size() - 1).getString(1));
      assertThat(lastTime).as("scrape times of the lag to %s: %s", peer, samples).isGreaterThan(firstTime);
      assertThat(last).as("lag to %s across scrapes: %s", peer, samples).isGreaterThan(first);
      assertThat(first).as("lag to %s at the first sample, taken %d ms after the partition began: %s",
          peer, (long) (firstTime * 1000) - partitionedAt, samples).isGreaterThan(1500);
    }
  }

  @Test
  @Order(2)
  @DisplayName("every dashboard query returns data after traffic, a partition and a heal")
  void everyDashboardQueryReturnsData(LabProcesses lab) throws Exception {
    List<String> expressions = dashboardExpressions();
    assertThat(expressions).as("PromQL expressions in monitoring/grafana/dashboards").isNotEmpty();

    driveTraffic(lab, "prom_dash_" + shortId());

    Map<String, String> failures = failingExpressions(expressions);
    long deadline = System.nanoTime() + DATA_TIMEOUT.toNanos();
    while (!failures.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      failures = failingExpressions(expressions);
    }
    StringBuilder message = new StringBuilder();
    failures.forEach((expression, reason) -> message.append("\n  ").append(expression).append("\n    -> ").append(reason));
    assertThat(failures)
        .as("%d of %d dashboard expressions returned no data within %s (Grafana variables replaced by %s):%s",
            failures.size(), expressions.size(), DATA_TIMEOUT, GRAFANA_VARIABLES, message)
        .isEmpty();

    assertThat(scalar("sum(increase(counter_partition_dropped_messages_total[1m]))"))
        .as("partition drops in the last minute").isPositive();
    assertThat(scalar("sum(increase(counter_conflicts_resolved_total[1m]))"))
        .as("conflicts resolved in the last minute, after the heal").isPositive();
  }

  @Test
  @Order(3)
  @DisplayName("10,000 distinct counter names keep per-counter series at the bound")
  void distinctCountersKeepSeriesBounded(LabProcesses lab) throws Exception {
    String prefix = "prom_card_" + shortId() + "_";
    long startedAt = System.nanoTime();
    Map<Integer, Integer> statuses = incrementDistinct(lab.url("us-east", "/increment"), prefix, DISTINCT_COUNTERS);
    long floodMillis = (System.nanoTime() - startedAt) / 1_000_000;
    System.out.printf("PrometheusIT: %d distinct counters incremented on us-east in %d ms, statuses %s%n",
        DISTINCT_COUNTERS, floodMillis, statuses);
    assertThat(statuses).as("statuses of the increments on us-east").containsOnlyKeys(200);

    Thread.sleep(TOP_COUNTERS_REFRESH_WAIT_MS);
    Http.Response metrics = Http.get(lab.url("us-east", "/metrics"));
    assertThat(metrics.status()).isEqualTo(200);
    List<String> labelled = metrics.body().lines()
        .filter(line -> !line.startsWith("#"))
        .filter(line -> COUNTER_LABEL.matcher(line).find())
        .toList();
    long floodedNames = labelled.stream()
        .map(COUNTER_LABEL::matcher)
        .filter(Matcher::find)
        .filter(matcher -> matcher.group(1).startsWith(prefix))
        .count();
    System.out.printf("PrometheusIT: us-east /metrics has %d counter-labelled series, %d of them for the new names%n",
        labelled.size(), floodedNames);

    assertThat(labelled.size())
        .as("counter-labelled series on us-east after %d distinct names:%n%s", DISTINCT_COUNTERS, String.join("\n", labelled))
        .isLessThanOrEqualTo(PER_COUNTER_METRICS * TOP_COUNTERS);
    assertThat(labelled).as("counter-labelled series on us-east").isNotEmpty();
    assertThat(floodedNames).as("series that name one of the new counters").isPositive();
    assertThat(gaugeValue(metrics.body(), "counter_counters"))
        .as("counters held by us-east").isGreaterThanOrEqualTo(DISTINCT_COUNTERS);

    double scraped = awaitScalar("count({node_id=\"us-east-1\", counter!=\"\"})");
    assertThat(scraped).as("counter-labelled series of us-east-1 in Prometheus").isLessThanOrEqualTo(PER_COUNTER_METRICS * TOP_COUNTERS);
  }

  @Test
  @Order(4)
  @DisplayName("dashboards name the lab's panels and only provisioned data sources")
  void dashboardsUseProvisionedDataSources() throws IOException {
    Set<String> provisioned = new TreeSet<>();
    try (Stream<Path> paths = Files.list(repositoryRoot.resolve("monitoring/grafana/provisioning/datasources"))) {
      for (Path file : paths.filter(path -> path.toString().endsWith(".yml") || path.toString().endsWith(".yaml")).toList()) {
        Map<String, Object> config = new Yaml().load(Files.readString(file));
        for (Object source : (List<?>) config.getOrDefault("datasources", List.of())) {
          provisioned.add(String.valueOf(asMap(source, "data source in " + file).get("uid")));
        }
      }
    }
    Path dashboard = repositoryRoot.resolve("monitoring/grafana/dashboards/counter-lab.json");
    JsonObject json = new JsonObject(Files.readString(dashboard));
    List<String> uids = new ArrayList<>();
    List<String> titles = new ArrayList<>();
    collectDataSourcesAndTitles(json, uids, titles);

    assertThat(provisioned).as("data source uids in monitoring/grafana/provisioning/datasources").contains("prometheus", "jaeger");
    assertThat(uids).as("data source uids used by %s", dashboard).isNotEmpty();
    assertThat(provisioned).as("provisioned data sources, against those %s uses", dashboard).containsAll(uids);
    assertThat(titles).as("panel titles of %s", dashboard).contains(
        "Increment Rate", "Synced Count by Region", "Sync Lag by Region", "Sync Operations Rate",
        "Conflicts Resolved", "Partition Drops", "Gateway Latency Percentiles", "Eventual vs Strong Write Latency");
  }

  // --- Traffic -----------------------------------------------------------------------------------

  /**
   * Drives everything the dashboard panels show: a partition of us-east with increments of the
   * same counter on both sides, the heal and a forced sync, which resolves the concurrent vectors
   * as conflicts. Then round-robin increments, strong writes and global views, last, so that they
   * fall inside the one-minute rate windows even when a loaded machine makes the rest slow.
   */
  private static void driveTraffic(LabProcesses lab, String counter) throws Exception {
    long startedAt = System.nanoTime();
    for (int i = 0; i < 6; i++) {
      Http.Response response = increment(lab, counter, null);
      assertThat(response.status()).as(response.body()).isEqualTo(200);
    }
    forceSync(lab);

    Http.Response isolate = Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=true"));
    assertThat(isolate.status()).as(isolate.body()).isEqualTo(200);
    try {
      for (int i = 0; i < 6; i++) {
        assertThat(increment(lab, counter, "us-east").status()).isEqualTo(200);
        assertThat(increment(lab, counter, "us-west").status()).isEqualTo(200);
      }
      Thread.sleep(2L * SharedCluster.SYNC_INTERVAL_MS);
    } finally {
      Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=false"));
    }
    forceSync(lab);

    for (int i = 0; i < 12; i++) {
      Http.Response response = increment(lab, counter, null);
      assertThat(response.status()).as(response.body()).isEqualTo(200);
    }
    for (int i = 0; i < 5; i++) {
      Http.Response strong = Http.post(lab.url("strong", "/increment"),
          new JsonObject().put("counter_name", counter + "_strong").put("amount", 1).encode());
      assertThat(strong.status()).as(strong.body()).isEqualTo(200);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(Http.get(lab.url("gateway", "/api/counter/" + counter)).status()).isEqualTo(200);
      assertThat(Http.get(lab.url("gateway", "/api/status")).status()).isEqualTo(200);
      assertThat(Http.get(lab.url("coordinator", "/global/counter/" + counter)).status()).isEqualTo(200);
    }
    System.out.printf("PrometheusIT: dashboard traffic took %d ms%n", (System.nanoTime() - startedAt) / 1_000_000);
  }

  private static Http.Response increment(LabProcesses lab, String counter, String region) throws Exception {
    JsonObject body = new JsonObject().put("counter_name", counter).put("amount", 1);
    if (region != null) {
      body.put("region", region);
    }
    return Http.post(lab.url("gateway", "/api/increment"), body.encode());
  }

  private static void forceSync(LabProcesses lab) throws Exception {
    Http.Response response = Http.post(lab.url("gateway", "/admin/force-sync"));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
  }

  /**
   * Sends one increment for each of {@code count} names, at most {@link #CONCURRENT_REQUESTS} at a
   * time, and returns how many responses had each status (-1 for a request that failed).
   */
  private static Map<Integer, Integer> incrementDistinct(String url, String prefix, int count) throws Exception {
    Semaphore permits = new Semaphore(CONCURRENT_REQUESTS);
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> pending = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      permits.acquire();
      HttpRequest request = HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              new JsonObject().put("counter_name", prefix + i).put("amount", 1).encode()))
          .build();
      pending.add(CLIENT.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .handle((response, failure) -> {
            int status = failure == null ? response.statusCode() : -1;
            statuses.computeIfAbsent(status, key -> new AtomicInteger()).incrementAndGet();
            permits.release();
            return null;
          }));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    Map<Integer, Integer> counts = new LinkedHashMap<>();
    statuses.forEach((status, number) -> counts.put(status, number.get()));
    return counts;
  }

  // --- Dashboards --------------------------------------------------------------------------------

  /** Returns every {@code expr} of every dashboard JSON file, with the Grafana variables replaced. */
  private static List<String> dashboardExpressions() throws IOException {
    List<String> expressions = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> paths = Files.list(repositoryRoot.resolve("monitoring/grafana/dashboards"))) {
      files = paths.filter(path -> path.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files).as("dashboard JSON files").isNotEmpty();
    for (Path file : files) {
      collectExpressions(new JsonObject(Files.readString(file)), expressions);
    }
    return expressions.stream().map(PrometheusIT::replaceVariables).distinct().toList();
  }

  private static void collectExpressions(Object node, List<String> expressions) {
    if (node instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        if (entry.getKey().equals("expr") && entry.getValue() instanceof String expression) {
          expressions.add(expression);
        } else {
          collectExpressions(entry.getValue(), expressions);
        }
      }
    } else if (node instanceof JsonArray array) {
      for (Object item : array) {
        collectExpressions(item, expressions);
      }
    }
  }

  private static void collectDataSourcesAndTitles(Object node, List<String> uids, List<String> titles) {
    if (node instanceof JsonObject object) {
      if (object.getValue("datasource") instanceof JsonObject dataSource && dataSource.getString("uid") != null) {
        uids.add(dataSource.getString("uid"));
      }
      if (object.containsKey("gridPos") && object.getValue("title") instanceof String title) {
        titles.add(title);
      }
      for (Map.Entry<String, Object> entry : object) {
        collectDataSourcesAndTitles(entry.getValue(), uids, titles);
      }
    } else if (node instanceof JsonArray array) {
      for (Object item : array) {
        collectDataSourcesAndTitles(item, uids, titles);
      }
    }
  }

  private static String replaceVariables(String expression) {
    String replaced = expression;
    for (Map.Entry<String, String> variable : GRAFANA_VARIABLES.entrySet()) {
      replaced = replaced.replace(variable.getKey(), variable.getValue());
    }
    return replaced;
  }

  /**
   * Evaluates each expression now and returns those without data, with the reason: an error, no
   * series, or only NaN values (a quantile over a histogram that saw no observation in the window).
   */
  private static Map<String, String> failingExpressions(List<String> expressions) throws Exception {
    Map<String, String> failures = new LinkedHashMap<>();
    for (String expression : expressions) {
      if (expression.contains("$")) {
        failures.put(expression, "contains a Grafana variable this test has no value for; add it to GRAFANA_VARIABLES");
        continue;
      }
      JsonObject response = queryResponse(expression);
      if (!"success".equals(response.getString("status"))) {
        failures.put(expression, "query failed: " + response.getString("errorType") + ": " + response.getString("error"));
        continue;
      }
      JsonObject data = response.getJsonObject("data");
      List<String> values = sampleValues(data);
      if (values.isEmpty()) {
        failures.put(expression, "no series");
      } else if (values.stream().allMatch(value -> value.equals("NaN"))) {
        failures.put(expression, "only NaN values: " + data.getJsonArray("result"));
      }
    }
    return failures;
  }

  /** Returns the sample values of an instant query's result, whatever its type. */
  private static List<String> sampleValues(JsonObject data) {
    String type = data.getString("resultType");
    List<String> values = new ArrayList<>();
    if (type.equals("scalar") || type.equals("string")) {
      values.add(data.getJsonArray("result").getString(1));
      return values;
    }
    JsonArray result = data.getJsonArray("result");
    for (int i = 0; i < result.size(); i++) {
      JsonObject series = result.getJsonObject(i);
      if (series.containsKey("value")) {
        values.add(series.getJsonArray("value").getString(1));
      } else {
        JsonArray samples = series.getJsonArray("values");
        for (int j = 0; j < samples.size(); j++) {
          values.add(samples.getJsonArray(j).getString(1));
        }
      }
    }
    return values;
  }

  // --- Prometheus --------------------------------------------------------------------------------

  /**
   * Returns the compose Prometheus configuration with every target moved to the test cluster's
   * port on 127.0.0.1 and a 1 s scrape interval. Fails on a target that is not one of the six
   * services and on any setting outside global and plain static scrape configurations, because
   * such a setting could send Prometheus to another host.
   */
  private static String testScrapeConfig(Path composeConfig, LabProcesses lab) throws IOException {
    Map<String, Object> config = new Yaml().load(Files.readString(composeConfig));
    assertThat(config.keySet()).as("top-level keys of %s", composeConfig).containsOnly("global", "scrape_configs");

    Map<String, Object> global = new LinkedHashMap<>(asMap(config.getOrDefault("global", Map.of()), "global"));
    global.put("scrape_interval", SCRAPE_INTERVAL);
    global.put("evaluation_interval", SCRAPE_INTERVAL);
    global.remove("scrape_timeout");

    List<Map<String, Object>> jobs = new ArrayList<>();
    int targetCount = 0;
    for (Object jobValue : (List<?>) config.get("scrape_configs")) {
      Map<String, Object> job = new LinkedHashMap<>(asMap(jobValue, "scrape config"));
      assertThat(SCRAPE_CONFIG_KEYS).as("keys of scrape config %s", job.get("job_name")).containsAll(job.keySet());
      job.remove("scrape_interval");
      job.remove("scrape_timeout");
      List<Map<String, Object>> staticConfigs = new ArrayList<>();
      for (Object staticValue : (List<?>) job.get("static_configs")) {
        Map<String, Object> staticConfig = new LinkedHashMap<>(asMap(staticValue, "static config"));
        List<String> targets = new ArrayList<>();
        for (Object target : (List<?>) staticConfig.get("targets")) {
          targets.add(testTarget(String.valueOf(target), lab));
          targetCount++;
        }
        staticConfig.put("targets", targets);
        staticConfigs.add(staticConfig);
      }
      job.put("static_configs", staticConfigs);
      jobs.add(job);
    }
    assertThat(targetCount).as("targets in %s", composeConfig).isEqualTo(SERVICES.size());

    Map<String, Object> rewritten = new LinkedHashMap<>();
    rewritten.put("global", global);
    rewritten.put("scrape_configs", jobs);
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return new Yaml(options).dump(rewritten);
  }

  /** Returns {@code 127.0.0.1:<test port>} for a compose target {@code <service>:<port>}. */
  private static String testTarget(String composeTarget, LabProcesses lab) {
    String service = composeTarget.substring(0, Math.max(0, composeTarget.indexOf(':')));
    assertThat(SERVICES).as("service of the compose scrape target %s", composeTarget).contains(service);
    return URI.create(lab.url(service, "/")).getAuthority();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value, String description) {
    assertThat(value).as(description).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  private static void awaitReady() throws Exception {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      assertAlive();
      try {
        HttpRequest request = HttpRequest.newBuilder(URI.create(prometheusUrl + "/-/ready")).timeout(Duration.ofSeconds(2)).build();
        if (CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // Prometheus is still starting; try again.
      }
      Thread.sleep(250);
    }
    fail("Prometheus was not ready within %s:%n%s", STARTUP_TIMEOUT, logTail());
  }

  /** Waits until Prometheus scrapes all six services on 127.0.0.1 successfully. */
  private static void awaitTargetsUp() throws Exception {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    JsonArray targets = new JsonArray();
    while (System.nanoTime() < deadline) {
      assertAlive();
      targets = getJson(prometheusUrl + "/api/v1/targets?state=active").getJsonObject("data").getJsonArray("activeTargets");
      for (int i = 0; i < targets.size(); i++) {
        String scrapeUrl = targets.getJsonObject(i).getString("scrapeUrl");
        assertThat(scrapeUrl).as("Prometheus scrape URL").startsWith("http://127.0.0.1:");
      }
      boolean allUp = targets.size() == SERVICES.size()
          && targets.stream().allMatch(target -> "up".equals(((JsonObject) target).getString("health")));
      if (allUp) {
        return;
      }
      Thread.sleep(500);
    }
    fail("Prometheus did not scrape all %d services within %s: %s%n%s", SERVICES.size(), STARTUP_TIMEOUT,
        targets.encodePrettily(), logTail());
  }

  private static void assertAlive() {
    if (!prometheus.isAlive()) {
      fail("Prometheus exited with status %d:%n%s", prometheus.exitValue(), logTail());
    }
  }

  /** Returns the {@code data} of a successful instant query; fails on an error. */
  private static JsonObject query(String expression) throws Exception {
    JsonObject response = queryResponse(expression);
    assertThat(response.getString("status")).as("query %s: %s", expression, response.encode()).isEqualTo("success");
    return response.getJsonObject("data");
  }

  private static JsonObject queryResponse(String expression) throws Exception {
    return getJson(prometheusUrl + "/api/v1/query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8));
  }

  /** Returns the single value of an expression that yields one series, such as {@code sum(...)}. */
  private static double scalar(String expression) throws Exception {
    JsonArray result = query(expression).getJsonArray("result");
    assertThat(result).as("series of %s", expression).hasSize(1);
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }

  /** Waits until {@code expression} returns one series and returns its value. */
  private static double awaitScalar(String expression) throws Exception {
    long deadline = System.nanoTime() + DATA_TIMEOUT.toNanos();
    while (query(expression).getJsonArray("result").isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    return scalar(expression);
  }

  private static JsonObject getJson(String url) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    return new JsonObject(response.body());
  }

  private static String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no Prometheus log: " + e.getMessage() + ")";
    }
  }

  // --- Helpers -----------------------------------------------------------------------------------

  /** Returns the value of an untagged-by-counter gauge line such as {@code counter_counters{...} 12.0}. */
  private static double gaugeValue(String metrics, String name) {
    return metrics.lines()
        .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is missing from /metrics"));
  }

  private static int freeLoopbackPort() throws IOException {
    // Never 9090: that is the port of a Prometheus started by Docker Compose or by the system.
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        if (socket.getLocalPort() != 9090) {
          return socket.getLocalPort();
        }
      }
    }
  }

  private static Path findRepositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("monitoring/prometheus/prometheus.yml"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("a parent of %s with monitoring/prometheus/prometheus.yml", Path.of("").toAbsolutePath()).isNotNull();
    return dir;
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
