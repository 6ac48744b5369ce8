package lab.counter.common.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.metrics.Metrics;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated network partition, as seen by one process. A region in the table is isolated:
 * event-bus interceptors on every process drop data-plane messages (those carrying both
 * {@link Headers#FROM_REGION} and {@link Headers#TO_REGION}) between it and any other region, in
 * both directions, and count what they drop. Everything else passes: requests from the gateway, the
 * control and presence messages, and traffic inside one region.
 *
 * <p>The table is replicated through a Hazelcast map, which a process reads when it starts, and
 * through {@link Addresses#CONTROL} messages, which apply a change everywhere at once.
 */
public final class PartitionTable {

  /**
   * Failure code of the reply a sender gets at once when its own interceptor drops its request, so
   * it need not wait for the timeout. Requests dropped on the receiving side time out instead, as
   * they would in a real partition.
   */
  public static final int DROPPED_FAILURE_CODE = 599;

  private static final Logger LOG = LoggerFactory.getLogger(PartitionTable.class);
  private static final String MAP_NAME = "counter.partitions";
  private static final String TYPE_PARTITION = "partition";
  private static final long RELOAD_INTERVAL_MS = 2000;

  private final Vertx vertx;
  private final String ownNode;
  private final Set<String> isolated = ConcurrentHashMap.newKeySet();
  private final AtomicLong droppedOutbound = new AtomicLong();
  private final AtomicLong droppedInbound = new AtomicLong();
  private final AtomicLong changesApplied = new AtomicLong();

  private PartitionTable(Vertx vertx, String ownNode) {
    this.vertx = vertx;
    this.ownNode = ownNode;
  }

  /**
   * Installs the interceptors and the control listener on {@code vertx}'s event bus and loads the
   * current table from the cluster.
   */
  public static Future<PartitionTable> install(Vertx vertx, String ownNode) {
    PartitionTable table = new PartitionTable(vertx, ownNode);
    for (Map.Entry<String, AtomicLong> direction : Map.of("outbound", table.droppedOutbound, "inbound", table.droppedInbound).entrySet()) {
      FunctionCounter.builder(MetricNames.PARTITION_DROPPED, direction.getValue(), AtomicLong::get)
          .description("Event-bus messages dropped by partition mode")
          .tag(MetricNames.TAG_DIRECTION, direction.getKey())
          .register(Metrics.registry());
    }
    vertx.eventBus().addOutboundInterceptor(table.interceptor(table.droppedOutbound, "outbound"));
    vertx.eventBus().addInboundInterceptor(table.interceptor(table.droppedInbound, "inbound"));
    vertx.eventBus().<JsonObject>consumer(Addresses.CONTROL, message -> table.onControl(message.body()));
    // The map is the source of truth: re-reading it repairs a change this process missed, such as
    // a heal published while it was still loading the map at start-up.
    vertx.setPeriodic(RELOAD_INTERVAL_MS, timer -> table.reload());
    return partitionMap(vertx)
        .compose(AsyncMap::keys)
        .map(regions -> {
          table.isolated.addAll(regions);
          if (!regions.isEmpty()) {
            LOG.info("Joined with isolated regions {}", new TreeSet<>(regions));
          }
          return table;
        });
  }

  private void reload() {
    long changesBefore = changesApplied.get();
    partitionMap(vertx).compose(AsyncMap::keys).onSuccess(regions -> {
      if (changesApplied.get() != changesBefore) {
        // A change arrived while the map was read, so the read may predate it.
        return;
      }
      for (String region : Set.copyOf(isolated)) {
        if (!regions.contains(region)) {
          set(region, false);
        }
      }
      regions.forEach(region -> set(region, true));
    });
  }

  /**
   * Isolates or heals {@code region} cluster-wide: records it in the Hazelcast map for processes that
   * start later, then tells every running process.
   */
  public static Future<Void> setIsolated(Vertx vertx, String region, boolean enabled) {
    return partitionMap(vertx)
        .compose(map -> enabled ? map.put(region, Boolean.TRUE) : map.remove(region).mapEmpty())
        .andThen(done -> vertx.eventBus().publish(Addresses.CONTROL, new JsonObject()
            .put("type", TYPE_PARTITION)
            .put("region", region)
            .put("enabled", enabled)))
        .mapEmpty();
  }

  /** Returns whether {@code region} is isolated. */
  public boolean isIsolated(String region) {
    return region != null && isolated.contains(region);
  }

  /** Returns whether a data-plane message from {@code fromRegion} to {@code toRegion} is dropped. */
  public boolean blocks(String fromRegion, String toRegion) {
    return fromRegion != null && toRegion != null && !fromRegion.equals(toRegion)
        && (isolated.contains(fromRegion) || isolated.contains(toRegion));
  }

  /** Returns the isolated regions, sorted. */
  public Set<String> isolatedRegions() {
    return new TreeSet<>(isolated);
  }

  /** Returns the number of messages this process dropped, in both directions. */
  public long droppedMessages() {
    return droppedOutbound.get() + droppedInbound.get();
  }

  /** Returns a JSON summary: isolated regions and drop counts. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("isolated_regions", new JsonArray(isolatedRegions().stream().toList()))
        .put("dropped_outbound", droppedOutbound.get())
        .put("dropped_inbound", droppedInbound.get());
  }

  private <T> Handler<DeliveryContext<T>> interceptor(AtomicLong dropped, String direction) {
    return context -> {
      MultiMap headers = context.message().headers();
      String from = headers.get(Headers.FROM_REGION);
      String to = headers.get(Headers.TO_REGION);
      if (!blocks(from, to)) {
        context.next();
        return;
      }
      dropped.incrementAndGet();
      if (context.send() && context.message().replyAddress() != null && "outbound".equals(direction)) {
        context.message().fail(DROPPED_FAILURE_CODE, "dropped by partition mode: " + from + " -> " + to);
      }
      LOG.debug("Dropped {} message to {} ({} -> {})", direction, context.message().address(), from, to);
      vertx.eventBus().publish(Addresses.INSPECTOR, new JsonObject()
          .put("type", "dropped")
          .put("direction", direction)
          .put("node_id", ownNode)
          .put("address", context.message().address())
          .put("from_region", from)
          .put("to_region", to)
          .put("action", headers.get(Headers.ACTION))
          .put("timestamp", System.currentTimeMillis()));
    };
  }

  /** Applies a change to this process's table at once, ahead of the control message that carries it. */
  void apply(String region, boolean enabled) {
    changesApplied.incrementAndGet();
    set(region, enabled);
  }

  private void set(String region, boolean enabled) {
    boolean changed = enabled ? isolated.add(region) : isolated.remove(region);
    if (changed) {
      LOG.info("Partition of region {} {}", region, enabled ? "enabled: its data-plane traffic is dropped" : "healed");
    }
  }

  private void onControl(JsonObject control) {
    if (!TYPE_PARTITION.equals(control.getString("type"))) {
      return;
    }
    apply(control.getString("region"), control.getBoolean("enabled", false));
  }

  private static Future<AsyncMap<String, Boolean>> partitionMap(Vertx vertx) {
    // Cluster-wide when clustered; a local map lets a single non-clustered instance run in tests.
    return vertx.sharedData().getAsyncMap(MAP_NAME);
  }
}
