package lab.counter.gateway;

import lab.counter.common.cluster.ServiceRunner;

/** Starts the gateway, configured by {@code HTTP_PORT} (default 8080) and {@code REGIONS}. */
public final class GatewayMain {

  private GatewayMain() {}

  public static void main(String[] args) {
    ServiceRunner.run("gateway", GatewayVerticle::new);
  }
}
