package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import lab.counter.common.config.ConfigKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks {@code docker-compose.yml} and {@code monitoring/prometheus/prometheus.yml} against the
 * services themselves, without Docker: every environment variable an application service gets is
 * one the services read, healthchecks call {@code /health} on the service's own HTTP port, host
 * ports match the lab's table ({@code ./lab help}), and Prometheus scrapes exactly the application
 * services by compose name and container port. It also checks that the {@code Dockerfile} copies
 * every Maven module and runs the jar as a non-root user.
 */
class ComposeFileTest {

  /** One application service as {@code ./lab} runs it: its kind and its HTTP and Hazelcast ports. */
  record LabService(String name, String kind, int httpPort, int clusterPort) {
    boolean isRegion() {
      return kind.equals("region");
    }
  }

  private static final List<LabService> LAB_SERVICES = List.of(
      new LabService("gateway", "gateway", 8080, 5701),
      new LabService("coordinator", "coordinator", 8000, 5702),
      new LabService("us-east", "region", 8001, 5703),
      new LabService("us-west", "region", 8002, 5704),
      new LabService("eu-west", "region", 8003, 5705),
      new LabService("strong", "strong", 8004, 5706));
  private static final List<String> REGIONS = List.of("us-east", "us-west", "eu-west");
  private static final String FIRST_REGION = "us-east";
  /** Folder of a region node's store inside its container. */
  private static final String DATA_DIR = "/app/data";

  /** Variables the JVM itself reads. */
  private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");
  /** Prefix of the standard OpenTelemetry SDK variables, which the SDK reads itself. */
  private static final String OTEL_PREFIX = "OTEL_";

  private static Path repositoryRoot;
  private static Map<String, Object> compose;
  private static Map<String, Object> services;
  private static Map<String, Object> prometheus;

  @BeforeAll
  static void loadFiles() throws IOException {
    repositoryRoot = findRepositoryRoot();
    compose = load(repositoryRoot.resolve("docker-compose.yml"));
    services = map(compose.get("services"), "services");
    prometheus = load(repositoryRoot.resolve("monitoring/prometheus/prometheus.yml"));
  }

