package lab.counter.strong;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import lab.counter.common.cluster.NodeDirectory;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background retries of commits that a replica had not acknowledged by a write's deadline. The
 * write was already decided, so its commit is sent again with exponential backoff until the replica
 * acknowledges it, rejects it, leaves or restarts, or {@link #GIVE_UP_AFTER_MS} passes.
 * Use it from one event loop only.
 */
final class CommitRetrier {

  /** Milliseconds after which a commit is no longer retried. */
  static final long GIVE_UP_AFTER_MS = 10 * 60 * 1000;

  private static final Logger LOG = LoggerFactory.getLogger(CommitRetrier.class);
  private static final long FIRST_DELAY_MS = 250;
  private static final long MAX_DELAY_MS = 5000;

  private final Vertx vertx;
  private final ReplicaClient client;
  private final NodeDirectory directory;
  private final long requestTimeoutMillis;
  private int pending;

  CommitRetrier(Vertx vertx, ReplicaClient client, NodeDirectory directory, long requestTimeoutMillis) {
    this.vertx = vertx;
    this.client = client;
    this.directory = directory;
    this.requestTimeoutMillis = requestTimeoutMillis;
  }

  /** Starts retrying the commit {@code body} of op {@code opId} to {@code target}. */
  void retry(ServiceIdentity target, String opId, JsonObject body, ApiError lastFailure) {
    LOG.warn("Commit of op {} to node {} was not acknowledged by the deadline ({}); retrying in the background",
        opId, target.nodeId(), lastFailure == null ? "no time left" : lastFailure.getMessage());
    pending++;
    schedule(new Retry(target, opId, body, System.currentTimeMillis()), FIRST_DELAY_MS);
  }

  /** Returns the number of commits being retried. */
  int pendingCount() {
    return pending;
  }

  private record Retry(ServiceIdentity target, String opId, JsonObject body, long startedAtMillis) {}

  private void schedule(Retry retry, long delayMillis) {
    vertx.setTimer(delayMillis, id -> attempt(retry, Math.min(delayMillis * 2, MAX_DELAY_MS)));
  }

  private void attempt(Retry retry, long nextDelayMillis) {
    if (hasLeftOrRestarted(retry.target())) {
      finish();
      LOG.error("Gave up the commit of op {} to node {}: the node left or restarted, and a restarted replica "
          + "starts with no strong state", retry.opId(), retry.target().nodeId());
      return;
    }
    client.request(retry.target(), Actions.COMMIT, retry.body(), requestTimeoutMillis)
        .onSuccess(reply -> {
          finish();
          LOG.info("Commit of op {} to node {} acknowledged after background retries, value {}",
              retry.opId(), retry.target().nodeId(), reply.getValue("value"));
        })
        .onFailure(failure -> afterFailure(retry, ApiError.from(failure), nextDelayMillis));
  }

  private void afterFailure(Retry retry, ApiError error, long nextDelayMillis) {
    boolean rejected = error.status() >= 400 && error.status() < 500;
    boolean expired = System.currentTimeMillis() - retry.startedAtMillis() >= GIVE_UP_AFTER_MS;
    if (rejected || expired) {
      finish();
      String reason = rejected ? error.getMessage() : "retried for " + GIVE_UP_AFTER_MS + " ms";
      LOG.error("Gave up the commit of op {} to node {} ({}); the replicas now differ by its amount",
          retry.opId(), retry.target().nodeId(), reason);
      return;
    }
    LOG.debug("Commit of op {} to node {} failed again: {}", retry.opId(), retry.target().nodeId(), error.getMessage());
    schedule(retry, nextDelayMillis);
  }

  /** Returns whether {@code target} announced its departure or was replaced by a new incarnation. */
  private boolean hasLeftOrRestarted(ServiceIdentity target) {
    return directory.all().stream()
        .filter(entry -> entry.identity().nodeId().equals(target.nodeId()))
        .findFirst()
        .map(entry -> entry.left() || !entry.identity().incarnation().equals(target.incarnation()))
        .orElse(true);
  }

  private void finish() {
    pending--;
  }
}
