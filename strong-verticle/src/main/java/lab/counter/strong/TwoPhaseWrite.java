package lab.counter.strong;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Collectors;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.http.ApiError;
import lab.counter.common.protocol.Actions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One strong write, run by two-phase commit over the strong replicas of the target nodes.
 *
 * <p>Every target is asked to prepare, with the time left until the deadline as the request
 * timeout. When every target has prepared, or any target has already committed the op (a retry of
 * an op that an earlier attempt had decided to commit), every target is sent the commit. A commit
 * is retried until the deadline and then in the background by {@link CommitRetrier}. Otherwise
 * every target is sent an abort, best effort, and the write fails without having been applied
 * anywhere.
 */
final class TwoPhaseWrite {

  private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseWrite.class);
  private static final long COMMIT_RETRY_DELAY_MS = 50;

  private final Vertx vertx;
  private final ReplicaClient client;
  private final CommitRetrier retrier;
  private final String opId;
  private final String counter;
  private final long amount;
  private final List<ServiceIdentity> targets;
  private final long deadlineMillis;
  private final long abortTimeoutMillis;

  /**
   * Creates the write of {@code amount} to {@code counter} as op {@code opId}, to finish by
   * {@code deadlineMillis} (epoch milliseconds). Aborts wait up to {@code abortTimeoutMillis}.
   */
  TwoPhaseWrite(Vertx vertx, ReplicaClient client, CommitRetrier retrier, String opId, String counter, long amount,
      List<ServiceIdentity> targets, long deadlineMillis, long abortTimeoutMillis) {
    this.vertx = vertx;
    this.client = client;
    this.retrier = retrier;
    this.opId = opId;
    this.counter = counter;
    this.amount = amount;
    this.targets = targets;
    this.deadlineMillis = deadlineMillis;
    this.abortTimeoutMillis = abortTimeoutMillis;
  }

  /**
   * Runs the write. Succeeds with {@code {"counter","value","op_id","regions","nodes"}}, plus
   * {@code "pending_nodes"} when some commits are still being retried. Fails with 503, or with 400
   * when a replica rejects the amount, after aborting the op everywhere.
   */
  Future<JsonObject> run() {
    return prepareAll().compose(this::decide);
  }

  private Future<List<NodeOutcome>> prepareAll() {
    long timeout = remainingMillis();
    List<Future<NodeOutcome>> prepares = targets.stream()
        .map(target -> client.request(target, Actions.PREPARE, opBody(), timeout)
            .map(reply -> NodeOutcome.replied(target, reply))
            .otherwise(failure -> NodeOutcome.failed(target, failure)))
        .toList();
    return Future.all(prepares).map(done -> prepares.stream().map(Future::result).toList());
  }

  private Future<JsonObject> decide(List<NodeOutcome> prepares) {
    boolean committedSomewhere = prepares.stream().anyMatch(outcome -> outcome.hasStatus("committed"));
    boolean allPrepared = prepares.stream()
        .allMatch(outcome -> outcome.hasStatus("prepared") || outcome.hasStatus("committed"));
    if (allPrepared) {
      return commitAll();
    }
    if (committedSomewhere) {
      LOG.warn("Op {} on counter {} is already committed on some replicas, so it is committed on every node "
          + "although the prepare failed on {}", opId, counter, describeFailures(prepares));
      return commitAll();
    }
    abortAll();
    return Future.failedFuture(prepareFailure(prepares));
  }

  private Future<JsonObject> commitAll() {
    List<Future<NodeOutcome>> commits = targets.stream().map(this::commitUntilDeadline).toList();
    return Future.all(commits).map(done -> summarize(commits.stream().map(Future::result).toList()));
  }

  /** Sends the commit to {@code target} until it is acknowledged or the deadline passes; the future never fails. */
  private Future<NodeOutcome> commitUntilDeadline(ServiceIdentity target) {
    return client.request(target, Actions.COMMIT, opBody(), remainingMillis())
        .map(reply -> NodeOutcome.replied(target, reply))
        .recover(failure -> retryCommit(target, ApiError.from(failure)));
  }

  private Future<NodeOutcome> retryCommit(ServiceIdentity target, ApiError error) {
    if (isRejection(error) || remainingMillis() <= COMMIT_RETRY_DELAY_MS) {
      return Future.succeededFuture(NodeOutcome.failed(target, error));
    }
    LOG.debug("Commit of op {} to node {} failed ({}); retrying", opId, target.nodeId(), error.getMessage());
    Promise<NodeOutcome> promise = Promise.promise();
    vertx.setTimer(COMMIT_RETRY_DELAY_MS, id -> commitUntilDeadline(target).onComplete(promise));
    return promise.future();
  }

  private JsonObject summarize(List<NodeOutcome> commits) {
    List<NodeOutcome> acknowledged = commits.stream().filter(NodeOutcome::succeeded).toList();
    List<NodeOutcome> unacknowledged = commits.stream().filter(outcome -> !outcome.succeeded()).toList();
    unacknowledged.forEach(this::handleUnacknowledged);
    // NOTE: when no replica acknowledged its commit by the deadline, the write still succeeds
    // because it is decided, but "value" is null and a read before the background retries land
    // does not see it yet.
    Long value = acknowledged.stream()
        .map(outcome -> outcome.reply().getLong("value"))
        .filter(number -> number != null)
        .max(Long::compare)
        .orElse(null);
    JsonObject result = new JsonObject()
        .put("counter", counter)
        .put("value", value)
        .put("op_id", opId)
        .put("regions", new JsonArray(acknowledged.stream().map(o -> o.node().region()).distinct().sorted().toList()))
        .put("nodes", new JsonArray(acknowledged.stream().map(o -> o.node().nodeId()).sorted().toList()));
    if (!unacknowledged.isEmpty()) {
      result.put("pending_nodes", new JsonArray(unacknowledged.stream().map(o -> o.node().nodeId()).sorted().toList()));
    }
    return result;
  }

  private void handleUnacknowledged(NodeOutcome outcome) {
    if (isRejection(outcome.failure())) {
      LOG.error("Node {} rejected the commit of op {} on counter {}: {}; the replicas now differ by {}",
          outcome.node().nodeId(), opId, counter, outcome.failure().getMessage(), amount);
    } else {
      retrier.retry(outcome.node(), opId, opBody(), outcome.failure());
    }
  }

  private void abortAll() {
    JsonObject body = new JsonObject().put("op_id", opId).put("counter", counter);
    for (ServiceIdentity target : targets) {
      client.request(target, Actions.ABORT, body, abortTimeoutMillis)
          .onFailure(failure -> LOG.warn("Abort of op {} on node {} failed: {}; its prepare, if any, holds counter {} "
              + "until the lease ends", opId, target.nodeId(), ApiError.from(failure).getMessage(), counter));
    }
  }

  private ApiError prepareFailure(List<NodeOutcome> prepares) {
    NodeOutcome invalid = prepares.stream()
        .filter(outcome -> outcome.failure() != null && outcome.failure().status() == 400)
        .findFirst()
        .orElse(null);
    if (invalid != null) {
      return ApiError.badRequest(invalid.failure().error(), invalid.failure().detail());
    }
    boolean abortedBefore = prepares.stream()
        .anyMatch(outcome -> outcome.failure() != null && "aborted".equals(outcome.failure().error()));
    if (abortedBefore) {
      // A retry with the same op_id fails the same way while the replicas remember the abort, so no 503.
      LOG.info("Rejected op {} on counter {} with 409: the replicas aborted it earlier", opId, counter);
      return new ApiError(409, "op aborted", "op " + opId + " was aborted by an earlier attempt and applied nowhere; "
          + "send the write again with a new op_id");
    }
    return ApiError.unavailable("strong write failed", "prepare failed on " + describeFailures(prepares)
        + "; op " + opId + " was aborted and applied nowhere");
  }

  private String describeFailures(List<NodeOutcome> prepares) {
    return prepares.stream()
        .filter(outcome -> !outcome.hasStatus("prepared") && !outcome.hasStatus("committed"))
        .map(outcome -> outcome.failure() != null ? outcome.describeFailure()
            : "node " + outcome.node().nodeId() + ": unexpected reply " + outcome.reply().encode())
        .collect(Collectors.joining("; "));
  }

  private JsonObject opBody() {
    return new JsonObject().put("op_id", opId).put("counter", counter).put("amount", amount);
  }

  private long remainingMillis() {
    return deadlineMillis - System.currentTimeMillis();
  }

  /** Returns whether the replica rejected the request, so sending it again cannot help. */
  private static boolean isRejection(ApiError error) {
    return error.status() >= 400 && error.status() < 500;
  }
}
