package lab.counter.region;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lab.counter.common.crdt.GCounter;

/**
 * Measures how many increments per second the durable store acknowledges in each mode, with
 * {@code concurrency} increments waiting at any time, as a loaded region node sees them. In
 * {@code SYNC} every acknowledgement waits for a forced group commit; {@code BATCHED} and
 * {@code NONE} acknowledge at once, so their figures show the cost of queueing alone.
 *
 * <p>The last line, {@code APPEND}, is the floor for forced writes on the same disk: the same
 * records and the same group commit, appended to a plain file with {@link FileChannel#force}
 * instead of stored in an MVStore. Not a test: run it by hand, as docs/durability.md shows.
 */
public final class DurableStoreThroughput {

  /** Distinct counter names the increments cycle through. */
  private static final int COUNTER_NAMES = 1000;

  /** A write path under measurement: it makes one increment durable in its own way. */
  private interface Writer extends AutoCloseable {
    /** Queues increment {@code index} and returns a future that completes on the event loop once it may be acknowledged. */
    Future<Void> write(int index);

    @Override
    void close();
  }

  private DurableStoreThroughput() {}

  /** Measures every mode, then the append log. The arguments are the increments per run (20,000) and the increments waiting at a time (64). */
  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Vertx vertx = Vertx.vertx();
    try {
      for (DurableStore.Mode mode : DurableStore.Mode.values()) {
        Path folder = Files.createTempDirectory("durable-store-throughput");
        Context context = vertx.getOrCreateContext();
        DurableStore store = DurableStore.open(mode, context, folder, "us-east-1");
        Writer writer = new Writer() {
          @Override
          public Future<Void> write(int index) {
            return store.persist(counterName(index), counterState(index), null, null);
          }

          @Override
          public void close() {
            store.close();
          }
        };
        report(mode.name(), measure(context, writer, total, concurrency), total, concurrency);
        deleteFolder(folder);
      }
      Context context = vertx.getOrCreateContext();
      Path folder = Files.createTempDirectory("durable-store-throughput");
      ForcedAppendLog log = new ForcedAppendLog(context, folder.resolve("append.log"));
      report("APPEND", measure(context, log, total, concurrency), total, concurrency);
      deleteFolder(folder);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void report(String name, double perSecond, int total, int concurrency) {
    System.out.printf("%-8s %,10.0f increments/s (%d increments, %d waiting at a time)%n", name, perSecond, total, concurrency);
  }

  /** Deletes a folder that contains only files, as each measurement leaves it. */
  private static void deleteFolder(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(folder);
  }

  private static String counterName(int index) {
    return "counter-" + (index % COUNTER_NAMES);
  }

  private static GCounter counterState(int index) {
    return GCounter.empty().increment("us-east-1", index + 1);
  }

  /** Returns increments per second: {@code total} writes, {@code concurrency} outstanding at any time, started on {@code context}. */
  private static double measure(Context context, Writer writer, int total, int concurrency) throws Exception {
    CompletableFuture<Long> done = new CompletableFuture<>();
    long startedAt = System.nanoTime();
    context.runOnContext(ignored -> {
      int[] started = {0};
      int[] finished = {0};
      Runnable launch = new Runnable() {
        @Override
        public void run() {
          int index = started[0]++;
          writer.write(index).onComplete(result -> {
            if (result.failed()) {
              done.completeExceptionally(result.cause());
              return;
            }
            finished[0]++;
            if (started[0] < total) {
              // BATCHED and NONE complete at once, so a direct call would recurse once per increment.
              context.runOnContext(next -> run());
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
    writer.close();
    return total / (nanos / 1e9);
  }

  /**
   * An append-only file of counter records with the group commit of {@link DurableStore}. Records
   * queue on the event loop, and one writer thread appends each batch and forces it to disk before
   * their futures complete. It keeps no index and never compacts, so it only bounds what any store
   * with forced commits can reach.
   */
  private static final class ForcedAppendLog implements Writer {

    private final Context context;
    private final FileChannel channel;
    private final ExecutorService writer = Executors.newSingleThreadExecutor();

    private List<byte[]> pendingRecords = new ArrayList<>();
    private List<Promise<Void>> waiters = new ArrayList<>();
    private boolean flushing;

    ForcedAppendLog(Context context, Path file) throws IOException {
      this.context = context;
      this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    @Override
    public Future<Void> write(int index) {
      byte[] name = counterName(index).getBytes(StandardCharsets.UTF_8);
      byte[] state = DurableStore.encode(counterState(index));
      ByteBuffer record = ByteBuffer.allocate(2 * Integer.BYTES + name.length + state.length);
      record.putInt(name.length).put(name).putInt(state.length).put(state);
      pendingRecords.add(record.array());
      Promise<Void> promise = Promise.promise();
      waiters.add(promise);
      flush();
      return promise.future();
    }

    private void flush() {
      if (flushing || pendingRecords.isEmpty()) {
        return;
      }
      flushing = true;
      List<byte[]> batch = pendingRecords;
      List<Promise<Void>> batchWaiters = waiters;
      pendingRecords = new ArrayList<>();
      waiters = new ArrayList<>();

      writer.execute(() -> {
        UncheckedIOException failure = null;
        try {
          append(batch);
        } catch (UncheckedIOException e) {
          failure = e;
        }
        UncheckedIOException outcome = failure;
        context.runOnContext(ignored -> {
          flushing = false;
          batchWaiters.forEach(waiter -> waiter.handle(outcome == null ? Future.succeededFuture() : Future.failedFuture(outcome)));
          flush();
        });
      });
    }

    private void append(List<byte[]> batch) {
      int size = batch.stream().mapToInt(record -> record.length).sum();
      ByteBuffer buffer = ByteBuffer.allocate(size);
      batch.forEach(buffer::put);
      buffer.flip();
      try {
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(false);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      writer.shutdown();
      try {
        writer.awaitTermination(5, TimeUnit.SECONDS);
        channel.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
