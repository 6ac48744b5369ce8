package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A region node killed with SIGKILL and restarted, with its store file and without it: no
 * acknowledged increment is lost, none is counted twice, and an idempotency key survives the
 * restart. Strong writes survive a restart of every region node, one after another. Each test
 * leaves every service of the shared cluster healthy.
 */
@ExtendWith(SharedCluster.class)
class RestartIT {

  private static final List<String> REGIONS = List.of("us-east", "us-west", "eu-west");
  private static final List<String> SERVICES = List.of("us-east", "us-west", "eu-west", "gateway", "coordinator", "strong");
  private static final String NODE = "us-east";

  private LabProcesses lab;

  @BeforeEach
  void setUp(LabProcesses lab) {
    this.lab = lab;
  }

  @AfterEach
  void restoreCluster() throws Exception {
    for (String region : REGIONS) {
      if (lab.healthStatus(region) == -1) {
        lab.start(region);
      }
    }
    for (String service : SERVICES) {
      lab.awaitHealthy(service);
    }
  }

  @Test
  @DisplayName("killed region restarts from its disk, then from peers with an empty disk")
  void killAndRestart() throws Exception {
    String counter = "restart_disk";
    assertIncrement(counter, 100, 100);
    forceSync();

    killAndStart(false);
    assertIncrement(counter, 5, 105);
    forceSync();
    assertEveryRegionShows(counter, 105);

    killAndStart(true);
    assertIncrement(counter, 5, 110);
    forceSync();
    assertEveryRegionShows(counter, 110);
  }

  @Test
  @DisplayName("idempotency key survives SIGKILL and replays its first result")
  void idempotencyKeySurvivesKill() throws Exception {
    String counter = "restart_key";
    String key = "restart-k1-" + UUID.randomUUID();
    String body = new JsonObject().put("counter_name", counter).put("amount", 7).encode();

    Http.Response first = Http.post(lab.url(NODE, "/increment"), body, Map.of("Idempotency-Key", key));
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json().getLong("local_count")).as(first.body()).isEqualTo(7);
    assertThat(first.json().containsKey("idempotent_replay")).as(first.body()).isFalse();
    forceSync();

    killAndStart(false);

    Http.Response replay = Http.post(lab.url(NODE, "/increment"), body, Map.of("Idempotency-Key", key));
    assertThat(replay.status()).as(replay.body()).isEqualTo(200);
    assertThat(replay.json().getBoolean("idempotent_replay")).as(replay.body()).isTrue();
    assertThat(replay.json().getLong("local_count")).as("the replay returns the first result").isEqualTo(7);
    forceSync();
    assertEveryRegionShows(counter, 7);
  }

  @Test
  @DisplayName("strong writes survive a restart of every region node")
  void strongWritesSurviveRestarts() throws Exception {
    String counter = "restart_strong";
    assertStrongIncrement(counter, 4, 4);

    for (String region : REGIONS) {
      lab.kill(region);
      assertThat(lab.healthStatus(region)).as(region + " is down after SIGKILL").isEqualTo(-1);
      lab.start(region);
      lab.awaitHealthy(region);
    }

    Http.Response read = Http.get(lab.url("strong", "/counter/" + counter));
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    assertThat(read.json().getLong("value")).as(read.body()).isEqualTo(4);
    for (String replica : read.json().getJsonObject("replicas").fieldNames()) {
      assertThat(read.json().getJsonObject("replicas").getLong(replica)).as(replica + ": " + read.body()).isEqualTo(4);
    }
    assertStrongIncrement(counter, 1, 5);
  }

  private void assertStrongIncrement(String counter, long amount, long expectedValue) throws Exception {
    Http.Response response = Http.post(lab.url("strong", "/increment"),
        new JsonObject().put("counter_name", counter).put("amount", amount).encode());
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().getLong("value")).as(response.body()).isEqualTo(expectedValue);
  }

  /** Kills {@link #NODE} with SIGKILL, optionally deletes its store file, and waits until it is healthy again. */
  private void killAndStart(boolean deleteStore) throws Exception {
    lab.kill(NODE);
    assertThat(lab.healthStatus(NODE)).as(NODE + " is down after SIGKILL").isEqualTo(-1);
    if (deleteStore) {
      assertThat(lab.storeFile(NODE)).as("store file of " + NODE).exists();
      Files.delete(lab.storeFile(NODE));
    }
    lab.start(NODE);
    lab.awaitHealthy(NODE);
  }

  private void assertIncrement(String counter, long amount, long expectedLocal) throws Exception {
    Http.Response response = Http.post(lab.url(NODE, "/increment"),
        new JsonObject().put("counter_name", counter).put("amount", amount).encode());
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().getLong("local_count")).as("local slot of " + NODE + ": " + response.body()).isEqualTo(expectedLocal);
  }

  private void assertEveryRegionShows(String counter, long expected) throws Exception {
    Http.Response response = Http.get(lab.url("gateway", "/api/counter/" + counter));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonObject view = response.json();
    for (String region : REGIONS) {
      assertThat(view.getJsonObject("regions").getJsonObject(region).getLong("total_count")).as(region + ": " + view.encode())
          .isEqualTo(expected);
    }
    assertThat(view.getLong("global_count")).as(view.encode()).isEqualTo(expected);
  }

  private void forceSync() throws Exception {
    Http.Response response = Http.post(lab.url("gateway", "/admin/force-sync"));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().getInteger("nodes_failed")).as(response.body()).isZero();
  }
}
