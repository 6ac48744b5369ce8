package lab.counter.common.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.RequestFields;

/**
 * The event-bus codec of {@link SyncMessage}: a compact binary form for the clustered event bus,
 * and the same instance, not a copy, for a consumer in the same process.
 *
 * <p>The body on the wire is a 4-byte big-endian length, then:
 *
 * <pre>
 * byte     format version ({@value #FORMAT_VERSION})
 * byte     kind: 1 request, 2 reply
 * request: string node_id, string region, string incarnation, string peer_incarnation (may be absent),
 *          varint since, bool full, counters
 * reply:   string node_id, string incarnation, varint version, bool complete,
 *          varint updated, varint conflicts_resolved, counters
 * counters: varint n, then n node ids (strings, in ascending order, each once);
 *          varint m, then m counters: string name, varint slots, then per slot:
 *          varint index into the node ids (ascending within a counter), varint count
 * </pre>
 *
 * <p>A varint is unsigned LEB128 (7 bits a byte, low bits first) of at most 9 bytes, so no value is
 * negative or above {@link Long#MAX_VALUE}. A string is a varint of its UTF-8 length plus one, then
 * the bytes, and 0 stands for an absent string. A bool is the byte 0 or 1. Each node id is written
 * once, so a counter costs its name and a few bytes per slot.
 *
 * <p>Sync messages come from any member of the cluster, so decoding validates everything: bounds,
 * lengths, the limits below, UTF-8, counter names as the HTTP API does, and that nothing follows
 * the last counter. {@link #decodeFromWire} never throws. It returns a {@link SyncMessage.Malformed}
 * with the reason instead, because the clustered event bus of Vert.x 5.0 decodes a body lazily, on
 * the first call to {@code Message.body()}, and an exception there would escape the consumer's
 * handler.
 */
public final class SyncMessageCodec extends ImmutableMessageCodec<SyncMessage> {

  /** The codec's name, which every sync request and reply sets in its {@code DeliveryOptions}. */
  public static final String NAME = "counter-sync";
  /** The format this node writes and the only one it reads. */
  public static final int FORMAT_VERSION = 1;
  /**
   * Maximum number of distinct node ids in one message: four times {@link #MAX_SLOTS_PER_COUNTER},
   * so any valid counter fits. Senders cut their batches before the node ids of a batch exceed it.
   */
  public static final int MAX_NODE_IDS = 4096;
  /** Maximum number of slots of one counter. */
  public static final int MAX_SLOTS_PER_COUNTER = 1024;
  /** Maximum length of a node id, region or incarnation, in UTF-8 bytes. */
  public static final int MAX_ID_BYTES = 128;

  static final int KIND_REQUEST = 1;
  static final int KIND_REPLY = 2;

  /** Minimum size of a node id: its length and one byte. */
  private static final int MIN_NODE_ID_BYTES = 2;
  /** Minimum size of a counter: a name of one byte with its length, and a slot count. */
  private static final int MIN_COUNTER_BYTES = 3;
  /** Maximum map capacity allocated up front, whatever count a message claims. */
  private static final int MAX_PRESIZED_COUNTERS = 1 << 16;

  public SyncMessageCodec() {
    super(NAME);
  }

  /**
   * Registers the codec on {@code eventBus} unless it already is: several counter nodes may share
   * one Vert.x instance, as in tests.
   */
  public static void register(EventBus eventBus) {
    registerOnce(eventBus, new SyncMessageCodec());
  }


  /**
   * Appends the length-prefixed binary form of {@code message}.
   *
   * @throws IllegalArgumentException for a {@link SyncMessage.Malformed}, which is never sent
   */
  @Override
  public void encodeToWire(Buffer buffer, SyncMessage message) {
    if (message instanceof SyncMessage.Malformed malformed) {
      throw new IllegalArgumentException("a malformed sync message is never sent: " + malformed.reason());
    }
    WireWriter out = new WireWriter(64 + 32 * counters(message).size());
    out.writeByte(FORMAT_VERSION);
    if (message instanceof SyncMessage.Request request) {
      out.writeByte(KIND_REQUEST);
      out.writeString(request.nodeId());
      out.writeString(request.region());
      out.writeString(request.incarnation());
      out.writeString(request.peerIncarnation());
      out.writeVarLong(request.since());
      out.writeBoolean(request.full());
    } else if (message instanceof SyncMessage.Reply reply) {
      out.writeByte(KIND_REPLY);
      out.writeString(reply.nodeId());
      out.writeString(reply.incarnation());
      out.writeVarLong(reply.version());
      out.writeBoolean(reply.complete());
      out.writeVarLong(reply.updated());
      out.writeVarLong(reply.conflictsResolved());
    }
    writeCounters(out, counters(message));
    buffer.appendInt(out.length()).appendBytes(out.bytes(), 0, out.length());
  }

