package lab.counter.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

/** Access to the process's meter registry, the one Vert.x's own metrics use. */
public final class Metrics {

  private static final MeterRegistry FALLBACK = new SimpleMeterRegistry();

  private Metrics() {}

  /**
   * Returns the Prometheus registry Vert.x was built with, or an in-memory registry when this
   * process runs without metrics (as some unit tests do), so callers never check for null.
   */
  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry != null ? registry : FALLBACK;
  }
}
