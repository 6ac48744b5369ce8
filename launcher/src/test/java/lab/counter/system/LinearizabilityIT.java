package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A linearizability check of the strong counter: concurrent clients increment and read one counter
 * while a seeded schedule partitions and heals regions; the recorded history must admit a legal
 * sequential order. For a counter that only grows, that reduces to three conditions checked on the
 * history: every read lies between the increments acknowledged before it began and those invoked
 * before it ended, reads ordered in real time never go backwards, and the final value equals the
 * acknowledged increments, so no failed write was applied anywhere.
 */
@ExtendWith(SharedCluster.class)
class LinearizabilityIT {

  private static final long SEED = Long.getLong("linearizability.seed", System.nanoTime());
  private static final int CLIENTS = 4;
  private static final long RUN_MILLIS = 15_000;
  private static final List<String> REGIONS = List.of("us-east", "us-west", "eu-west");

  /** One operation as a client saw it; times are System.nanoTime(). */
  record Operation(int client, boolean write, long invokedAt, long completedAt, int status, long value) {
    boolean acknowledged() {
      return write && status == 200;
    }

    /** Whether the write may have been applied: any outcome but a 503 or 400, which promise it was not. */
    boolean maybeApplied() {
      return write && status != 503 && status != 400;
    }
  }

  private LabProcesses lab;

  @BeforeEach
  void setUp(LabProcesses lab) {
    this.lab = lab;
  }

  @Test
  @DisplayName("strong counter history under partitions is linearizable")
  void historyIsLinearizable() throws Exception {
    String counter = "linearizable_" + Long.toHexString(SEED);
    List<Operation> history = Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
    List<Future<?>> tasks = new ArrayList<>();
    try {
      for (int client = 0; client < CLIENTS; client++) {
        int id = client;
        tasks.add(pool.submit(() -> runClient(id, counter, new Random(SEED + id), deadline, history)));
      }
      tasks.add(pool.submit(() -> runPartitions(new Random(SEED), deadline)));
      for (Future<?> task : tasks) {
        task.get(RUN_MILLIS + 60_000, TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
      for (String region : REGIONS) {
        Http.post(lab.url("gateway", "/admin/partition/" + region + "?enabled=false"));
      }
    }

    List<Operation> operations = new ArrayList<>(history);
    String context = "seed " + SEED + " (rerun with -Dlinearizability.seed=" + SEED + "), " + operations.size() + " operations";
    assertThat(operations.stream().filter(Operation::acknowledged).count()).as(context + ": acknowledged writes").isPositive();
    assertThat(operations.stream().filter(op -> !op.write() && op.status() == 200).count()).as(context + ": reads").isPositive();

    checkReadBounds(operations, context);
    checkReadsNeverGoBack(operations, context);
    checkFinalValue(counter, operations, context);
  }

  private void runClient(int client, String counter, Random random, long deadline, List<Operation> history) {
    while (System.nanoTime() < deadline) {
      boolean write = random.nextInt(3) > 0;
      long invokedAt = System.nanoTime();
      int status;
      long value = -1;
      try {
        Http.Response response = write
            ? Http.post(lab.url("strong", "/increment"), new JsonObject()
                .put("counter_name", counter).put("amount", 1).put("op_id", UUID.randomUUID().toString()).encode())
            : Http.get(lab.url("strong", "/counter/" + counter));
        status = response.status();
        if (status == 200 && response.json().getValue("value") instanceof Number number) {
          value = number.longValue();
        }
      } catch (Exception e) {
        status = -1;
      }
      history.add(new Operation(client, write, invokedAt, System.nanoTime(), status, value));
    }
  }

  private void runPartitions(Random random, long deadline) {
    try {
      while (System.nanoTime() < deadline) {
        String region = REGIONS.get(random.nextInt(REGIONS.size()));
        Thread.sleep(500 + random.nextInt(1500));
        Http.post(lab.url("gateway", "/admin/partition/" + region + "?enabled=true"));
        Thread.sleep(500 + random.nextInt(1500));
        Http.post(lab.url("gateway", "/admin/partition/" + region + "?enabled=false"));
      }
    } catch (Exception e) {
      throw new IllegalStateException("partition schedule failed", e);
    }
  }

  private static void checkReadBounds(List<Operation> operations, String context) {
    for (Operation read : operations) {
      if (read.write() || read.status() != 200 || read.value() < 0) {
        continue;
      }
      long acknowledgedBefore = operations.stream()
          .filter(op -> op.acknowledged() && op.completedAt() < read.invokedAt())
          .count();
      long invokedBefore = operations.stream()
          .filter(op -> op.maybeApplied() && op.invokedAt() < read.completedAt())
          .count();
      assertThat(read.value())
          .as("%s: read %s must lie between %d acknowledged and %d invoked writes", context, read, acknowledgedBefore, invokedBefore)
          .isBetween(acknowledgedBefore, invokedBefore);
    }
  }

  private static void checkReadsNeverGoBack(List<Operation> operations, String context) {
    List<Operation> reads = operations.stream().filter(op -> !op.write() && op.status() == 200 && op.value() >= 0).toList();
    for (Operation earlier : reads) {
      for (Operation later : reads) {
        if (earlier.completedAt() < later.invokedAt()) {
          assertThat(later.value()).as("%s: read %s follows read %s in real time", context, later, earlier)
              .isGreaterThanOrEqualTo(earlier.value());
        }
      }
    }
  }

  private void checkFinalValue(String counter, List<Operation> operations, String context) throws Exception {
    long acknowledged = operations.stream().filter(Operation::acknowledged).count();
    long indeterminate = operations.stream().filter(op -> op.maybeApplied() && !op.acknowledged()).count();
    JsonObject read = awaitReplicasAgree(counter);
    assertThat(read.getJsonObject("replicas").size()).as(context + ": replicas answering the final read: " + read.encode()).isEqualTo(3);
    for (String node : read.getJsonObject("replicas").fieldNames()) {
      long value = read.getJsonObject("replicas").getLong(node);
      assertThat(value).as("%s: replica %s holds failed writes or lost acknowledged ones (%d acknowledged, %d indeterminate)",
          context, node, acknowledged, indeterminate).isBetween(acknowledged, acknowledged + indeterminate);
    }
  }

  /**
   * Reads until every replica reports the same value. A commit cut off by a partition after its
   * write was decided is retried in the background with back-off up to 5 s, so replicas may
   * differ for a few seconds after the last heal.
   */
  private JsonObject awaitReplicasAgree(String counter) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject read;
    do {
      read = Http.get(lab.url("strong", "/counter/" + counter)).json();
      JsonObject replicas = read.getJsonObject("replicas", new JsonObject());
      if (replicas.size() == 3 && replicas.getMap().values().stream().distinct().count() == 1) {
        return read;
      }
      Thread.sleep(250);
    } while (System.nanoTime() < deadline);
    return read;
  }
}
