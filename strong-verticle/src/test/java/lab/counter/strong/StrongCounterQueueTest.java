package lab.counter.strong;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class StrongCounterQueueTest {

  @Test
  void tasksOfOneCounterRunInOrder(Vertx vertx, VertxTestContext testContext) {
    Context context = vertx.getOrCreateContext();
    context.runOnContext(ignored -> {
      CounterQueue queue = new CounterQueue();
      List<String> events = new ArrayList<>();
      Future<String> slow = queue.submit("a", () -> delayed(vertx, events, "a1", 150));
      Future<String> fast = queue.submit("a", () -> delayed(vertx, events, "a2", 10));
      Future<String> other = queue.submit("b", () -> delayed(vertx, events, "b1", 50));
      Future.all(slow, fast, other).onComplete(testContext.succeeding(done -> testContext.verify(() -> {
        // b1 does not wait for counter a, and a2 starts only after a1 has ended.
        assertThat(events).containsExactly("start a1", "start b1", "end b1", "end a1", "start a2", "end a2");
        assertThat(queue.activeCounters()).isZero();
        testContext.completeNow();
      })));
      testContext.verify(() -> assertThat(queue.activeCounters()).isEqualTo(2));
    });
  }

  @Test
  void failedTaskDoesNotBlockTheNext(Vertx vertx, VertxTestContext testContext) {
    vertx.getOrCreateContext().runOnContext(ignored -> {
      CounterQueue queue = new CounterQueue();
      Future<String> failed = queue.submit("a", () -> Future.failedFuture(new IllegalStateException("first fails")));
      Future<String> thrown = queue.submit("a", () -> {
        throw new IllegalStateException("second throws");
      });
      Future<String> next = queue.submit("a", () -> Future.succeededFuture("third runs"));
      next.onComplete(testContext.succeeding(result -> testContext.verify(() -> {
        assertThat(failed.failed()).isTrue();
        assertThat(thrown.cause()).hasMessage("second throws");
        assertThat(result).isEqualTo("third runs");
        assertThat(queue.activeCounters()).isZero();
        testContext.completeNow();
      })));
    });
  }

  private static Future<String> delayed(Vertx vertx, List<String> events, String name, long millis) {
    events.add("start " + name);
    Promise<String> promise = Promise.promise();
    vertx.setTimer(millis, id -> {
      events.add("end " + name);
      promise.complete(name);
    });
    return promise.future();
  }
}
