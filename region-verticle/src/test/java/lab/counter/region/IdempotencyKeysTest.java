package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import lab.counter.common.http.ApiError;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link IdempotencyKeys} on its own: retries of a key whose first increment is still in flight. */
@DisplayName("IdempotencyKeys")
class IdempotencyKeysTest {

  private static final long WINDOW_MS = 60_000;
  private static final long NOW_MS = 1_000_000;

  private final IdempotencyKeys keys = new IdempotencyKeys(WINDOW_MS, 100);

  @Test
  @DisplayName("in-flight retry gets the first result as a replay")
  void inFlightRetryReplays() {
    Promise<JsonObject> first = Promise.promise();
    keys.track("k", "views", 2, first.future(), NOW_MS);

    Future<JsonObject> retry = keys.earlierOutcome("k", "views", 2);
    assertThat(retry).isNotNull();
    assertThat(retry.isComplete()).as("waits for the first").isFalse();

    first.complete(new JsonObject().put("total_count", 2));
    assertThat(retry.result().getLong("total_count")).isEqualTo(2);
    assertThat(retry.result().getBoolean("idempotent_replay")).isTrue();
    assertThat(first.future().result().containsKey("idempotent_replay")).as("first reply unchanged").isFalse();
  }

  @Test
  @DisplayName("in-flight key with another amount gets 409")
  void inFlightOtherAmountConflicts() {
    keys.track("k", "views", 2, Promise.<JsonObject>promise().future(), NOW_MS);

    assertThatThrownBy(() -> keys.earlierOutcome("k", "views", 3))
        .isInstanceOf(ApiError.class)
        .satisfies(error -> assertThat(((ApiError) error).status()).isEqualTo(409));
    assertThatThrownBy(() -> keys.earlierOutcome("k", "likes", 2))
        .isInstanceOf(ApiError.class)
        .satisfies(error -> assertThat(((ApiError) error).status()).isEqualTo(409));
  }

  @Test
  @DisplayName("failed first increment leaves the key new")
  void failedFirstLeavesKeyNew() {
    Promise<JsonObject> first = Promise.promise();
    keys.track("k", "views", 2, first.future(), NOW_MS);

    first.fail(new ApiError(500, "not durable", "disk full"));

    assertThat(keys.earlierOutcome("k", "views", 2)).isNull();
  }

  @Test
  @DisplayName("answered key replays and rejects another amount")
  void answeredKeyReplays() {
    Promise<JsonObject> first = Promise.promise();
    keys.track("k", "views", 2, first.future(), NOW_MS);
    first.complete(new JsonObject().put("total_count", 2));

    assertThat(keys.earlierOutcome("k", "views", 2).result().getBoolean("idempotent_replay")).isTrue();
    assertThatThrownBy(() -> keys.earlierOutcome("k", "views", 5)).isInstanceOf(ApiError.class);
  }
}