  static Stream<LabService> labServices() {
    return LAB_SERVICES.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void environmentVariablesAreReadByServices(LabService lab) throws IllegalAccessException {
    Set<String> configKeys = configKeyNames();
    for (String name : environment(lab.name()).keySet()) {
      boolean known = configKeys.contains(name) || name.startsWith(OTEL_PREFIX) || JVM_VARIABLES.contains(name);
      assertThat(known)
          .as("%s sets %s, which is neither a ConfigKeys name nor an OTEL_* or JVM variable", lab.name(), name)
          .isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void environmentMatchesLabTable(LabService lab) {
    Map<String, String> env = environment(lab.name());
    assertThat(env).as("%s environment", lab.name())
        .containsEntry("HTTP_PORT", String.valueOf(lab.httpPort()))
        .containsEntry("HTTP_HOST", "0.0.0.0")
        .containsEntry("CLUSTER_PORT", String.valueOf(lab.clusterPort()))
        .containsEntry("OTEL_SERVICE_NAME", lab.name());
    if (lab.isRegion()) {
      assertThat(env).as("%s environment", lab.name())
          .containsEntry("REGION", lab.name())
          .containsEntry("NODE_ID", lab.name() + "-1");
    } else {
      assertThat(env).as("%s environment", lab.name()).doesNotContainKeys("REGION", "NODE_ID");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void clusterMembersListEveryServiceByName(LabService lab) {
    List<String> expected = LAB_SERVICES.stream().map(s -> s.name() + ":" + s.clusterPort()).toList();
    List<String> members = Arrays.stream(environment(lab.name()).get("CLUSTER_MEMBERS").split(","))
        .map(String::trim)
        .toList();
    assertThat(members).as("%s CLUSTER_MEMBERS", lab.name()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void commandIsServiceKind(LabService lab) {
    Map<String, Object> service = service(lab.name());
    assertThat(service.get("command")).as("%s command", lab.name()).isEqualTo(List.of(lab.kind()));
    assertThat(service.get("build")).as("%s is built from this repository", lab.name()).isEqualTo(".");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void hostPortMatchesLabTable(LabService lab) {
    List<PortMapping> ports = ports(lab.name());
    assertThat(ports).as("%s ports", lab.name())
        .containsExactly(new PortMapping("127.0.0.1", lab.httpPort(), lab.httpPort()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void healthcheckCallsHealthOnOwnPort(LabService lab) {
    Map<String, Object> healthcheck = map(service(lab.name()).get("healthcheck"), lab.name() + ".healthcheck");
    List<String> test = strings(healthcheck.get("test"), lab.name() + ".healthcheck.test");
    assertThat(test.get(0)).as("%s healthcheck form", lab.name()).isEqualTo("CMD");

    List<String> urls = test.stream().filter(word -> word.startsWith("http://")).toList();
    assertThat(urls).as("%s healthcheck URLs", lab.name()).hasSize(1);
    URI url = URI.create(urls.get(0));
    assertThat(url.getHost()).as("%s healthcheck host", lab.name()).isEqualTo("127.0.0.1");
    assertThat(url.getPort()).as("%s healthcheck port", lab.name()).isEqualTo(lab.httpPort());
    assertThat(url.getPath()).as("%s healthcheck path", lab.name()).isEqualTo("/health");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void startsAfterTheServicesItNeeds(LabService lab) {
    Set<String> expected;
    if (lab.name().equals(FIRST_REGION)) {
      expected = Set.of();
    } else if (lab.isRegion()) {
      expected = Set.of(FIRST_REGION);
    } else {
      expected = Set.copyOf(REGIONS);
    }

    Object dependsOn = service(lab.name()).get("depends_on");
    Map<String, Object> dependencies = dependsOn == null ? Map.of() : map(dependsOn, lab.name() + ".depends_on");
    assertThat(dependencies.keySet()).as("%s depends_on", lab.name()).isEqualTo(expected);
    for (String dependency : expected) {
      Map<String, Object> condition = map(dependencies.get(dependency), lab.name() + ".depends_on." + dependency);
      assertThat(condition).as("%s waits for %s", lab.name(), dependency)
          .containsEntry("condition", "service_healthy");
    }
  }

  @Test
  void monitoringPortsMatchLabTable() {
    assertThat(ports("jaeger")).contains(new PortMapping("127.0.0.1", 16686, 16686));
    assertThat(ports("prometheus")).containsExactly(new PortMapping("127.0.0.1", 9090, 9090));
    assertThat(ports("grafana")).containsExactly(new PortMapping("127.0.0.1", 3001, 3000));
    assertThat(environment("jaeger")).containsEntry("COLLECTOR_OTLP_ENABLED", "true");
  }

  @Test
  void prometheusMountsTestedConfiguration() {
    List<String> volumes = strings(service("prometheus").get("volumes"), "prometheus.volumes");
    assertThat(volumes).contains("./monitoring/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
  }

  @Test
  void k6ServiceMountsScriptsUnderProfile() {
    Map<String, Object> k6 = service("lab34-k6");
    assertThat(strings(k6.get("profiles"), "lab34-k6.profiles")).containsExactly("k6");
    assertThat(strings(k6.get("volumes"), "lab34-k6.volumes")).containsExactly("./k6:/scripts:ro");
    for (String script : List.of("basic.js", "comparison.js", "partition.js")) {
      assertThat(repositoryRoot.resolve("k6").resolve(script)).as("k6 script").isRegularFile();
    }
  }

  @Test
  void prometheusScrapesEveryServiceByComposeName() {
    Map<String, String> jobByTarget = new LinkedHashMap<>();
    Map<String, Map<String, Object>> labelsByTarget = new LinkedHashMap<>();
    for (Object item : list(prometheus.get("scrape_configs"), "scrape_configs")) {
      Map<String, Object> job = map(item, "scrape_configs[]");
      String jobName = (String) job.get("job_name");
      assertThat(job.getOrDefault("metrics_path", "/metrics")).as("job %s metrics_path", jobName).isEqualTo("/metrics");
      for (Object group : list(job.get("static_configs"), jobName + ".static_configs")) {
        Map<String, Object> staticConfig = map(group, jobName + ".static_configs[]");
        Object labels = staticConfig.get("labels");
        for (String target : strings(staticConfig.get("targets"), jobName + ".targets")) {
          assertThat(jobByTarget.put(target, jobName)).as("target %s is scraped once", target).isNull();
          labelsByTarget.put(target, labels == null ? Map.of() : map(labels, jobName + ".labels"));
        }
      }
    }

    Set<String> expectedTargets = LAB_SERVICES.stream()
        .map(lab -> lab.name() + ":" + environment(lab.name()).get("HTTP_PORT"))
        .collect(Collectors.toSet());
    assertThat(jobByTarget.keySet()).as("Prometheus targets").isEqualTo(expectedTargets);
    for (LabService lab : LAB_SERVICES) {
      String target = lab.name() + ":" + lab.httpPort();
      assertThat(jobByTarget.get(target)).as("job of %s", target).isEqualTo(lab.kind());
      if (lab.isRegion()) {
        assertThat(labelsByTarget.get(target)).as("labels of %s", target).containsEntry("region", lab.name());
      }
    }
  }

  @Test
  void prometheusScrapesEveryFiveSeconds() {
    Map<String, Object> global = map(prometheus.get("global"), "global");
    assertThat(global).containsEntry("scrape_interval", "5s");
    for (Object item : list(prometheus.get("scrape_configs"), "scrape_configs")) {
      Map<String, Object> job = map(item, "scrape_configs[]");
      assertThat(job.getOrDefault("scrape_interval", "5s")).as("job %s scrape_interval", job.get("job_name")).isEqualTo("5s");
    }
  }

  @Test
  void dockerfileCopiesEveryModule() throws IOException {
    String pom = Files.readString(repositoryRoot.resolve("pom.xml"));
    // Modules of profiles (such as the benchmarks) are not part of the default build the image runs.
    int profiles = pom.indexOf("<profiles>");
    String defaultBuild = profiles < 0 ? pom : pom.substring(0, profiles);
    List<String> dockerfile = Files.readAllLines(repositoryRoot.resolve("Dockerfile"));
    Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(defaultBuild);
    int count = 0;
    while (modules.find()) {
      String module = modules.group(1).trim();
      assertThat(dockerfile).as("Dockerfile copies module %s", module).contains("COPY " + module + " " + module);
      count++;
    }
    assertThat(count).as("modules in pom.xml").isPositive();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("labServices")
  void regionStoreIsOnNamedVolume(LabService lab) {
    if (!lab.isRegion()) {
      assertThat(environment(lab.name())).as("%s environment", lab.name()).doesNotContainKey("DATA_DIR");
      return;
    }
    String volume = lab.name() + "-data";
    assertThat(environment(lab.name())).as("%s environment", lab.name()).containsEntry("DATA_DIR", DATA_DIR);
    assertThat(strings(service(lab.name()).get("volumes"), lab.name() + ".volumes")).containsExactly(volume + ":" + DATA_DIR);
    assertThat(map(compose.get("volumes"), "volumes")).as("top-level volumes").containsKey(volume);
  }

  @Test
  void dockerfileCreatesDataDirForServiceUser() throws IOException {
    List<String> dockerfile = Files.readAllLines(repositoryRoot.resolve("Dockerfile"));
    String user = dockerfile.stream().filter(line -> line.startsWith("USER ")).reduce((first, last) -> last).orElseThrow()
        .substring("USER ".length()).trim();

    assertThat(dockerfile).as("a RUN line creates %s owned by %s", DATA_DIR, user)
        .anyMatch(line -> line.startsWith("RUN mkdir " + DATA_DIR) && line.contains("chown " + user + ":" + user + " " + DATA_DIR));
  }

  @Test
  void dockerfileRunsJarAsNonRoot() throws IOException {
    List<String> dockerfile = Files.readAllLines(repositoryRoot.resolve("Dockerfile"));
    List<String> users = dockerfile.stream().filter(line -> line.startsWith("USER ")).toList();
    assertThat(users).as("USER lines").isNotEmpty();
    assertThat(users.get(users.size() - 1)).as("last USER").isNotIn("USER root", "USER 0");
    assertThat(dockerfile).as("ENTRYPOINT runs the jar")
        .anyMatch(line -> line.startsWith("ENTRYPOINT [") && line.contains("\"java\"")
            && line.contains("\"-jar\", \"/app/counter-lab.jar\"]"));
  }

  // --- Reading the files ---------------------------------------------------------------------

  /** A published port: host address, host port and container port. */
  record PortMapping(String hostIp, int hostPort, int containerPort) {}

  private static Set<String> configKeyNames() throws IllegalAccessException {
    Set<String> names = new HashSet<>();
    for (Field field : ConfigKeys.class.getFields()) {
      int modifiers = field.getModifiers();
      if (Modifier.isStatic(modifiers) && field.getType() == ConfigKeys.Key.class) {
        names.add(((ConfigKeys.Key) field.get(null)).name());
      }
    }
    assertThat(names).as("ConfigKeys declares keys").contains("HTTP_PORT", "CLUSTER_MEMBERS");
    return names;
  }

  private static Map<String, Object> service(String name) {
    assertThat(services).as("docker-compose.yml services").containsKey(name);
    return map(services.get(name), "services." + name);
  }

  /** Returns the service's environment, given either as a map or as a list of NAME=VALUE. */
  private static Map<String, String> environment(String name) {
    Object environment = service(name).get("environment");
    Map<String, String> result = new LinkedHashMap<>();
    if (environment instanceof Map<?, ?> entries) {
      entries.forEach((key, value) -> result.put(String.valueOf(key), value == null ? null : String.valueOf(value)));
    } else if (environment instanceof List<?> entries) {
      for (Object entry : entries) {
        String text = String.valueOf(entry);
        int equals = text.indexOf('=');
        result.put(equals < 0 ? text : text.substring(0, equals), equals < 0 ? null : text.substring(equals + 1));
      }
    }
    return result;
  }

  /** Parses the short port syntax, [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL], and the long one. */
  private static List<PortMapping> ports(String name) {
    List<PortMapping> result = new ArrayList<>();
    for (Object entry : list(service(name).get("ports"), name + ".ports")) {
      if (entry instanceof Map<?, ?> longSyntax) {
        result.add(new PortMapping(
            String.valueOf(longSyntax.get("host_ip")),
            Integer.parseInt(String.valueOf(longSyntax.get("published"))),
            Integer.parseInt(String.valueOf(longSyntax.get("target")))));
        continue;
      }
      String text = String.valueOf(entry).replaceFirst("/tcp$", "");
      String[] parts = text.split(":");
      assertThat(parts.length).as("%s port '%s' names host and container port", name, text).isBetween(2, 3);
      String hostIp = parts.length == 3 ? parts[0] : "0.0.0.0";
      result.add(new PortMapping(hostIp, Integer.parseInt(parts[parts.length - 2]), Integer.parseInt(parts[parts.length - 1])));
    }
    return result;
  }

  private static Map<String, Object> load(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file)) {
      return map(new Yaml().load(reader), file.toString());
    }
  }

  private static Path findRepositoryRoot() {
    Path directory = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (directory != null && !Files.isRegularFile(directory.resolve("docker-compose.yml"))) {
      directory = directory.getParent();
    }
    assertThat(directory).as("a directory above %s contains docker-compose.yml", System.getProperty("user.dir")).isNotNull();
    return directory;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String where) {
    assertThat(value).as("%s is a mapping", where).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  private static List<?> list(Object value, String where) {
    assertThat(value).as("%s is a list", where).isInstanceOf(List.class);
    return (List<?>) value;
  }

  private static List<String> strings(Object value, String where) {
    return list(value, where).stream().map(String::valueOf).toList();
  }
}
