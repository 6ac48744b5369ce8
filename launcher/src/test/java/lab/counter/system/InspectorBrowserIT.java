package lab.counter.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The inspector page in headless Chromium: runs {@code e2e/inspector.test.mjs} (Node, playwright-core,
 * Debian's {@code /usr/bin/chromium}) against the shared cluster's gateway and fails when it fails.
 * Its screenshots go to {@code target/inspector-screenshots/} and its output to
 * {@code target/inspector-e2e.log}. Missing tools fail the test, with the command that installs them.
 */
@ExtendWith(SharedCluster.class)
class InspectorBrowserIT {

  private static final Path E2E_DIR = Path.of("..", "e2e").toAbsolutePath().normalize();
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final int MIN_NODE_MAJOR = 20;
  private static final Duration TIMEOUT = Duration.ofMinutes(6);
  private static final String INSTALL_HINT = "the browser test needs Node.js " + MIN_NODE_MAJOR
      + " or newer with npm on PATH (Debian 12's nodejs package is 18, too old), then "
      + "`apt-get install -y --no-install-recommends chromium` and `(cd e2e && npm ci)`, as .ci/run does";
  private static final List<String> SCREENSHOTS = List.of(
      "01-open", "02-synced", "03-partitioned", "04-healed", "05-paused-filtered", "06-compare", "07-load");

  @Test
  @DisplayName("inspector page passes its browser tests against the cluster")
  void browserTests(LabProcesses lab) throws Exception {
    String node = requireNode();
    assertThat(Files.isExecutable(CHROMIUM)).as(CHROMIUM + " is missing; " + INSTALL_HINT).isTrue();
    assertThat(E2E_DIR.resolve("node_modules/playwright-core/package.json"))
        .as("playwright-core is not installed in " + E2E_DIR + "; " + INSTALL_HINT)
        .exists();

    Path screenshots = Path.of("target", "inspector-screenshots").toAbsolutePath();
    Path log = Path.of("target", "inspector-e2e.log").toAbsolutePath();
    Files.createDirectories(screenshots);
    for (String name : SCREENSHOTS) {
      Files.deleteIfExists(screenshots.resolve(name + ".png"));
    }

    ProcessBuilder builder = new ProcessBuilder(
        node, "inspector.test.mjs", lab.url("gateway", "/inspector"), screenshots.toString())
        .directory(E2E_DIR.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    long startedAt = System.nanoTime();
    Process process = builder.start();
    String output;
    try {
      boolean finished = process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (!finished) {
        stopWithDescendants(process);
        fail("node inspector.test.mjs did not finish within " + TIMEOUT + "; output:\n" + Files.readString(log));
      }
      output = Files.readString(log, StandardCharsets.UTF_8);
    } finally {
      stopWithDescendants(process);
      // The browser test heals what it isolates; this covers a run that was killed half-way.
      Http.post(lab.url("gateway", "/admin/partition/us-east?enabled=false"));
    }
    System.out.printf("node inspector.test.mjs finished in %d s:%n%s%n",
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt), output);

    assertThat(process.exitValue()).as("node inspector.test.mjs failed; output:\n" + output).isZero();
    assertThat(output).as("no test ran:\n" + output).containsPattern("(?m)^# pass [1-9]");
    assertThat(output).contains("# fail 0");
    for (String name : SCREENSHOTS) {
      assertThat(screenshots.resolve(name + ".png")).as("screenshot " + name).isNotEmptyFile();
    }
  }

  /** Returns the path of {@code node} on PATH, failing when it is missing or older than {@value #MIN_NODE_MAJOR}. */
  private static String requireNode() throws IOException, InterruptedException {
    String node = null;
    for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(directory, "node");
      if (!directory.isEmpty() && Files.isExecutable(candidate)) {
        node = candidate.toString();
        break;
      }
    }
    if (node == null) {
      fail("node is not on PATH; " + INSTALL_HINT);
    }
    Process version = new ProcessBuilder(node, "--version").redirectErrorStream(true).start();
    String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    version.waitFor(10, TimeUnit.SECONDS);
    Matcher major = Pattern.compile("^v(\\d+)\\.").matcher(text);
    assertThat(major.find()).as("unexpected `node --version` output: " + text).isTrue();
    assertThat(Integer.parseInt(major.group(1)))
        .as("node " + text + " is too old; playwright-core needs " + MIN_NODE_MAJOR + " or newer; " + INSTALL_HINT)
        .isGreaterThanOrEqualTo(MIN_NODE_MAJOR);
    return node;
  }

  /** Stops the process and its children (node's Chromium) by their handles: SIGTERM, then SIGKILL after 10 s. */
  private static void stopWithDescendants(Process process) throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    descendants.forEach(ProcessHandle::destroy);
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    for (ProcessHandle child : descendants) {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }
}
