package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The counter cluster end to end: separate JVMs clustered over loopback, driven over HTTP. */
@ExtendWith(SharedCluster.class)
class CounterClusterIT {

  private static final List<String> REGIONS = List.of("us-east", "us-west", "eu-west");

  private LabProcesses lab;

  @BeforeEach
  void setUp(LabProcesses lab) {
    this.lab = lab;
  }

  @Test
  @DisplayName("round-robin increments reach every region and converge to the acknowledged count")
  void incrementsConverge() throws Exception {
    Set<String> regionsSeen = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      Http.Response response = increment("converge", 1);
      assertThat(response.status()).as(response.body()).isEqualTo(200);
      regionsSeen.add(response.json().getString("region"));
      assertThat(response.json().getString("routing")).isEqualTo("round-robin");
    }

    assertThat(regionsSeen).containsExactlyInAnyOrderElementsOf(REGIONS);
    forceSync();
    JsonObject view = globalView("converge");
    assertThat(view.getLong("global_count")).isEqualTo(30);
    assertThat(view.getJsonObject("convergence").getBoolean("converged")).as(view.encode()).isTrue();
    for (String region : REGIONS) {
      assertThat(view.getJsonObject("regions").getJsonObject(region).getLong("total_count")).as(region).isEqualTo(30);
    }
  }

  @Test
  @DisplayName("a partitioned region keeps counting, and after heal and force-sync no increment is lost")
  void partitionThenHeal() throws Exception {
    int acknowledged = 0;
    for (int i = 0; i < 9; i++) {
      acknowledged += increment("partition_test", 1).status() == 200 ? 1 : 0;
    }
    forceSync();

    Http.Response isolate = Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=true"));
    assertThat(isolate.status()).as(isolate.body()).isEqualTo(200);
    try {
      for (int i = 0; i < 12; i++) {
        Http.Response response = increment("partition_test", 1);
        assertThat(response.status()).as("increment during partition: " + response.body()).isEqualTo(200);
        acknowledged++;
      }
      Thread.sleep(2L * SharedCluster.SYNC_INTERVAL_MS);
      JsonObject view = globalView("partition_test");
      JsonObject regions = view.getJsonObject("regions");
      assertThat(view.getJsonObject("convergence").getBoolean("converged")).as(view.encode()).isFalse();
      assertThat(regions.getJsonObject("us-east").getBoolean("network_partition")).isTrue();
      assertThat(regions.getJsonObject("us-east").getLong("total_count"))
          .as("us-east cannot see the other regions' new increments")
          .isLessThan(regions.getJsonObject("us-west").getLong("total_count"));
      assertThat(regions.getJsonObject("us-west").getLong("total_count"))
          .as("us-west and eu-west still sync with each other")
          .isEqualTo(regions.getJsonObject("eu-west").getLong("total_count"));
      assertThat(view.getLong("global_count")).as("global_count merges every region's slots").isEqualTo(acknowledged);
    } finally {
      Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=false"));
    }

    forceSync();
    JsonObject healed = globalView("partition_test");
    assertThat(healed.getJsonObject("convergence").getBoolean("converged")).as(healed.encode()).isTrue();
    for (String region : REGIONS) {
      assertThat(healed.getJsonObject("regions").getJsonObject(region).getLong("total_count")).as(region).isEqualTo(acknowledged);
    }
  }

  @Test
  @DisplayName("a partitioned region's sync lag grows and its dropped messages are counted")
  void partitionLagGrows() throws Exception {
    Http.post(lab.url("gateway", "/admin/partition/eu-west?enabled=true"));
    try {
      Thread.sleep(2L * SharedCluster.SYNC_INTERVAL_MS);
      JsonObject first = Http.get(lab.url("eu-west", "/status")).json();
      Thread.sleep(2L * SharedCluster.SYNC_INTERVAL_MS);
      JsonObject second = Http.get(lab.url("eu-west", "/status")).json();

      long firstLag = first.getJsonObject("sync").getJsonObject("peers").getJsonObject("us-east-1").getLong("sync_lag_ms");
      long secondLag = second.getJsonObject("sync").getJsonObject("peers").getJsonObject("us-east-1").getLong("sync_lag_ms");
      assertThat(secondLag).isGreaterThan(firstLag);
      assertThat(second.getJsonObject("sync").getJsonObject("outcomes").getLong("partitioned")).isPositive();
      assertThat(second.getJsonObject("partition").getLong("dropped_outbound")).isPositive();
    } finally {
      Http.post(lab.url("gateway", "/admin/partition/eu-west?enabled=false"));
    }
    forceSync();
    JsonObject healed = Http.get(lab.url("eu-west", "/status")).json();
    assertThat(healed.getJsonObject("sync").getJsonObject("peers").getJsonObject("us-east-1").getLong("sync_lag_ms"))
        .isLessThan(2L * SharedCluster.SYNC_INTERVAL_MS);
  }

  @Test
  @DisplayName("a strong write reaches every region before it is acknowledged")
  void strongWriteAppliesEverywhere() throws Exception {
    Http.Response write = Http.post(lab.url("strong", "/increment"), "{\"counter_name\":\"strong_ok\",\"amount\":5}");
    assertThat(write.status()).as(write.body()).isEqualTo(200);
    assertThat(write.json().getLong("value")).isEqualTo(5);

    JsonObject read = Http.get(lab.url("strong", "/counter/strong_ok")).json();
    assertThat(read.getLong("value")).isEqualTo(5);
    for (Object value : read.getJsonObject("replicas").getMap().values()) {
      assertThat(((Number) value).longValue()).isEqualTo(5);
    }
  }

  @Test
  @DisplayName("during a partition strong writes fail fast and apply nowhere, eventual writes succeed")
  void strongWriteFailsDuringPartition() throws Exception {
    Http.post(lab.url("strong", "/increment"), "{\"counter_name\":\"strong_partition\",\"amount\":1}");
    Http.post(lab.url("gateway", "/admin/partition/us-west?enabled=true"));
    try {
      Http.Response strong = Http.post(lab.url("strong", "/increment"), "{\"counter_name\":\"strong_partition\",\"amount\":1}");
      assertThat(strong.status()).as(strong.body()).isEqualTo(503);
      assertThat(strong.json().getString("error")).isNotBlank();
      assertThat(strong.millis()).isLessThanOrEqualTo((long) (SharedCluster.STRONG_TIMEOUT_MS * 1.1));

      for (int i = 0; i < 6; i++) {
        Http.Response eventual = increment("eventual_partition", 1);
        assertThat(eventual.status()).as(eventual.body()).isEqualTo(200);
      }
    } finally {
      Http.post(lab.url("gateway", "/admin/partition/us-west?enabled=false"));
    }

    JsonObject read = Http.get(lab.url("strong", "/counter/strong_partition")).json();
    assertThat(read.getLong("value")).as(read.encode()).isEqualTo(1);
    assertThat(read.getJsonObject("replicas").size()).isEqualTo(3);
    for (Object value : read.getJsonObject("replicas").getMap().values()) {
      assertThat(((Number) value).longValue()).as(read.encode()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("compare returns both latency series, a speedup and a computed conclusion")
  void compareShape() throws Exception {
    Http.Response response = Http.post(lab.url("gateway", "/api/compare"), "{\"counter_name\":\"benchmark\",\"iterations\":20}");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonObject result = response.json();
    for (String series : List.of("eventual_consistency", "strong_consistency")) {
      JsonObject json = result.getJsonObject(series);
      assertThat(json.getString("description")).as(series).isNotBlank();
      for (String field : List.of("avg_ms", "p50_ms", "p99_ms", "min_ms", "max_ms")) {
        assertThat(json.getDouble(field)).as(series + "." + field).isNotNull().isPositive();
      }
      assertThat(json.getInteger("successes")).as(series).isEqualTo(20);
    }
    double speedup = result.getDouble("speedup");
    assertThat(speedup).isPositive();
    assertThat(result.getString("conclusion")).contains(String.valueOf(speedup));
  }

  @Test
  @DisplayName("gateway fails over from a stopped region, and a restarted region learns its slot back")
  void regionRestart() throws Exception {
    Http.Response before = Http.post(lab.url("us-west", "/increment"), "{\"counter_name\":\"restart\",\"amount\":100}");
    assertThat(before.status()).isEqualTo(200);
    forceSync();

    lab.kill("us-west");
    try {
      for (int i = 0; i < 6; i++) {
        Http.Response response = increment("restart_failover", 1);
        assertThat(response.status()).as("increment with us-west down: " + response.body()).isIn(200, 503);
      }
    } finally {
      lab.start("us-west");
      lab.awaitHealthy("us-west");
    }

    Http.Response after = Http.post(lab.url("us-west", "/increment"), "{\"counter_name\":\"restart\",\"amount\":5}");
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    assertThat(after.json().getLong("local_count")).as("us-west resumes from its old slot").isEqualTo(105);
    forceSync();
    JsonObject view = globalView("restart");
    for (String region : REGIONS) {
      assertThat(view.getJsonObject("regions").getJsonObject(region).getLong("total_count")).as(region).isEqualTo(105);
    }
  }

  private Http.Response increment(String counter, long amount) throws Exception {
    return Http.post(lab.url("gateway", "/api/increment"),
        new JsonObject().put("counter_name", counter).put("amount", amount).encode());
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
}
