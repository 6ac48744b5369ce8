package lab.counter.region;

import lab.counter.common.cluster.ServiceRunner;

/** Starts one counter node, configured by {@code REGION}, {@code NODE_ID}, {@code HTTP_PORT} and the sync settings. */
public final class RegionMain {

  private RegionMain() {}

  public static void main(String[] args) {
    ServiceRunner.run("region", RegionVerticle::new);
  }
}
