package lab.counter.system;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The six services started from {@code counter-lab.jar} as separate JVM processes, clustered on
 * 127.0.0.1 under a cluster name of their own and on ports offset from the lab's, so a running
 * {@code ./lab up} is not disturbed. Processes are stopped by their handles, never by name.
 */
final class LabProcesses implements AutoCloseable {

  /** A service of the system: its kind, HTTP port and Hazelcast port. */
  record Service(String name, String kind, int httpPort, int clusterPort, Map<String, String> env) {}

  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(120);
  private static final DateTimeFormatter RUN_FOLDER_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private final Map<String, Service> services = new LinkedHashMap<>();
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final Map<String, String> commonEnv;
  private final Path jar;
  private final Path logDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Declares the six services with HTTP ports {@code httpBase + offset} and cluster ports from {@code clusterBase}. */
  LabProcesses(int httpBase, int clusterBase, Map<String, String> extraEnv) {
    this.jar = Path.of(System.getProperty("counter.jar", "target/counter-lab.jar"));
    this.logDir = Path.of("target", "system-test-logs", runFolderName());
    add(new Service("us-east", "region", httpBase + 1, clusterBase, Map.of("REGION", "us-east", "NODE_ID", "us-east-1")));
    add(new Service("us-west", "region", httpBase + 2, clusterBase + 1, Map.of("REGION", "us-west", "NODE_ID", "us-west-1")));
    add(new Service("eu-west", "region", httpBase + 3, clusterBase + 2, Map.of("REGION", "eu-west", "NODE_ID", "eu-west-1")));
    add(new Service("gateway", "gateway", httpBase + 80, clusterBase + 3, Map.of()));
    add(new Service("coordinator", "coordinator", httpBase, clusterBase + 4, Map.of()));
    add(new Service("strong", "strong", httpBase + 4, clusterBase + 5, Map.of()));
    String members = services.values().stream()
        .map(service -> "127.0.0.1:" + service.clusterPort())
        .collect(Collectors.joining(","));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CLUSTER_NAME", "system-test-" + UUID.randomUUID());
    env.put("CLUSTER_HOST", "127.0.0.1");
    env.put("CLUSTER_MEMBERS", members);
    env.put("DATA_DIR", Path.of("target", "system-test-data", env.get("CLUSTER_NAME")).toAbsolutePath().toString());
    env.putAll(extraEnv);
    this.commonEnv = env;
  }

  private void add(Service service) {
    services.put(service.name(), service);
  }

  /** Starts every service: the first alone, so it forms the cluster, then the rest; waits until all are healthy. */
  LabProcesses startAll() throws Exception {
    List<String> names = new ArrayList<>(services.keySet());
    requirePortsFree();
    System.out.println("System-test service logs: " + logDir.toAbsolutePath());
    for (String name : names) {
      // A restart within one run appends to the log; a new run starts it afresh.
      Files.deleteIfExists(logDir.resolve(name + ".log"));
    }
    start(names.get(0));
    awaitHealthy(names.get(0));
    for (String name : names.subList(1, names.size())) {
      start(name);
    }
    for (String name : names) {
      awaitHealthy(name);
    }
    return this;
  }

  /**
   * Checks that every HTTP and Hazelcast port of the services is free on 127.0.0.1, and throws
   * IllegalStateException naming the ports in use otherwise. A port taken by another test cluster
   * would let this run's health checks reach that cluster's services while its own processes fail
   * to bind.
   */
  private void requirePortsFree() {
    List<String> portsInUse = new ArrayList<>();
    for (Service service : services.values()) {
      for (int port : List.of(service.httpPort(), service.clusterPort())) {
        try {
          new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
        } catch (IOException e) {
          portsInUse.add(service.name() + " " + port);
        }
      }
    }
    if (!portsInUse.isEmpty()) {
      throw new IllegalStateException("ports of the test cluster are in use on 127.0.0.1: " + portsInUse
          + ". Another test cluster may be running. Stop it, or choose other ports with -Dlab.test.http-base and"
          + " -Dlab.test.cluster-base.");
    }
  }

  /** Starts one service process. */
  void start(String name) throws IOException {
    Service service = services.get(name);
    Files.createDirectories(logDir);
    ProcessBuilder builder = new ProcessBuilder(
        javaBinary(), "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-jar", jar.toString(), service.kind());
    builder.environment().putAll(commonEnv);
    builder.environment().putAll(service.env());
    builder.environment().put("HTTP_PORT", String.valueOf(service.httpPort()));
    builder.environment().put("CLUSTER_PORT", String.valueOf(service.clusterPort()));
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
    processes.put(name, builder.start());
  }

  /** Waits until {@code /health} of the service returns 200; fails with the end of its log otherwise. */
  void awaitHealthy(String name) throws Exception {
    long deadline = System.nanoTime() + HEALTH_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Process process = processes.get(name);
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(name + " exited with status " + process.exitValue() + ":\n" + logTail(name));
      }
      if (healthStatus(name) == 200) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(name + " was not healthy within " + HEALTH_TIMEOUT + ":\n" + logTail(name));
  }

  /** Returns the HTTP status of the service's {@code /health}, or -1 when it does not answer. */
  int healthStatus(String name) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(url(name, "/health"))).timeout(Duration.ofSeconds(2)).build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Stops a service with SIGTERM and waits for it to exit, then SIGKILL after 15 s. */
  void stop(String name) throws InterruptedException {
    Process process = processes.remove(name);
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** Kills a service with SIGKILL, as a crash would. */
  void kill(String name) throws InterruptedException {
    Process process = processes.remove(name);
    if (process != null) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** Returns whether this object started the service and its process has not exited. */
  boolean isRunning(String name) {
    Process process = processes.get(name);
    return process != null && process.isAlive();
  }

  /** Returns the PID of a running service. */
  long pid(String name) {
    return processes.get(name).pid();
  }

  /** Returns the folder of the region nodes' store files ({@code DATA_DIR}), one per test run. */
  Path dataDir() {
    return Path.of(commonEnv.get("DATA_DIR"));
  }

  /** Returns the store file of a region service: {@code DATA_DIR/<NODE_ID>.mv.db}. */
  Path storeFile(String name) {
    return dataDir().resolve(services.get(name).env().get("NODE_ID") + ".mv.db");
  }

  /**
   * Returns the folder of this run's service logs, {@code target/system-test-logs/<start time>-<pid>}.
   * Each run has its own, so runs that overlap, such as a second suite on other ports, keep their
   * logs apart.
   */
  Path logDir() {
    return logDir;
  }

  /** Returns the base URL of a service followed by {@code path}. */
  String url(String name, String path) {
    return "http://127.0.0.1:" + services.get(name).httpPort() + path;
  }

  /** Returns the last 40 lines of a service's log. */
  String logTail(String name) {
    try {
      List<String> lines = Files.readAllLines(logDir.resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (String name : new ArrayList<>(processes.keySet())) {
      stop(name);
    }
  }

  /** Returns the name of this run's log folder: the test JVM's local start time and PID, such as {@code 20261204-235501-4242}. */
  private static String runFolderName() {
    ProcessHandle self = ProcessHandle.current();
    Instant startedAt = self.info().startInstant().orElseGet(Instant::now);
    return RUN_FOLDER_TIME.format(startedAt.atZone(ZoneId.systemDefault())) + "-" + self.pid();
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
