package lab.counter.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;

/**
 * Lets one increment message of the gateway be in flight at a time, whichever region it goes to.
 * Increments that arrive meanwhile wait in their region's {@link IncrementBatcher}, and each
 * batcher sends its waiting increments as one message when its turn comes, in the order the
 * batchers began to wait.
 *
 * <p>A message without a reply after {@link #STALL_MILLIS} stops holding the gate, so a slow or
 * dying region delays the other regions' increments by that much at most. Its own increments still
 * wait for their reply or timeout.
 *
 * <p>Why one: each message costs the gateway and the region about as much CPU as tens of
 * increments inside it, so the fewer messages the better. With one message in flight per region,
 * round-robin routing over three regions kept three in flight and a message carried about 3
 * increments under load. With one in flight for the whole gateway, a message carries about as
 * many increments as there are waiting clients (see docs/benchmarks.md, section 9). At low load
 * nothing is in flight when an increment arrives, so it goes out at once. Runs on the gateway
 * verticle's event loop.
 */
final class BatchGate {

  /** Messages that may hold the gate at once. */
  static final int MAX_ACTIVE = 1;
  /**
   * How long a message without a reply keeps the gate closed. A region replies to a batch within a
   * millisecond or two on loopback, so mostly a slow region reaches it: one in a GC pause, or
   * waiting for a forced write with {@code DURABILITY=sync}.
   */
  static final long STALL_MILLIS = 10;

  private final Vertx vertx;
  private final ArrayDeque<IncrementBatcher> waiting = new ArrayDeque<>();
  private int active;
  private boolean dispatching;

  BatchGate(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Queues {@code batcher}, which has increments to send and is not queued yet, for its turn. */
  void enqueue(IncrementBatcher batcher) {
    waiting.add(batcher);
    dispatch();
  }

  /** Returns the messages holding the gate, for the gateway's status. */
  int active() {
    return active;
  }

  /** Returns the batchers waiting for their turn, for the gateway's status. */
  int waiting() {
    return waiting.size();
  }

  private void dispatch() {
    // A message that fails at once releases the gate from inside the loop; the loop then goes on.
    if (dispatching) {
      return;
    }
    dispatching = true;
    try {
      while (active < MAX_ACTIVE && !waiting.isEmpty()) {
        active++;
        Hold hold = new Hold();
        Future<?> sent = waiting.poll().sendWaiting();
        if (sent.isComplete()) {
          hold.release();
        } else {
          hold.timer = vertx.setTimer(STALL_MILLIS, fired -> hold.release());
          sent.onComplete(done -> {
            vertx.cancelTimer(hold.timer);
            hold.release();
          });
        }
      }
    } finally {
      dispatching = false;
    }
  }

  /** One message's hold on the gate, released by its reply or by the stall timer, whichever comes first. */
  private final class Hold {
    private long timer = -1;
    private boolean released;

    void release() {
      if (!released) {
        released = true;
        active--;
        dispatch();
      }
    }
  }
}
