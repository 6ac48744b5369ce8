package lab.counter.common.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import lab.counter.common.protocol.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence: which services are running, learnt from the announcements every process publishes on
 * {@link Addresses#PRESENCE}. A process is live while it has announced itself within
 * {@value #LIVE_INTERVALS} intervals; a process that stops cleanly announces its departure.
 * Presence is control-plane traffic, so partition mode never drops it: an isolated region stays
 * live, only its data-plane traffic is cut.
 */
public final class NodeDirectory {

  /** Announcement intervals a process may miss before it counts as down. */
  public static final int LIVE_INTERVALS = 3;

  private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);

  private final Vertx vertx;
  private final ServiceIdentity self;
  private final long intervalMillis;
  private final Map<String, Entry> nodes = new ConcurrentHashMap<>();
  private long timerId = -1;

  /** A service process as announced. */
  public record Entry(ServiceIdentity identity, long lastSeenMillis, boolean left) {}

  private NodeDirectory(Vertx vertx, ServiceIdentity self, long intervalMillis) {
    this.vertx = vertx;
    this.self = self;
    this.intervalMillis = intervalMillis;
  }

  /** Starts announcing {@code self} every {@code intervalMillis} and listening for the others. */
  public static NodeDirectory start(Vertx vertx, ServiceIdentity self, long intervalMillis) {
    NodeDirectory directory = new NodeDirectory(vertx, self, intervalMillis);
    vertx.eventBus().<JsonObject>consumer(Addresses.PRESENCE, message -> directory.onPresence(message.body()));
    directory.announce("announce");
    directory.timerId = vertx.setPeriodic(intervalMillis, id -> directory.announce("announce"));
    return directory;
  }

  /** Announces this process's departure and stops announcing. */
  public void stop() {
    vertx.cancelTimer(timerId);
    announce("leave");
  }

  /** Returns this process's identity. */
  public ServiceIdentity self() {
    return self;
  }

  /** Returns the live processes of {@code service} kind, other than this one, sorted by node id. */
  public List<ServiceIdentity> liveOthers(String service) {
    long now = System.currentTimeMillis();
    return nodes.values().stream()
        .filter(entry -> isLive(entry, now))
        .map(Entry::identity)
        .filter(identity -> identity.service().equals(service) && !identity.nodeId().equals(self.nodeId()))
        .sorted(Comparator.comparing(ServiceIdentity::nodeId))
        .toList();
  }

  /** Returns the live counter nodes of {@code region}, this one included, sorted by node id. */
  public List<ServiceIdentity> liveRegionNodes(String region) {
    long now = System.currentTimeMillis();
    return nodes.values().stream()
        .filter(entry -> isLive(entry, now))
        .map(Entry::identity)
        .filter(identity -> ServiceIdentity.REGION_SERVICE.equals(identity.service()) && region.equals(identity.region()))
        .sorted(Comparator.comparing(ServiceIdentity::nodeId))
        .toList();
  }

  /**
   * Returns whether {@code region} has a live counter node, with the result of
   * {@code !liveRegionNodes(region).isEmpty()} but without building the list: the gateway calls it
   * for every increment it routes.
   */
  public boolean hasLiveRegionNode(String region) {
    long now = System.currentTimeMillis();
    for (Entry entry : nodes.values()) {
      ServiceIdentity identity = entry.identity();
      if (isLive(entry, now) && ServiceIdentity.REGION_SERVICE.equals(identity.service()) && region.equals(identity.region())) {
        return true;
      }
    }
    return false;
  }

  /** Returns every process ever announced, live or not, sorted by node id. */
  public List<Entry> all() {
    return nodes.values().stream().sorted(Comparator.comparing(entry -> entry.identity().nodeId())).toList();
  }

  /** Returns whether the entry's process announced itself recently and has not left. */
  public boolean isLive(Entry entry) {
    return isLive(entry, System.currentTimeMillis());
  }

  private boolean isLive(Entry entry, long now) {
    return !entry.left() && now - entry.lastSeenMillis() <= LIVE_INTERVALS * intervalMillis;
  }

  private void announce(String type) {
    vertx.eventBus().publish(Addresses.PRESENCE, self.toJson().put("type", type));
  }

  private void onPresence(JsonObject body) {
    ServiceIdentity identity;
    try {
      identity = ServiceIdentity.fromJson(body);
    } catch (RuntimeException e) {
      LOG.warn("Ignored a malformed presence message {}", body, e);
      return;
    }
    boolean left = "leave".equals(body.getString("type"));
    Entry previous = nodes.put(identity.nodeId(), new Entry(identity, System.currentTimeMillis(), left));
    boolean wasLive = previous != null && isLive(previous);
    if (left && wasLive) {
      LOG.info("Node {} ({}) left", identity.nodeId(), describe(identity));
    } else if (!left && !wasLive && !identity.nodeId().equals(self.nodeId())) {
      LOG.info("Node {} ({}) is live", identity.nodeId(), describe(identity));
      // A newcomer learns of this process now rather than one interval later.
      announce("announce");
    } else if (!left && previous != null && !previous.identity().incarnation().equals(identity.incarnation())) {
      LOG.info("Node {} restarted (incarnation {})", identity.nodeId(), identity.incarnation());
    }
  }

  /** Returns "region in us-east" for a region node, and the service name for a service outside the regions. */
  private static String describe(ServiceIdentity identity) {
    return identity.region() == null ? identity.service() : identity.service() + " in " + identity.region();
  }
}
