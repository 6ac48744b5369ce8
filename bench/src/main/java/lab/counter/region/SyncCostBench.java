package lab.counter.region;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.Map;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.protocol.SyncMessage;
import lab.counter.common.protocol.SyncMessageCodec;

/**
 * Bytes and time of one anti-entropy push from node us-east-1 to node us-west-1, in one process:
 * a delta round carrying the counters changed since the last round, against a full-state round
 * carrying every counter.
 *
 * <p>A round is what {@link SyncEngine} does for one direction of an exchange: the sender reads
 * {@link CounterStore#changedSince} in batches of at most {@code SYNC_BATCH_MAX} counters and
 * encodes each batch as a sync request with {@link SyncMessageCodec}; the receiver decodes the
 * request and merges every counter. The event bus is left out: the bytes are those the codec
 * writes as the body of a clustered event-bus message (the binary message plus its 4-byte length),
 * and the times are encode and decode-and-merge.
 *
 * <p>Usage: {@code java -cp benchmarks.jar lab.counter.region.SyncCostBench COUNTERS CHANGED ROUNDS}
 * prints one {@code RESULT} line per kind of round, with the median over {@code ROUNDS} rounds.
 */
public final class SyncCostBench {

  /** The default {@code SYNC_BATCH_MAX}: most counters in one sync message. */
  static final int BATCH_MAX = 50_000;

  private static final SyncMessageCodec CODEC = new SyncMessageCodec();

  private SyncCostBench() {}

  /**
   * Cost of one round: messages, counters, bytes, and nanoseconds on each side. {@code maxMessageNanos}
   * is the slowest message's decode and merge, which a receiver runs on its event loop in one go.
   */
  record Round(int messages, int counters, long bytes, long encodeNanos, long decodeMergeNanos,
      long maxMessageNanos) {}

  public static void main(String[] args) {
    int counters = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int changed = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;

    long buildStarted = System.nanoTime();
    CounterStore sender = BenchCounters.filledStore(counters);
    CounterStore receiver = new CounterStore(CounterStoreBenchmark.PEER_WEST);
    System.out.printf("Built %,d counters with 3 slots in %.1f s%n", counters, (System.nanoTime() - buildStarted) / 1e9);

    // The first full round fills the receiver, as a peer's start-up sync does; it also warms up the JIT.
    Round first = round(sender, receiver, 0);
    print("first-full", first);

    Round[] full = new Round[rounds];
    for (int i = 0; i < rounds; i++) {
      full[i] = round(sender, receiver, 0);
    }
    Round[] delta = new Round[rounds];
    int stride = Math.max(1, counters / changed);
    for (int i = 0; i < rounds; i++) {
      long since = sender.version();
      for (int j = 0; j < changed; j++) {
        sender.increment(BenchCounters.name((j * stride + i) % counters), CounterStoreBenchmark.OWN, 1);
      }
      delta[i] = round(sender, receiver, since);
      if (delta[i].counters() != changed) {
        throw new IllegalStateException("delta round carried " + delta[i].counters() + " counters, expected " + changed);
      }
    }
    Round fullMedian = median(full);
    Round deltaMedian = median(delta);
    print("full", fullMedian);
    print("delta", deltaMedian);
    System.out.printf("RESULT kind=ratio counters=%d changed=%d bytes_ratio_percent=%.4f time_ratio_percent=%.4f%n",
        counters, changed, 100.0 * deltaMedian.bytes() / fullMedian.bytes(),
        100.0 * (deltaMedian.encodeNanos() + deltaMedian.decodeMergeNanos())
            / (fullMedian.encodeNanos() + fullMedian.decodeMergeNanos()));
  }

  /** Pushes every counter of {@code sender} changed after {@code since} to {@code receiver}, batch by batch. */
  static Round round(CounterStore sender, CounterStore receiver, long since) {
    int messages = 0;
    int carried = 0;
    long bytes = 0;
    long encodeNanos = 0;
    long decodeMergeNanos = 0;
    long maxMessageNanos = 0;
    long from = since;
    while (true) {
      long encodeStarted = System.nanoTime();
      CounterStore.Delta batch = sender.changedSince(from, BATCH_MAX, SyncMessageCodec.MAX_NODE_IDS);
      Buffer wire = Buffer.buffer();
      CODEC.encodeToWire(wire, request(from, batch.counters()));
      long decodeStarted = System.nanoTime();
      SyncMessage decoded = CODEC.decodeFromWire(0, wire);
      if (!(decoded instanceof SyncMessage.Request request)) {
        throw new IllegalStateException("the receiver rejected a batch: " + decoded);
      }
      request.counters().forEach(receiver::merge);
      long merged = System.nanoTime();

      messages++;
      carried += batch.counters().size();
      bytes += wire.length();
      encodeNanos += decodeStarted - encodeStarted;
      decodeMergeNanos += merged - decodeStarted;
      maxMessageNanos = Math.max(maxMessageNanos, merged - decodeStarted);
      from = batch.toVersion();
      if (batch.complete()) {
        return new Round(messages, carried, bytes, encodeNanos, decodeMergeNanos, maxMessageNanos);
      }
    }
  }

  /** Wraps the counters in a request with the fields {@link SyncEngine} sends with them. */
  private static SyncMessage.Request request(long since, Map<String, GCounter> counters) {
    return new SyncMessage.Request(CounterStoreBenchmark.OWN, "us-east", "0f8c2a4e-5b7d-4c1e-9a3f-6d2b8e7c1a90",
        "7a1d9c3b-2e4f-4a6b-8c0d-1e2f3a4b5c6d", since, since == 0, counters);
  }

  private static Round median(Round[] rounds) {
    Round[] byTime = rounds.clone();
    Arrays.sort(byTime, (a, b) -> Long.compare(a.encodeNanos() + a.decodeMergeNanos(), b.encodeNanos() + b.decodeMergeNanos()));
    return byTime[byTime.length / 2];
  }

  private static void print(String kind, Round round) {
    System.out.printf("RESULT kind=%s messages=%d counters=%d bytes=%d bytes_per_counter=%.1f encode_ms=%.1f decode_merge_ms=%.1f"
            + " max_message_decode_merge_ms=%.1f%n",
        kind, round.messages(), round.counters(), round.bytes(), (double) round.bytes() / Math.max(1, round.counters()),
        round.encodeNanos() / 1e6, round.decodeMergeNanos() / 1e6, round.maxMessageNanos() / 1e6);
  }
}
