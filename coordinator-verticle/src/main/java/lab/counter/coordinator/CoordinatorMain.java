package lab.counter.coordinator;

import lab.counter.common.cluster.ServiceRunner;

/** Starts the coordinator, configured by {@code HTTP_PORT} (default 8000) and {@code REGIONS}. */
public final class CoordinatorMain {

  private CoordinatorMain() {}

  public static void main(String[] args) {
    ServiceRunner.run("coordinator", CoordinatorVerticle::new);
  }
}
