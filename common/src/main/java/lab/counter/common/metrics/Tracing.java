package lab.counter.common.metrics;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;
import java.util.Optional;
import lab.counter.common.cluster.ServiceIdentity;
import lab.counter.common.config.ConfigKeys;
import lab.counter.common.config.Settings;

/**
 * OpenTelemetry set-up from the standard {@code OTEL_*} environment variables. Tracing is on only
 * when an OTLP endpoint is configured; without one, no SDK is built and nothing about exporters is
 * logged. Only traces are exported: metrics go to Prometheus.
 */
public final class Tracing {

  private Tracing() {}

  /** Returns the SDK configured from the environment, or empty when tracing is off. */
  public static Optional<OpenTelemetrySdk> fromEnvironment(Settings settings, ServiceIdentity identity) {
    boolean endpointSet = settings.string(ConfigKeys.OTEL_EXPORTER_OTLP_ENDPOINT) != null
        || settings.string(ConfigKeys.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) != null;
    if (!endpointSet || settings.bool(ConfigKeys.OTEL_SDK_DISABLED)) {
      return Optional.empty();
    }
    // Defaults only: OTEL_* environment variables override every one of them.
    Map<String, String> defaults = Map.of(
        "otel.service.name", identity.nodeId(),
        "otel.metrics.exporter", "none",
        "otel.logs.exporter", "none",
        "otel.exporter.otlp.protocol", "http/protobuf");
    return Optional.of(AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults)
        .setResultAsGlobal()
        .build()
        .getOpenTelemetrySdk());
  }

  /** Returns a no-op instance, for code that needs an {@link OpenTelemetry} when tracing is off. */
  public static OpenTelemetry noop() {
    return OpenTelemetry.noop();
  }
}
