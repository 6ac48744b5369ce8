package lab.counter.region;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lab.counter.common.crdt.GCounter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class DurableStoreTest {

  @TempDir
  Path folder;

  @Test
  @DisplayName("persisted counters and keys survive a reopen")
  void reopenRestoresState(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = open(vertx, context, DurableStore.Mode.SYNC);
    assertThat(store.createdNow()).isTrue();

    GCounter views = GCounter.of(Map.of("us-east-1", 15L, "us-west-1", 3L));
    JsonObject keyRecord = IdempotencyKeys.stored("views", 15, new JsonObject().put("total_count", 18), 1000L);
    onContext(context, () -> store.persist("views", views, "key-1", keyRecord)).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    store.close();

    DurableStore reopened = open(vertx, context, DurableStore.Mode.SYNC);
    assertThat(reopened.createdNow()).isFalse();
    assertThat(reopened.loadCounters()).containsEntry("views", views);
    assertThat(reopened.loadKeys()).containsKey("key-1");
    assertThat(reopened.loadKeys().get("key-1").getString("counter")).isEqualTo("views");
    reopened.close();
  }

  @Test
  @DisplayName("strong commits and aborts survive a reopen")
  void strongDecisionsSurviveReopen(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = open(vertx, context, DurableStore.Mode.SYNC);

    onContext(context, () -> {
      store.aborted("op-2");
      store.committed("orders", 5, "op-1");
      return store.committed("orders", 12, "op-3");
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    onContext(context, () -> {
      store.forgotten("op-1");
      return store.committed("stock", 1, "op-4");
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    store.close();

    DurableStore reopened = open(vertx, context, DurableStore.Mode.SYNC);
    assertThat(reopened.loadStrongValues()).containsOnly(Map.entry("orders", 12L), Map.entry("stock", 1L));
    assertThat(reopened.loadStrongDecided()).containsOnly(
        Map.entry("op-2", DurableStore.ABORTED), Map.entry("op-3", 12L), Map.entry("op-4", 1L));
    reopened.close();
  }

  @Test
  @DisplayName("increments waiting during a write share the next group commit")
  void concurrentPersistsAreGrouped(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = open(vertx, context, DurableStore.Mode.SYNC);

    List<Future<Void>> writes = onContextAll(context, () -> {
      List<Future<Void>> futures = new ArrayList<>();
      for (int i = 1; i <= 200; i++) {
        futures.add(store.persist("c" + (i % 10), GCounter.empty().increment("us-east-1", i), null, null));
      }
      return futures;
    });
    Future.all(writes).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    store.close();

    DurableStore reopened = open(vertx, context, DurableStore.Mode.SYNC);
    Map<String, GCounter> counters = reopened.loadCounters();
    assertThat(counters).hasSize(10);
    assertThat(counters.get("c0").get("us-east-1")).as("the last write of c0 wins").isEqualTo(200);
    reopened.close();
  }

  @Test
  @DisplayName("the file reuses replaced space across commits")
  void fileStaysSmallAcrossCommits(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = open(vertx, context, DurableStore.Mode.SYNC);

    for (int i = 1; i <= 500; i++) {
      GCounter state = GCounter.empty().increment("us-east-1", i);
      onContext(context, () -> store.persist("views", state, null, null)).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    store.close();

    assertThat(Files.size(folder.resolve("us-east-1.mv.db"))).as("file size after 500 commits").isLessThan(256 * 1024);
  }

  @Test
  @DisplayName("a drain writes a batched node's pending changes")
  void drainWritesPendingBatch(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = open(vertx, context, DurableStore.Mode.BATCHED);
    GCounter views = GCounter.of(Map.of("us-east-1", 7L));
    GCounter clicks = GCounter.of(Map.of("us-east-1", 2L));

    // The write of "views" is still running when the drain starts, and "clicks" is still pending.
    onContext(context, () -> {
      store.persist("views", views, null, null);
      store.flush();
      store.persist("clicks", clicks, null, null);
      return store.drain();
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    store.close();

    Map<String, GCounter> reopened = countersAfterReopen(vertx, context, DurableStore.Mode.BATCHED);
    assertThat(reopened).containsEntry("views", views);
    assertThat(reopened).containsEntry("clicks", clicks);
  }

  @Test
  @DisplayName("a drain waits for the write in progress")
  void drainWaitsForRunningWrite(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = open(vertx, context, DurableStore.Mode.BATCHED);
    GCounter views = GCounter.of(Map.of("us-east-1", 11L));

    onContext(context, () -> {
      store.persist("views", views, null, null);
      store.flush();
      return store.drain();
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    store.close();

    assertThat(countersAfterReopen(vertx, context, DurableStore.Mode.BATCHED)).containsEntry("views", views);
  }

  @Test
  @DisplayName("durability none writes no file")
  void noneWritesNothing(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    DurableStore store = open(vertx, context, DurableStore.Mode.NONE);

    onContext(context, () -> store.persist("views", GCounter.empty().increment("us-east-1", 1), null, null))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    store.close();

    try (var files = Files.list(folder)) {
      assertThat(files.count()).isZero();
    }
  }

  @Test
  @DisplayName("vector encoding round-trips")
  void encodingRoundTrips() {
    GCounter counter = GCounter.of(Map.of("us-east-1", Long.MAX_VALUE / 4, "eu-west-1", 0L, "us-west-2", 42L));

    assertThat(DurableStore.decode(DurableStore.encode(counter))).isEqualTo(counter);
    assertThat(DurableStore.decode(DurableStore.encode(counter)).toMap()).isEqualTo(counter.toMap());
  }

  private DurableStore open(Vertx vertx, Context context, DurableStore.Mode mode) {
    return DurableStore.open(mode, context, folder, "us-east-1");
  }

  /** Reopens the store file, reads its counters and closes it again. */
  private Map<String, GCounter> countersAfterReopen(Vertx vertx, Context context, DurableStore.Mode mode) {
    DurableStore reopened = open(vertx, context, mode);
    try {
      return reopened.loadCounters();
    } finally {
      reopened.close();
    }
  }

  private static <T> Future<T> onContext(Context context, java.util.function.Supplier<Future<T>> action) throws Exception {
    java.util.concurrent.CompletableFuture<Future<T>> started = new java.util.concurrent.CompletableFuture<>();
    context.runOnContext(ignored -> started.complete(action.get()));
    return started.get(10, TimeUnit.SECONDS);
  }

  private static <T> T onContextAll(Context context, java.util.function.Supplier<T> action) throws Exception {
    java.util.concurrent.CompletableFuture<T> started = new java.util.concurrent.CompletableFuture<>();
    context.runOnContext(ignored -> started.complete(action.get()));
    return started.get(10, TimeUnit.SECONDS);
  }
}
