package lab.counter.region;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import lab.counter.common.crdt.GCounter;

/**
 * Measures how many increments per second the durable store acknowledges in each mode, with
 * {@code concurrency} increments waiting at any time, as a loaded region node sees them. In
 * {@code SYNC} every acknowledgement waits for a forced group commit; {@code BATCHED} and
 * {@code NONE} acknowledge at once, so their figures show the cost of queueing alone. Not a test:
 * run it by hand, as docs/durability.md shows.
 */
public final class DurableStoreThroughput {

  private DurableStoreThroughput() {}

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Vertx vertx = Vertx.vertx();
    try {
      for (DurableStore.Mode mode : DurableStore.Mode.values()) {
        Path folder = Files.createTempDirectory("durable-store-throughput");
        double perSecond = measure(vertx, mode, folder, total, concurrency);
        System.out.printf("%-8s %,10.0f increments/s (%d increments, %d waiting at a time)%n", mode, perSecond, total, concurrency);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static double measure(Vertx vertx, DurableStore.Mode mode, Path folder, int total, int concurrency) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = DurableStore.open(mode, context, folder, "us-east-1");
    CompletableFuture<Long> done = new CompletableFuture<>();
    long startedAt = System.nanoTime();
    context.runOnContext(ignored -> {
      int[] started = {0};
      int[] finished = {0};
      Runnable launch = new Runnable() {
        @Override
        public void run() {
          int index = started[0]++;
          Future<Void> write = store.persist("counter-" + (index % 1000), GCounter.empty().increment("us-east-1", index + 1), null, null);
          write.onComplete(result -> {
            finished[0]++;
            if (started[0] < total) {
              run();
            } else if (finished[0] == total) {
              done.complete(System.nanoTime() - startedAt);
            }
          });
        }
      };
      for (int i = 0; i < Math.min(concurrency, total); i++) {
        launch.run();
      }
    });
    long nanos = done.get(5, TimeUnit.MINUTES);
    store.close();
    return total / (nanos / 1e9);
  }
}
