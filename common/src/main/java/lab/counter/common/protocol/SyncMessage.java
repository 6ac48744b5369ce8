package lab.counter.common.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import lab.counter.common.crdt.GCounter;

/**
 * A message of the anti-entropy exchange on {@link Addresses#nodeSync}: the request a node sends a
 * peer, the peer's reply, or what {@link SyncMessageCodec} decoded from bytes it had to reject.
 *
 * <p>Requests and replies are immutable, so the event bus hands the same instance to a consumer in
 * the same process. Their counters are G-Counter states by counter name, which the receiver merges.
 */
public sealed interface SyncMessage {

  /**
   * A node's push in an exchange: the counters it changed since the version the peer last
   * acknowledged, and the version of the peer it last received, so the peer replies with what it
   * changed after that.
   *
   * @param nodeId the sender's node id
   * @param region the sender's region
   * @param incarnation the sender's incarnation, new on every start
   * @param peerIncarnation the receiver's incarnation as the sender last saw it, null before its first reply
   * @param since the receiver's version the sender last received; the reply carries later changes
   * @param full whether the counters are the sender's full state rather than a delta
   * @param counters counter states by name; wrapped unmodifiable, not copied, so the caller must
   *     not change the map afterwards
   */
  record Request(String nodeId, String region, String incarnation, String peerIncarnation, long since, boolean full,
      Map<String, GCounter> counters) implements SyncMessage {

    public Request {
      counters = Collections.unmodifiableMap(Objects.requireNonNull(counters, "counters"));
    }
  }

  /**
   * A peer's reply to a {@link Request}: the counters it changed since the requested version, cut
   * at the batch limit when {@code complete} is false, and how many of the pushed counters it merged.
   *
   * @param nodeId the replying node's id
   * @param incarnation the replying node's incarnation, which changes when the node restarts
   * @param version the replying node's version the counters reach; the next request starts from here
   * @param complete false when the counters were cut at the batch limit
   * @param counters counter states by name; wrapped unmodifiable, not copied
   * @param updated how many pushed counters changed the replying node's state
   * @param conflictsResolved how many of those were concurrent with its local state
   */
  record Reply(String nodeId, String incarnation, long version, boolean complete, Map<String, GCounter> counters,
      int updated, int conflictsResolved) implements SyncMessage {

    public Reply {
      counters = Collections.unmodifiableMap(Objects.requireNonNull(counters, "counters"));
    }
  }

  /**
   * Bytes that were not a valid sync message. {@link SyncMessageCodec} returns this instead of
   * throwing, and the receiver rejects it; it is never sent.
   *
   * @param reason what was invalid, and where
   */
  record Malformed(String reason) implements SyncMessage {}
}