  /** Decodes the body at {@code pos}; returns a {@link SyncMessage.Malformed} for invalid bytes instead of throwing. */
  @Override
  public SyncMessage decodeFromWire(int pos, Buffer buffer) {
    try {
      return decode(WireReader.lengthPrefixedBody(pos, buffer));
    } catch (WireFormatException e) {
      return new SyncMessage.Malformed(e.getMessage());
    }
  }

  /**
   * Decodes one message without its length prefix.
   *
   * @throws WireFormatException if the bytes are not a valid message of the current format
   */
  static SyncMessage decode(byte[] body) {
    WireReader in = new WireReader(body);
    in.readVersion(FORMAT_VERSION);
    int kind = in.readByte("the message kind");
    SyncMessage message = switch (kind) {
      case KIND_REQUEST -> readRequest(in);
      case KIND_REPLY -> readReply(in);
      default -> throw new WireFormatException("unknown message kind " + kind + "; expected 1 (request) or 2 (reply)");
    };
    if (in.remaining() > 0) {
      throw new WireFormatException("unexpected bytes after the last counter: " + in.remaining() + " from byte " + in.position());
    }
    return message;
  }

  private static SyncMessage.Request readRequest(WireReader in) {
    String nodeId = readId(in, "node_id", true);
    String region = readId(in, "region", true);
    String incarnation = readId(in, "incarnation", true);
    String peerIncarnation = readId(in, "peer_incarnation", false);
    long since = in.readVarLong("since");
    boolean full = in.readBoolean("full");
    return new SyncMessage.Request(nodeId, region, incarnation, peerIncarnation, since, full, readCounters(in));
  }

  private static SyncMessage.Reply readReply(WireReader in) {
    String nodeId = readId(in, "node_id", true);
    String incarnation = readId(in, "incarnation", true);
    long version = in.readVarLong("version");
    boolean complete = in.readBoolean("complete");
    int updated = in.readCount("updated", Integer.MAX_VALUE);
    int conflictsResolved = in.readCount("conflicts_resolved", Integer.MAX_VALUE);
    return new SyncMessage.Reply(nodeId, incarnation, version, complete, readCounters(in), updated, conflictsResolved);
  }

