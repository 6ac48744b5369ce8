package lab.counter.launcher;

import java.util.Map;
import java.util.function.Consumer;
import lab.counter.coordinator.CoordinatorMain;
import lab.counter.gateway.GatewayMain;
import lab.counter.region.RegionMain;

/**
 * Entry point of {@code counter-lab.jar}: {@code java -jar counter-lab.jar <service>} runs one
 * service, configured by environment variables. The {@code lab} script starts one process per
 * service this way.
 */
public final class Main {

  private static final Map<String, Consumer<String[]>> SERVICES = Map.of(
      "region", RegionMain::main,
      "gateway", GatewayMain::main,
      "coordinator", CoordinatorMain::main,
      "strong", lab.counter.strong.StrongMain::main);

  private Main() {}

  public static void main(String[] args) {
    Consumer<String[]> service = args.length == 1 ? SERVICES.get(args[0]) : null;
    if (service == null) {
      System.err.println("usage: java -jar counter-lab.jar region|gateway|coordinator|strong");
      System.err.println("Each service reads its configuration from environment variables such as HTTP_PORT, REGION and CLUSTER_MEMBERS; see the README.");
      System.exit(2);
    }
    service.accept(new String[0]);
  }
}
