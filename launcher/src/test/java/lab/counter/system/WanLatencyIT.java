package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The simulated WAN latency model, switched on and off at run time on the shared test cluster. */
@ExtendWith(SharedCluster.class)
class WanLatencyIT {

  /** Default one-way delay between us-east and eu-west, the farther of us-east's two peers. */
  private static final long US_EAST_EU_WEST_ONE_WAY_MS = 40;

  private LabProcesses lab;

  @BeforeEach
  void setUp(LabProcesses lab) {
    this.lab = lab;
  }

  @Test
  @DisplayName("with latency on, a sync round from us-east takes at least the round trip to eu-west")
  void syncPaysTheRoundTrip() throws Exception {
    setLatency(true);

    JsonObject status = Http.get(lab.url("gateway", "/api/status")).json();
    assertThat(status.getJsonObject("wan_latency").getBoolean("enabled")).isTrue();
    assertThat(status.getJsonObject("wan_latency").getJsonObject("one_way_ms").getLong("eu-west<->us-east"))
        .isEqualTo(US_EAST_EU_WEST_ONE_WAY_MS);

    Http.Response round = Http.post(lab.url("us-east", "/admin/force-sync"));
    assertThat(round.status()).as(round.body()).isEqualTo(200);
    assertThat(round.json().getJsonObject("peers").getString("eu-west-1")).isEqualTo("success");
    assertThat(round.json().getLong("duration_ms")).isGreaterThanOrEqualTo(2 * US_EAST_EU_WEST_ONE_WAY_MS);
  }

  @Test
  @DisplayName("with latency on, strong p50 is at least 5x eventual p50, and switching it off shrinks the speedup")
  void compareReflectsTheModel() throws Exception {
    try {
      setLatency(true);
      JsonObject withLatency = compare("latency_on");
      double eventualP50 = withLatency.getJsonObject("eventual_consistency").getDouble("p50_ms");
      double strongP50 = withLatency.getJsonObject("strong_consistency").getDouble("p50_ms");
      assertThat(withLatency.getJsonObject("wan_latency").getBoolean("enabled")).isTrue();
      assertThat(strongP50).as(withLatency.encode()).isGreaterThanOrEqualTo(5 * eventualP50);
      assertThat(strongP50).as("prepare and commit each wait for the farthest region")
          .isGreaterThanOrEqualTo(4 * US_EAST_EU_WEST_ONE_WAY_MS);

      setLatency(false);
      JsonObject withoutLatency = compare("latency_off");
      assertThat(withoutLatency.getJsonObject("wan_latency").getBoolean("enabled")).isFalse();
      assertThat(withoutLatency.getJsonObject("strong_consistency").getDouble("p50_ms"))
          .as(withoutLatency.encode())
          .isLessThan(strongP50 / 2);
      assertThat(withoutLatency.getDouble("speedup")).isLessThan(withLatency.getDouble("speedup"));
    } finally {
      setLatency(true);
    }
  }

  private JsonObject compare(String counter) throws Exception {
    Http.Response response = Http.post(lab.url("gateway", "/api/compare"),
        new JsonObject().put("counter_name", counter).put("iterations", 20).encode());
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private void setLatency(boolean enabled) throws Exception {
    Http.Response response = Http.post(lab.url("gateway", "/admin/latency?enabled=" + enabled));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.json().getBoolean("enabled")).isEqualTo(enabled);
  }
}
