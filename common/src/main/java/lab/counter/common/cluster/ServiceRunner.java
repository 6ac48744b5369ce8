package lab.counter.common.cluster;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import lab.counter.common.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code main} of every service: joins the cluster, deploys the service's verticle, and on
 * SIGTERM or Ctrl-C undeploys it and leaves the cluster cleanly. A failed start logs why and exits
 * with status 1, so the {@code lab} script can report it.
 */
public final class ServiceRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);
  private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

  private ServiceRunner() {}

  /** Starts {@code service} with the verticle {@code factory} builds from the environment's settings. */
  public static void run(String service, Function<Settings, ? extends ServiceVerticle> factory) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    Settings settings = Settings.fromEnvironment();
    ServiceVerticle verticle;
    try {
      verticle = factory.apply(settings);
    } catch (IllegalArgumentException e) {
      LOG.error("Invalid configuration of {}: {}", service, e.getMessage());
      System.exit(1);
      return;
    }

    long startedAt = System.nanoTime();
    ClusterBootstrap.start(settings, verticle.identity())
        .compose(vertx -> vertx.deployVerticle(verticle)
            .onFailure(failure -> vertx.close())
            .map(deploymentId -> vertx))
        .onSuccess(vertx -> {
          LOG.info("Started {} in {} ms", service, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
          Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(service, vertx), "shutdown"));
        })
        .onFailure(failure -> {
          LOG.error("Failed to start {}", service, failure);
          System.exit(1);
        });
  }

  private static void shutdown(String service, Vertx vertx) {
    LOG.info("Stopping {}", service);
    try {
      vertx.close().await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      LOG.info("Stopped {}", service);
    } catch (Exception e) {
      LOG.warn("{} did not stop within {} s", service, SHUTDOWN_TIMEOUT_SECONDS, e);
    }
  }
}
