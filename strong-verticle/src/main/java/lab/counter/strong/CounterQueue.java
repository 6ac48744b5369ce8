package lab.counter.strong;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Per-counter FIFO of operations: each operation on a counter starts only after the previous one on
 * the same counter has completed, successfully or not, so the strong counter's reads and writes
 * take effect in arrival order. A counter's entry is removed once its last operation completes.
 * Use it from one event loop only.
 */
final class CounterQueue {

  /** The last operation submitted for each counter that has one running or waiting. */
  private final Map<String, Future<?>> tails = new HashMap<>();

  /** Runs {@code task} after every operation already submitted for {@code counter} has completed. */
  <T> Future<T> submit(String counter, Supplier<Future<T>> task) {
    Future<?> previous = tails.get(counter);
    Future<T> result = previous == null ? start(task) : previous.transform(done -> start(task));
    tails.put(counter, result);
    result.onComplete(done -> tails.remove(counter, result));
    return result;
  }

  /** Returns the number of counters with an operation running or waiting. */
  int activeCounters() {
    return tails.size();
  }

  private static <T> Future<T> start(Supplier<Future<T>> task) {
    try {
      return task.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
