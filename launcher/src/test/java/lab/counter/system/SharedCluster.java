package lab.counter.system;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the six services once for the whole system-test run and stops them when it ends, so the
 * test classes share one cluster. Tests isolate themselves by counter name and heal every partition
 * they open.
 */
final class SharedCluster implements ParameterResolver {

  /** Sync interval of the test cluster: short, so a test waits seconds, not minutes, for convergence. */
  static final int SYNC_INTERVAL_MS = 1000;
  /**
   * First HTTP port of the test cluster (the services take it and +1, +2, +3, +4, +80) and first
   * Hazelcast port (+0 to +5). Override both with {@code -Dlab.test.http-base} and
   * {@code -Dlab.test.cluster-base} to run two test suites at once.
   */
  static final int HTTP_BASE_PORT = Integer.getInteger("lab.test.http-base", 18000);
  static final int CLUSTER_BASE_PORT = Integer.getInteger("lab.test.cluster-base", 15801);

  /** Strong-write timeout of the test cluster. */
  static final int STRONG_TIMEOUT_MS = 2000;

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LabProcesses.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(LabProcesses.class, key -> start(), LabProcesses.class);
  }

  private static LabProcesses start() {
    LabProcesses processes = new LabProcesses(HTTP_BASE_PORT, CLUSTER_BASE_PORT, Map.of(
        "SYNC_INTERVAL_MS", String.valueOf(SYNC_INTERVAL_MS),
        "STRONG_TIMEOUT_MS", String.valueOf(STRONG_TIMEOUT_MS)));
    try {
      return processes.startAll();
    } catch (Exception e) {
      try {
        processes.close();
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("the test cluster did not start", e);
    }
  }
}