  /** Reads a node id, region or incarnation: 1 to {@value #MAX_ID_BYTES} UTF-8 bytes, not blank, no control characters. */
  private static String readId(WireReader in, String field, boolean required) {
    String id = in.readString(field, MAX_ID_BYTES);
    if (id == null) {
      if (required) {
        throw new WireFormatException(field + " is missing");
      }
      return null;
    }
    if (id.isBlank()) {
      throw new WireFormatException(field + " is blank");
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i))) {
        throw new WireFormatException(field + " contains the control character U+" + String.format("%04X", (int) id.charAt(i)));
      }
    }
    return id;
  }

  private static Map<String, GCounter> readCounters(WireReader in) {
    String[] nodeIds = readNodeIds(in);
    int count = in.readCount("the counter count", Integer.MAX_VALUE);
    if (count > in.remaining() / MIN_COUNTER_BYTES) {
      throw new WireFormatException(count + " counters cannot fit in the " + in.remaining() + " bytes left");
    }
    Map<String, GCounter> counters = new LinkedHashMap<>(capacityFor(Math.min(count, MAX_PRESIZED_COUNTERS)));
    for (int i = 0; i < count; i++) {
      String name = readCounterName(in, i);
      GCounter counter;
      try {
        counter = readSlots(in, nodeIds);
      } catch (WireFormatException e) {
        // Field names are constants, so a valid message builds no strings. The counter's name is added here, on failure.
        throw new WireFormatException("counter '" + name + "': " + e.getMessage());
      }
      if (counters.put(name, counter) != null) {
        throw new WireFormatException("counter '" + name + "' appears twice");
      }
    }
    return counters;
  }

  private static String[] readNodeIds(WireReader in) {
    int count = in.readCount("the node id count", MAX_NODE_IDS);
    if (count > in.remaining() / MIN_NODE_ID_BYTES) {
      throw new WireFormatException(count + " node ids cannot fit in the " + in.remaining() + " bytes left");
    }
    String[] nodeIds = new String[count];
    for (int i = 0; i < count; i++) {
      nodeIds[i] = readId(in, "node id " + i, true);
      // Ascending order rules out a repeated id, and lets each counter's slots come out sorted as GCounter keeps them.
      if (i > 0 && nodeIds[i - 1].compareTo(nodeIds[i]) >= 0) {
        throw new WireFormatException(
            "node id " + i + " is not after node id " + (i - 1) + "; node ids must be ascending and distinct");
      }
    }
    return nodeIds;
  }

  private static String readCounterName(WireReader in, int index) {
    try {
      String name = in.readString("the name", RequestFields.MAX_NAME_LENGTH);
      if (name == null) {
        throw new WireFormatException("the name is missing");
      }
      return RequestFields.counterName(name);
    } catch (ApiError invalid) {
      throw new WireFormatException("counter " + index + ": the name is invalid: " + invalid.detail());
    } catch (WireFormatException e) {
      throw new WireFormatException("counter " + index + ": " + e.getMessage());
    }
  }

  private static GCounter readSlots(WireReader in, String[] nodeIds) {
    int slots = in.readCount("the slot count", MAX_SLOTS_PER_COUNTER);
    String[] nodes = new String[slots];
    long[] counts = new long[slots];
    long previous = -1;
    for (int i = 0; i < slots; i++) {
      long index = in.readVarLong("a node index");
      if (index >= nodeIds.length) {
        throw new WireFormatException("slot " + i + " refers to node id " + index + " of " + nodeIds.length);
      }
      if (index <= previous) {
        throw new WireFormatException("slot " + i + " is not in ascending node order");
      }
      nodes[i] = nodeIds[(int) index];
      counts[i] = in.readVarLong("a count");
      previous = index;
    }
    try {
      return GCounter.of(nodes, counts);
    } catch (IllegalArgumentException e) {
      // The checks above leave nothing for GCounter to reject; this keeps a gap in them inside the codec.
      throw new WireFormatException(e.getMessage());
    }
  }

  private static void writeCounters(WireWriter out, Map<String, GCounter> counters) {
    String[] nodeIds = distinctNodeIds(counters);
    Map<String, Integer> indexOf = new HashMap<>(capacityFor(nodeIds.length));
    out.writeVarLong(nodeIds.length);
    for (int i = 0; i < nodeIds.length; i++) {
      indexOf.put(nodeIds[i], i);
      out.writeString(nodeIds[i]);
    }

    out.writeVarLong(counters.size());
    // GCounter keeps its slots sorted by node id, and so is the table, so the indices come out ascending.
    counters.forEach((name, counter) -> {
      out.writeString(name);
      out.writeVarLong(counter.size());
      for (int i = 0; i < counter.size(); i++) {
        out.writeVarLong(indexOf.get(counter.node(i)));
        out.writeVarLong(counter.count(i));
      }
    });
  }

  private static String[] distinctNodeIds(Map<String, GCounter> counters) {
    Map<String, Boolean> seen = new HashMap<>();
    for (GCounter counter : counters.values()) {
      for (int i = 0; i < counter.size(); i++) {
        seen.putIfAbsent(counter.node(i), Boolean.TRUE);
      }
    }
    String[] nodeIds = seen.keySet().toArray(new String[0]);
    Arrays.sort(nodeIds);
    return nodeIds;
  }

  private static Map<String, GCounter> counters(SyncMessage message) {
    if (message instanceof SyncMessage.Request request) {
      return request.counters();
    }
    return message instanceof SyncMessage.Reply reply ? reply.counters() : Map.of();
  }

  private static int capacityFor(int entries) {
    return (int) Math.min(Integer.MAX_VALUE, entries * 4L / 3 + 1);
  }
}
