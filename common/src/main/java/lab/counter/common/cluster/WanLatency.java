package lab.counter.common.cluster;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.common.protocol.Addresses;
import lab.counter.common.protocol.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated distance between regions: a one-way delay per pair of regions, added by an outbound
 * event-bus interceptor to every data-plane message (one carrying {@link Headers#FROM_REGION} and
 * {@link Headers#TO_REGION}, as sync and strong replication do). A request and its reply are both
 * delayed, so a round trip costs twice the one-way delay. Requests from the gateway carry no region
 * headers and stay fast, as a client's request to its nearest region would.
 *
 * <p>The model can be switched on and off at run time cluster-wide, like a partition.
 */
public final class WanLatency {

  /**
   * Default one-way delays in milliseconds: half the average round-trip times between the AWS
   * regions N. Virginia (us-east-1), N. California (us-west-1) and Ireland (eu-west-1) in the table
   * of "AWS Regions", A Computer Scientist Learns AWS, April 2017
   * (acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html): 72.7 ms, 80.6 ms and
   * 153.2 ms.
   */
  public static final Map<String, Long> DEFAULT_ONE_WAY_MS = Map.of(
      pair("us-east", "us-west"), 36L,
      pair("us-east", "eu-west"), 40L,
      pair("us-west", "eu-west"), 77L);

  /** Value of {@code WAN_LATENCY} that starts with the model switched off. */
  public static final String OFF = "off";
  /** Value of {@code WAN_LATENCY} that uses {@link #DEFAULT_ONE_WAY_MS}. */
  public static final String DEFAULT = "default";

  private static final Logger LOG = LoggerFactory.getLogger(WanLatency.class);
  private static final String MAP_NAME = "counter.settings";
  private static final String ENABLED_ENTRY = "wan_latency_enabled";
  private static final String TYPE_WAN_LATENCY = "wan-latency";

  private final Map<String, Long> oneWayMillis;
  private final long jitterMillis;
  private final String strongHomeRegion;
  private volatile boolean enabled;

  WanLatency(Map<String, Long> oneWayMillis, long jitterMillis, String strongHomeRegion, boolean enabled) {
    this.oneWayMillis = Map.copyOf(oneWayMillis);
    this.jitterMillis = jitterMillis;
    this.strongHomeRegion = strongHomeRegion;
    this.enabled = enabled;
  }

  /**
   * Reads the model from {@code WAN_LATENCY} ({@code default}, {@code off}, or pairs such as
   * {@code us-east:us-west=36,us-east:eu-west=40}), {@code WAN_JITTER_MS} and
   * {@code STRONG_HOME_REGION}.
   *
   * @throws IllegalArgumentException if a pair is malformed
   */
  public static WanLatency fromSettings(Settings settings) {
    String raw = settings.string(ConfigKeys.WAN_LATENCY);
    long jitter = settings.number(ConfigKeys.WAN_JITTER_MS, 0, 60_000);
    String home = settings.string(ConfigKeys.STRONG_HOME_REGION);
    if (OFF.equalsIgnoreCase(raw)) {
      return new WanLatency(DEFAULT_ONE_WAY_MS, jitter, home, false);
    }
    if (DEFAULT.equalsIgnoreCase(raw)) {
      return new WanLatency(DEFAULT_ONE_WAY_MS, jitter, home, true);
    }
    return new WanLatency(parsePairs(raw), jitter, home, true);
  }

  /** Returns a model that never delays, for tests that run without one. */
  public static WanLatency none() {
    return new WanLatency(Map.of(), 0, "", false);
  }

  /** Installs the delaying interceptor and the control listener, and loads the cluster-wide switch. */
  public Future<WanLatency> install(Vertx vertx) {
    vertx.eventBus().addOutboundInterceptor(interceptor(vertx));
    vertx.eventBus().<JsonObject>consumer(Addresses.CONTROL, message -> onControl(message.body()));
    return settingsMap(vertx)
        .compose(map -> map.get(ENABLED_ENTRY))
        .map(stored -> {
          if (stored != null) {
            enabled = stored;
          }
          return this;
        });
  }

  /** Switches the model on or off on every process, and for processes that start later. */
  public static Future<Void> setEnabled(Vertx vertx, boolean enabled) {
    return settingsMap(vertx)
        .compose(map -> map.put(ENABLED_ENTRY, enabled))
        .andThen(done -> vertx.eventBus().publish(Addresses.CONTROL,
            new JsonObject().put("type", TYPE_WAN_LATENCY).put("enabled", enabled)))
        .mapEmpty();
  }

  /** Applies a switch to this process at once, ahead of the control message that carries it. */
  public void apply(boolean enabled) {
    if (this.enabled != enabled) {
      this.enabled = enabled;
      LOG.info("Simulated WAN latency {}", enabled ? "on: " + oneWayMillis + " ms one way" : "off");
    }
  }

  /** Returns whether the model delays messages now. */
  public boolean enabled() {
    return enabled;
  }

  /** Returns the configured one-way delay between two regions, 0 within a region or when off. */
  public long oneWayMillis(String fromRegion, String toRegion) {
    if (!enabled || fromRegion == null || toRegion == null) {
      return 0;
    }
    String from = locate(fromRegion);
    String to = locate(toRegion);
    return from.equals(to) ? 0 : oneWayMillis.getOrDefault(pair(from, to), 0L);
  }

  /** Returns the model as JSON: whether it is on, the one-way delay per pair, the jitter and the strong counter's home. */
  public JsonObject toJson() {
    JsonObject pairs = new JsonObject();
    new TreeMap<>(oneWayMillis).forEach(pairs::put);
    return new JsonObject()
        .put("enabled", enabled)
        .put("one_way_ms", pairs)
        .put("jitter_ms", jitterMillis)
        .put("strong_home_region", strongHomeRegion)
        .put("source", "half the average AWS inter-region round trips (us-east-1, us-west-1, eu-west-1) "
            + "published by A Computer Scientist Learns AWS, April 2017, unless WAN_LATENCY overrides them");
  }

  private <T> Handler<DeliveryContext<T>> interceptor(Vertx vertx) {
    return context -> {
      MultiMap headers = context.message().headers();
      long delay = withJitter(oneWayMillis(headers.get(Headers.FROM_REGION), headers.get(Headers.TO_REGION)));
      if (delay <= 0) {
        context.next();
      } else {
        vertx.setTimer(delay, id -> context.next());
      }
    };
  }

  private long withJitter(long delay) {
    if (delay <= 0 || jitterMillis == 0) {
      return delay;
    }
    return Math.max(0, delay + ThreadLocalRandom.current().nextLong(-jitterMillis, jitterMillis + 1));
  }

  /** Maps the strong counter's pseudo-region to the region it runs in. */
  private String locate(String region) {
    return ServiceIdentity.STRONG_SERVICE.equals(region) ? strongHomeRegion : region;
  }

  private void onControl(JsonObject control) {
    if (TYPE_WAN_LATENCY.equals(control.getString("type"))) {
      apply(control.getBoolean("enabled", false));
    }
  }

  private static Map<String, Long> parsePairs(String raw) {
    Map<String, Long> pairs = new TreeMap<>();
    for (String item : raw.split(",")) {
      String[] regionsAndDelay = item.trim().split("=");
      String[] regions = regionsAndDelay[0].split(":");
      if (regionsAndDelay.length != 2 || regions.length != 2) {
        throw new IllegalArgumentException("invalid WAN_LATENCY pair '" + item.trim()
            + "': expected region:region=milliseconds, e.g. us-east:us-west=36, or default, or off");
      }
      try {
        long delay = Long.parseLong(regionsAndDelay[1].trim());
        if (delay < 0) {
          throw new NumberFormatException("negative");
        }
        pairs.put(pair(regions[0].trim(), regions[1].trim()), delay);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid WAN_LATENCY delay in '" + item.trim() + "': expected milliseconds >= 0");
      }
    }
    return pairs;
  }

  private static String pair(String a, String b) {
    return a.compareTo(b) <= 0 ? a + "<->" + b : b + "<->" + a;
  }

  private static Future<AsyncMap<String, Boolean>> settingsMap(Vertx vertx) {
    return vertx.sharedData().getAsyncMap(MAP_NAME);
  }
}
