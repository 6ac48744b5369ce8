package lab.counter.common.protocol;

/** Values of the {@link Headers#ACTION} header, grouped by the address that accepts them. */
public final class Actions {

  // counter.region.<region>.api and counter.node.<id>.control
  public static final String INCREMENT = "increment";
  /**
   * Several increments in one message: {@code {"increments": [{"request": {...}, "key": "..."}]}},
   * replied to with {@code {"results": [...]}} in the same order. The gateway sends it when
   * increments for a region queue up behind the ones in flight.
   */
  public static final String INCREMENT_BATCH = "increment-batch";
  public static final String GET = "get";
  public static final String LIST = "list";
  public static final String STATUS = "status";
  public static final String FORCE_SYNC = "force-sync";

  // counter.node.<id>.sync
  public static final String SYNC = "sync";

  // counter.node.<id>.strong
  public static final String PREPARE = "prepare";
  public static final String COMMIT = "commit";
  public static final String ABORT = "abort";
  public static final String READ = "read";

  // counter.coordinator.api
  public static final String GLOBAL_COUNTER = "global-counter";
  public static final String GLOBAL_COUNTERS = "global-counters";
  public static final String GLOBAL_STATUS = "global-status";
  public static final String PARTITION = "partition";

  private Actions() {}
}
