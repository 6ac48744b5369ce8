package lab.counter.common.protocol;

/** Event-bus message header names. */
public final class Headers {

  /** Operation requested on a request/reply address, one of the {@code ACTION_*} values of that address. */
  public static final String ACTION = "action";
  /**
   * Region of the sender of a data-plane message (sync or strong replication). Partition mode drops
   * a message carrying both region headers when either region is isolated and they differ.
   */
  public static final String FROM_REGION = "from-region";
  /** Region of the receiver of a data-plane message. */
  public static final String TO_REGION = "to-region";
  /** Idempotency key of an increment, as the client sent it in the HTTP header of the same name. */
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /** Node id of the sender. */
  public static final String FROM_NODE = "from-node";

  private Headers() {}
}
