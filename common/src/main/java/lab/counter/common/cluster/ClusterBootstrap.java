package lab.counter.common.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.util.List;
import java.util.Set;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;
import lab.counter.common.metrics.MetricNames;
import lab.counter.common.metrics.Tracing;

/**
 * Builds the clustered {@link Vertx} every service runs on: Hazelcast with TCP-IP join over an
 * explicit member list, multicast and phone-home off, bound to one interface; the event bus on the
 * same interface; Micrometer metrics into a Prometheus registry.
 */
public final class ClusterBootstrap {

  private ClusterBootstrap() {}

  /**
   * Starts a clustered Vert.x instance configured from {@code settings}. Every metric carries the
   * {@code service}, {@code node_id} and {@code region} tags of {@code identity}; tracing is on when
   * the environment configures an OTLP endpoint.
   */
  public static Future<Vertx> start(Settings settings, ServiceIdentity identity) {
    String host = settings.string(ConfigKeys.CLUSTER_HOST);
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcastConfig(settings));

    EventBusOptions eventBus = new EventBusOptions()
        .setHost(host)
        .setClusterPublicHost(host)
        .setPort(settings.integer(ConfigKeys.EVENT_BUS_PORT, 0, 65535));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags(
        MetricNames.TAG_SERVICE, identity.service(),
        MetricNames.TAG_NODE_ID, identity.nodeId(),
        MetricNames.TAG_REGION, identity.region() == null ? MetricNames.NO_REGION : identity.region());
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(settings.integer(ConfigKeys.EVENT_LOOPS, 1, 64))
        .setEventBusOptions(eventBus)
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            // Vert.x's HTTP server metrics look their meters up in the registry on every request,
            // which cost a region node about a quarter of its event loop. RequestMetrics, which
            // HttpSupport installs on every router, keeps its meters and labels them by route.
            .setDisabledMetricsCategories(Set.of(MetricsDomain.HTTP_SERVER.toCategory())));

    VertxBuilder builder = Vertx.builder()
        .with(options)
        .withMetrics(new MicrometerMetricsFactory(registry))
        .withClusterManager(clusterManager);
    Tracing.fromEnvironment(settings, identity)
        .ifPresent(openTelemetry -> builder.withTracer(new OpenTelemetryTracingFactory(openTelemetry)));
    return builder.buildClustered();
  }

  /**
   * Returns the Hazelcast configuration: Vert.x's defaults from {@link ConfigUtil#loadConfig()} (they
   * declare the maps Vert.x needs) with the network replaced, because the default joins by
   * multicast.
   */
  static Config hazelcastConfig(Settings settings) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(settings.string(ConfigKeys.CLUSTER_NAME));

    String host = settings.string(ConfigKeys.CLUSTER_HOST);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.integer(ConfigKeys.CLUSTER_PORT, 1, 65535));
    network.setPortAutoIncrement(false);
    network.setPublicAddress(host);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    network.getRestApiConfig().setEnabled(false);

    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.list(ConfigKeys.CLUSTER_MEMBERS));

    String heartbeat = String.valueOf(settings.integer(ConfigKeys.CLUSTER_HEARTBEAT_TIMEOUT_S, 2, 600));
    String mergeDelay = String.valueOf(settings.integer(ConfigKeys.CLUSTER_MERGE_DELAY_S, 1, 600));
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.bind.any", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", heartbeat);
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", mergeDelay);
    config.setProperty("hazelcast.merge.next.run.delay.seconds", mergeDelay);
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    return config;
  }
}
