package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input on every service: each request gets a 4xx with the JSON error body, changes no
 * counter, and leaves the service up.
 */
@ExtendWith(SharedCluster.class)
class BadInputIT {

  private static final String LONG_NAME = "n".repeat(129);

  private LabProcesses lab;

  @BeforeEach
  void setUp(LabProcesses lab) {
    this.lab = lab;
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        // service, method, path, body, expected status
        Arguments.of("gateway", "POST", "/api/increment", "{not json", 400),
        Arguments.of("gateway", "POST", "/api/increment", "", 400),
        Arguments.of("gateway", "POST", "/api/increment", "[1,2]", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"amount\":1}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":7,\"amount\":1}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"\",\"amount\":1}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"" + LONG_NAME + "\",\"amount\":1}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"a/b\",\"amount\":1}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"..\",\"amount\":1}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":0}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":-3}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":1.5}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":\"1\"}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":99999999999999999999}", 400),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":1,\"region\":\"mars\"}", 404),
        Arguments.of("gateway", "POST", "/api/increment", "{\"counter_name\":\"bad_input\",\"amount\":1,\"routing\":\"nearest\"}", 400),
        Arguments.of("gateway", "POST", "/api/compare", "{\"counter_name\":\"bad_input\",\"iterations\":0}", 400),
        Arguments.of("gateway", "POST", "/api/compare", "{\"counter_name\":\"bad_input\",\"iterations\":10001}", 400),
        Arguments.of("gateway", "POST", "/admin/partition/mars?enabled=true", "", 404),
        Arguments.of("gateway", "POST", "/admin/partition/us-east?enabled=maybe", "", 400),
        Arguments.of("gateway", "POST", "/admin/partition/us-east", "", 400),
        Arguments.of("gateway", "GET", "/api/counter/" + LONG_NAME, null, 400),
        Arguments.of("gateway", "GET", "/no/such/route", null, 404),
        Arguments.of("gateway", "GET", "/eventbus/websocket", null, 400),
        Arguments.of("us-east", "POST", "/increment", "{not json", 400),
        Arguments.of("us-east", "POST", "/increment", "{\"counter_name\":\"bad_input\",\"amount\":0}", 400),
        Arguments.of("us-east", "POST", "/increment", "{\"counter_name\":\"bad\\u0001input\",\"amount\":1}", 400),
        Arguments.of("us-east", "POST", "/increment", "{\"counter_name\":\"bad_input\",\"amount\":9223372036854775808}", 400),
        Arguments.of("us-east", "POST", "/admin/partition?enabled=yes", "", 400),
        Arguments.of("us-east", "GET", "/counters?limit=0", null, 400),
        Arguments.of("us-east", "GET", "/counter/%F0%9F%98%80", null, 400),
        Arguments.of("coordinator", "POST", "/global/partition?region=mars&enabled=true", "", 404),
        Arguments.of("coordinator", "GET", "/global/counters?limit=abc", null, 400),
        Arguments.of("strong", "POST", "/increment", "{not json", 400),
        Arguments.of("strong", "POST", "/increment", "{\"counter_name\":\"bad_input\",\"amount\":-1}", 400),
        Arguments.of("strong", "POST", "/increment", "{\"counter_name\":\"bad_input\",\"amount\":1,\"op_id\":5}", 400));
  }

  @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
  @MethodSource("badRequests")
  @DisplayName("bad request gets a JSON error and changes nothing")
  void badRequestRejected(String service, String method, String path, String body, int expectedStatus) throws Exception {
    long countersBefore = totalCounters();

    Http.Response response = "GET".equals(method)
        ? Http.get(lab.url(service, path))
        : body == null || body.isEmpty() ? Http.post(lab.url(service, path)) : Http.post(lab.url(service, path), body);

    assertThat(response.status()).as(response.body()).isEqualTo(expectedStatus);
    JsonObject error = response.json();
    assertThat(error.getString("error")).as(response.body()).isNotBlank();
    assertThat(error.getString("detail")).as(response.body()).isNotBlank();
    assertThat(totalCounters()).as("no counter was created").isEqualTo(countersBefore);
    assertThat(lab.healthStatus(service)).as(service + " is still up").isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bodyLimitServices")
  @DisplayName("body over the limit gets 413")
  void oversizedBodyRejected(String service, String path) throws Exception {
    String huge = "{\"counter_name\":\"big\",\"pad\":\"" + "x".repeat(200_000) + "\"}";

    Http.Response response = Http.post(lab.url(service, path), huge);

    assertThat(response.status()).isEqualTo(413);
    assertThat(response.json().getString("error")).isNotBlank();
    assertThat(lab.healthStatus(service)).isEqualTo(200);
  }

  static Stream<Arguments> bodyLimitServices() {
    return Stream.of(
        Arguments.of("gateway", "/api/increment"),
        Arguments.of("us-east", "/increment"),
        Arguments.of("strong", "/increment"));
  }

  private long totalCounters() throws Exception {
    long total = 0;
    for (String region : List.of("us-east", "us-west", "eu-west")) {
      total += Http.get(lab.url(region, "/counters?limit=1")).json().getLong("total_counters");
    }
    return total;
  }
}
