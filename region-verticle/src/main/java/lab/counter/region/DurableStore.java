package lab.counter.region;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import lab.counter.common.crdt.GCounter;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region node's state on disk: every counter's vector (its own slot and the peers' last-known
 * slots), the idempotency keys it accepted, and its strong-counter replica's values and decided
 * ops, in one H2 MVStore file per node.
 *
 * <p>Writes are group-committed. Changes made on the event loop join a pending batch; one writer
 * thread stores the batch, commits it and forces it to disk. Meanwhile the
 * next batch collects everything that arrives. A caller that must not acknowledge before the data
 * is durable waits for {@link #persist}'s future. That future completes on the event loop.
 */
final class DurableStore implements AutoCloseable, StrongReplica.Journal {

  /** When an increment counts as durable. */
  enum Mode {
    /** Acknowledged after its batch is committed and forced to disk. */
    SYNC,
    /** Acknowledged at once; batches are committed and forced every {@link #BATCH_INTERVAL_MS}. */
    BATCHED,
    /** Memory only: nothing is written, and a restart recovers from peers alone. */
    NONE;

    static Mode parse(String raw) {
      try {
        return Mode.valueOf(raw.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid value for DURABILITY: '" + raw + "' (expected sync, batched or none)");
      }
    }
  }

  /** Interval of the background commit in {@link Mode#BATCHED}. */
  static final long BATCH_INTERVAL_MS = 100;
  /** Stored outcome of an aborted strong op; a committed op stores the counter's value, never negative. */
  static final long ABORTED = -1;

  private static final Logger LOG = LoggerFactory.getLogger(DurableStore.class);

  private final Mode mode;
  private final Context context;
  private final MVStore store;
  private final MVMap<String, byte[]> counters;
  private final MVMap<String, String> keys;
  private final MVMap<String, Long> strongValues;
  /** Decided strong ops: the counter value right after a commit, or {@link #ABORTED}. */
  private final MVMap<String, Long> strongDecided;
  private final boolean createdNow;
  private final ExecutorService writer;

  private Map<String, GCounter> pendingCounters = new HashMap<>();
  private Map<String, String> pendingKeys = new LinkedHashMap<>();
  private List<String> pendingKeyRemovals = new ArrayList<>();
  private Map<String, Long> pendingStrongValues = new HashMap<>();
  private Map<String, Long> pendingDecided = new LinkedHashMap<>();
  private List<String> pendingDecidedRemovals = new ArrayList<>();
  private List<Promise<Void>> waiters = new ArrayList<>();
  private boolean flushing;

  private DurableStore(Mode mode, Context context, MVStore store, boolean createdNow) {
    this.mode = mode;
    this.context = context;
    this.store = store;
    this.createdNow = createdNow;
    this.counters = store == null ? null : store.openMap("counters");
    this.keys = store == null ? null : store.openMap("idempotency");
    this.strongValues = store == null ? null : store.openMap("strong-values");
    this.strongDecided = store == null ? null : store.openMap("strong-decided");
    this.writer = store == null ? null : Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "durable-writer");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Opens (creating when missing) the store of {@code nodeId} under {@code folder}. Blocking: call
   * it off the event loop. In {@link Mode#NONE} nothing is opened.
   */
  static DurableStore open(Mode mode, Context context, Path folder, String nodeId) {
    if (mode == Mode.NONE) {
      return new DurableStore(mode, context, null, true);
    }
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data folder " + folder, e);
    }
    Path file = folder.resolve(nodeId + ".mv.db");
    boolean createdNow = !Files.exists(file);
    MVStore store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    // MVStore keeps replaced chunks for 45 s by default (getRetentionTime() returns 45000 in H2
    // 2.3.232), and at thousands of commits a second a file of one counter grew past 130 MB. Every
    // commit here is forced before the next one starts, so their space can be reused at once.
    store.setRetentionTime(0);
    LOG.info("Opened the store {} ({}, {})", file, mode, createdNow ? "new" : "existing");
    return new DurableStore(mode, context, store, createdNow);
  }

  /** Returns whether the store had no file before this start: a new node, or one whose disk was lost. */
  boolean createdNow() {
    return createdNow;
  }

  /** Returns every stored counter. Blocking: call it off the event loop, before serving. */
  Map<String, GCounter> loadCounters() {
    Map<String, GCounter> loaded = new HashMap<>();
    if (counters != null) {
      counters.forEach((name, bytes) -> loaded.put(name, decode(bytes)));
    }
    return loaded;
  }

  /** Returns every stored idempotency key with its stored result. Blocking, like {@link #loadCounters()}. */
  Map<String, JsonObject> loadKeys() {
    Map<String, JsonObject> loaded = new LinkedHashMap<>();
    if (keys != null) {
      keys.forEach((key, json) -> loaded.put(key, new JsonObject(json)));
    }
    return loaded;
  }

  /** Returns the strong replica's stored counter values. Blocking, like {@link #loadCounters()}. */
  Map<String, Long> loadStrongValues() {
    return strongValues == null ? new HashMap<>() : new HashMap<>(strongValues);
  }

  /** Returns the strong replica's stored decided ops: the value after each commit, or {@link #ABORTED}. Blocking. */
  Map<String, Long> loadStrongDecided() {
    return strongDecided == null ? new LinkedHashMap<>() : new LinkedHashMap<>(strongDecided);
  }

  /**
   * Queues a strong commit, the counter's value after it and the op id, for the next batch. The
   * future completes as {@link #persist}'s does. Must be called on the event loop.
   */
  @Override
  public Future<Void> committed(String counter, long value, String opId) {
    if (mode == Mode.NONE) {
      return Future.succeededFuture();
    }
    pendingStrongValues.put(counter, value);
    pendingDecided.put(opId, value);
    return waitForBatch();
  }

  /** Queues a strong abort for the next batch, which no caller waits for. */
  @Override
  public void aborted(String opId) {
    if (mode != Mode.NONE) {
      pendingDecided.put(opId, ABORTED);
      if (mode == Mode.SYNC) {
        flush();
      }
    }
  }

  /** Queues the removal of a decided strong op the replica no longer remembers. */
  @Override
  public void forgotten(String opId) {
    if (mode != Mode.NONE) {
      pendingDecided.remove(opId);
      pendingDecidedRemovals.add(opId);
    }
  }

  /**
   * Queues a counter's new state, and the idempotency key that produced it when not null, for the
   * next batch. In {@link Mode#SYNC} the future completes once that batch is on disk; otherwise at
   * once. Must be called on the event loop.
   */
  Future<Void> persist(String name, GCounter state, String key, JsonObject result) {
    if (mode == Mode.NONE) {
      return Future.succeededFuture();
    }
    pendingCounters.put(name, state);
    if (key != null) {
      pendingKeys.put(key, result.encode());
    }
    return waitForBatch();
  }

  /** Returns a future that completes when the pending batch is durable as the mode requires. */
  private Future<Void> waitForBatch() {
    if (mode == Mode.BATCHED) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    waiters.add(promise);
    flush();
    return promise.future();
  }

  /**
   * Writes what is pending now, in every mode, and returns a future that completes once nothing
   * queued before the call is left unwritten. A graceful stop calls it, so that a batched node
   * does not lose the last 100 ms of increments. Must be called on the event loop.
   */
  Future<Void> drain() {
    if (mode == Mode.NONE || (!flushing && nothingPending())) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    waiters.add(promise);
    flush();
    return promise.future();
  }

  /** Queues a counter state learnt from a peer; it is written with the next batch, and no caller waits for it. */
  void persistMerged(String name, GCounter state) {
    if (mode != Mode.NONE) {
      pendingCounters.put(name, state);
      if (mode == Mode.SYNC) {
        flush();
      }
    }
  }

  /** Queues the removal of expired idempotency keys. */
  void forgetKeys(List<String> expired) {
    if (mode != Mode.NONE && !expired.isEmpty()) {
      pendingKeyRemovals.addAll(expired);
    }
  }

  /** Writes the pending batch now if no write is running; called by a timer in {@link Mode#BATCHED}. */
  void flush() {
    if (flushing || nothingPending()) {
      return;
    }
    flushing = true;
    Batch batch = new Batch(pendingCounters, pendingKeys, pendingKeyRemovals, pendingStrongValues, pendingDecided,
        pendingDecidedRemovals);
    List<Promise<Void>> batchWaiters = waiters;
    pendingCounters = new HashMap<>();
    pendingKeys = new LinkedHashMap<>();
    pendingKeyRemovals = new ArrayList<>();
    pendingStrongValues = new HashMap<>();
    pendingDecided = new LinkedHashMap<>();
    pendingDecidedRemovals = new ArrayList<>();
    waiters = new ArrayList<>();

    writer.execute(() -> {
      Throwable failure = null;
      try {
        write(batch);
      } catch (RuntimeException e) {
        failure = e;
      }
      Throwable outcome = failure;
      context.runOnContext(ignored -> afterWrite(batchWaiters, outcome));
    });
  }

  private boolean nothingPending() {
    return pendingCounters.isEmpty() && pendingKeys.isEmpty() && pendingKeyRemovals.isEmpty()
        && pendingStrongValues.isEmpty() && pendingDecided.isEmpty() && pendingDecidedRemovals.isEmpty();
  }

  /** The changes one group commit writes. */
  private record Batch(Map<String, GCounter> counters, Map<String, String> keys, List<String> keyRemovals,
      Map<String, Long> strongValues, Map<String, Long> decided, List<String> decidedRemovals) {}

  private void write(Batch batch) {
    batch.counters().forEach((name, state) -> counters.put(name, encode(state)));
    batch.keys().forEach(keys::put);
    batch.keyRemovals().forEach(keys::remove);
    batch.strongValues().forEach(strongValues::put);
    batch.decidedRemovals().forEach(strongDecided::remove);
    batch.decided().forEach(strongDecided::put);
    store.commit();
    // Forced in every mode: the next commit may overwrite the chunks this one replaced (retention 0).
    store.sync();
  }

  private void afterWrite(List<Promise<Void>> batchWaiters, Throwable failure) {
    flushing = false;
    if (failure != null) {
      LOG.error("Writing a batch of {} writes to the store failed; they are not acknowledged", batchWaiters.size(), failure);
      batchWaiters.forEach(waiter -> waiter.fail(failure));
    } else {
      batchWaiters.forEach(Promise::complete);
    }
    // In SYNC mode callers wait, so the changes that arrived meanwhile are written at once, as they
    // are for a drain. Otherwise only the BATCHED timer starts a write, so the disk is not forced back to back.
    if (mode == Mode.SYNC || !waiters.isEmpty()) {
      flush();
      if (!flushing) {
        // Nothing was pending, so a drain that waited for the write just done is complete.
        List<Promise<Void>> drained = waiters;
        waiters = new ArrayList<>();
        drained.forEach(Promise::complete);
      }
    }
  }

  /** Commits what is pending and closes the file. Blocking. */
  @Override
  public void close() {
    if (store == null) {
      return;
    }
    writer.shutdown();
    try {
      writer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
  }

  static byte[] encode(GCounter counter) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + counter.size() * 24);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      Map<String, Long> slots = counter.toMap();
      out.writeInt(slots.size());
      for (Map.Entry<String, Long> slot : slots.entrySet()) {
        out.writeUTF(slot.getKey());
        out.writeLong(slot.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static GCounter decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int size = in.readInt();
      Map<String, Long> slots = new HashMap<>(size * 2);
      for (int i = 0; i < size; i++) {
        slots.put(in.readUTF(), in.readLong());
      }
      return GCounter.of(slots);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt counter record", e);
    }
  }
}
