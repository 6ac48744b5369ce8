package lab.counter.strong;

import lab.counter.common.cluster.ServiceRunner;

/** Entry point of the strong-counter service process. */
public final class StrongMain {

  private StrongMain() {}

  /** Joins the cluster and deploys {@link StrongCounterVerticle}, configured from the environment. */
  public static void main(String[] args) {
    ServiceRunner.run("strong", settings -> new StrongCounterVerticle(settings));
  }
}
