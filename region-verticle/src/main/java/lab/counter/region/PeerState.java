package lab.counter.region;

import io.vertx.core.json.JsonObject;

/**
 * What one node knows of its anti-entropy exchanges with one peer node. Mutated only on the region
 * verticle's event loop.
 */
final class PeerState {

  final String nodeId;
  final String region;
  /** When this node started tracking the peer; the lag counts from here until the first success. */
  final long trackedSinceMillis;

  /** The peer's incarnation as its last reply stated; a change means it restarted and lost state. */
  String incarnation;
  /** Local version the peer has acknowledged: the next delta carries what changed after it. */
  long acknowledgedVersion;
  /** Peer version this node has received: the next reply from the peer carries what changed after it. */
  long receivedVersion;
  /** Written on the event loop, read by metric scrapes on other threads. */
  volatile long lastSuccessMillis = -1;
  String lastStatus = "never";

  PeerState(String nodeId, String region, long nowMillis) {
    this.nodeId = nodeId;
    this.region = region;
    this.trackedSinceMillis = nowMillis;
  }

  /** Returns the milliseconds since the last successful exchange, or since tracking began if none. */
  long lagMillis(long nowMillis) {
    return nowMillis - (lastSuccessMillis >= 0 ? lastSuccessMillis : trackedSinceMillis);
  }

  JsonObject toJson(long nowMillis) {
    return new JsonObject()
        .put("region", region)
        .put("last_status", lastStatus)
        .put("sync_lag_ms", lagMillis(nowMillis))
        .put("acknowledged_version", acknowledgedVersion)
        .put("received_version", receivedVersion);
  }
}
