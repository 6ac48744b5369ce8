package lab.counter.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ApiErrorTest {

  @Test
  @DisplayName("timeout names the destination, not the reply address")
  void timeoutNamesDestination() {
    ReplyException timeout = new ReplyException(ReplyFailure.TIMEOUT,
        "Timed out after waiting 1500(ms) for a reply. address: __vertx.reply.42, repliedAddress: counter.region.us-east.api");

    ApiError error = ApiError.from(timeout);

    assertThat(error.status()).isEqualTo(503);
    assertThat(error.error()).isEqualTo("timeout");
    assertThat(error.detail()).isEqualTo("no reply from counter.region.us-east.api within 1500 ms; the request may or may not have been applied");
  }

  @Test
  @DisplayName("unknown timeout message is kept whole")
  void unknownTimeoutMessageKept() {
    ApiError error = ApiError.from(new ReplyException(ReplyFailure.TIMEOUT, "gave up"));

    assertThat(error.status()).isEqualTo(503);
    assertThat(error.detail()).isEqualTo("no reply within the timeout: gave up");
  }
}
