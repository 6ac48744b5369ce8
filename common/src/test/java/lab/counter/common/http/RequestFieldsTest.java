package lab.counter.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link RequestFields}: the idempotency key checks and the abbreviation of echoed values. */
@DisplayName("RequestFields")
class RequestFieldsTest {

  private static final String EMOJI = "\ud83d\ude00";

  @Test
  @DisplayName("an abbreviation never splits a surrogate pair")
  void abbreviationKeepsPairs() {
    String straddling = "a".repeat(39) + EMOJI + "tail";

    String cut = RequestFields.abbreviate(straddling);

    assertThat(cut).isEqualTo("a".repeat(39) + "...");
    // A lone surrogate would reach the JSON error body as an escape that strict parsers such as jq reject.
    assertThat(cut.codePoints().noneMatch(codePoint -> Character.getType(codePoint) == Character.SURROGATE)).isTrue();
  }

  @Test
  @DisplayName("an abbreviation keeps a pair that fits whole")
  void abbreviationKeepsWholePair() {
    assertThat(RequestFields.abbreviate("a".repeat(38) + EMOJI + "tail")).isEqualTo("a".repeat(38) + EMOJI + "...");
    assertThat(RequestFields.abbreviate("short")).isEqualTo("short");
    assertThat(RequestFields.abbreviate("b".repeat(90), 80)).hasSize(83);
  }

  @Test
  @DisplayName("one Idempotency-Key header is read, two are rejected")
  void idempotencyHeaderCount() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    assertThat(RequestFields.idempotencyHeader(headers)).isNull();

    headers.add("idempotency-key", "key-a");
    assertThat(RequestFields.idempotencyHeader(headers)).isEqualTo("key-a");

    headers.add("Idempotency-Key", "key-b");
    assertThatThrownBy(() -> RequestFields.idempotencyHeader(headers))
        .isInstanceOf(ApiError.class)
        .hasMessageContaining("2 Idempotency-Key headers");
  }

  @Test
  @DisplayName("an idempotency key comes from the header or the field")
  void idempotencyKeySources() {
    assertThat(RequestFields.idempotencyKey("key-1", new JsonObject())).isEqualTo("key-1");
    assertThat(RequestFields.idempotencyKey(null, new JsonObject().put("idempotency_key", "key-2"))).isEqualTo("key-2");
    assertThat(RequestFields.idempotencyKey("key-3", new JsonObject().put("idempotency_key", "key-3"))).isEqualTo("key-3");
    assertThat(RequestFields.idempotencyKey(null, new JsonObject())).isNull();
  }

  @Test
  @DisplayName("an invalid idempotency key gets 400")
  void invalidIdempotencyKeys() {
    String[] invalid = {"", "a b", "k".repeat(RequestFields.MAX_IDEMPOTENCY_KEY_LENGTH + 1), "cl\u00e9", "tab\tkey"};
    for (String key : invalid) {
      assertThatThrownBy(() -> RequestFields.idempotencyKey(key)).as("key '%s'", key)
          .isInstanceOfSatisfying(ApiError.class, error -> assertThat(error.status()).isEqualTo(400));
    }
    assertThatThrownBy(() -> RequestFields.idempotencyKey("a", new JsonObject().put("idempotency_key", "b")))
        .hasMessageContaining("differ");
    assertThatThrownBy(() -> RequestFields.idempotencyKey(null, new JsonObject().put("idempotency_key", 7)))
        .hasMessageContaining("must be a string");
    assertThat(RequestFields.idempotencyKey("k".repeat(RequestFields.MAX_IDEMPOTENCY_KEY_LENGTH))).hasSize(128);
  }

  @Test
  @DisplayName("a wrong amount is echoed with its type")
  void wrongAmountEchoed() {
    assertThatThrownBy(() -> RequestFields.positiveLong(new JsonObject().put("amount", "1"), "amount", 1))
        .isInstanceOfSatisfying(ApiError.class, error -> assertThat(error.detail())
            .isEqualTo("amount must be a positive integer, was a string \"1\""));
    assertThatThrownBy(() -> RequestFields.positiveLong(new JsonObject().put("amount", 1.5), "amount", 1))
        .isInstanceOfSatisfying(ApiError.class, error -> assertThat(error.detail())
            .isEqualTo("amount must be a positive integer, was a number 1.5"));
  }
}
