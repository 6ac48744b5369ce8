package lab.counter.common.config;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Typed access to a service's configuration, read from environment variables. Every key and its
 * default is declared in {@link ConfigKeys}. Invalid values fail the start-up with a message that
 * names the variable, the value and what is expected.
 */
public final class Settings {

  private final Map<String, String> values;

  /** Creates settings over a fixed map, as tests do. */
  public Settings(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** Creates settings from this process's environment variables. */
  public static Settings fromEnvironment() {
    return new Settings(System.getenv());
  }

  /** Returns the value of {@code key}, or its declared default when unset or blank. */
  public String string(ConfigKeys.Key key) {
    String value = values.get(key.name());
    if (value == null || value.isBlank()) {
      return key.defaultValue();
    }
    return value.trim();
  }

  /**
   * Returns the value of {@code key} as a {@code long} within {@code [min, max]}.
   *
   * @throws IllegalArgumentException if the value is not an integer in that range
   */
  public long number(ConfigKeys.Key key, long min, long max) {
    String raw = string(key);
    long value;
    try {
      value = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw invalid(key, raw, "an integer from " + min + " to " + max);
    }
    if (value < min || value > max) {
      throw invalid(key, raw, "an integer from " + min + " to " + max);
    }
    return value;
  }

  /** Returns {@code key} as an int within {@code [min, max]}, see {@link #number}. */
  public int integer(ConfigKeys.Key key, int min, int max) {
    return (int) number(key, min, max);
  }

  /** Returns {@code key} as a TCP port, or {@code fallback} when unset. */
  public int port(ConfigKeys.Key key, int fallback) {
    String raw = values.get(key.name());
    return raw == null || raw.isBlank() ? fallback : integer(key, 0, 65535);
  }

  /** Returns a comma-separated value as a list of trimmed, non-empty items. */
  public List<String> list(ConfigKeys.Key key) {
    return Arrays.stream(string(key).split(","))
        .map(String::trim)
        .filter(item -> !item.isEmpty())
        .collect(Collectors.toUnmodifiableList());
  }

  /** Returns a boolean value: {@code true}/{@code false}, case-insensitive. */
  public boolean bool(ConfigKeys.Key key) {
    String raw = string(key);
    if ("true".equalsIgnoreCase(raw)) {
      return true;
    }
    if ("false".equalsIgnoreCase(raw)) {
      return false;
    }
    throw invalid(key, raw, "true or false");
  }

  /**
   * Returns the value of a key that has no default.
   *
   * @throws IllegalArgumentException if it is unset
   */
  public String required(ConfigKeys.Key key) {
    String value = string(key);
    if (value == null) {
      throw new IllegalArgumentException("missing environment variable " + key.name() + ": " + key.description());
    }
    return value;
  }

  /** Returns a copy of these settings with {@code key} set to {@code value}. */
  public Settings with(ConfigKeys.Key key, String value) {
    Map<String, String> copy = new java.util.HashMap<>(values);
    copy.put(key.name(), Objects.requireNonNull(value));
    return new Settings(copy);
  }

  private static IllegalArgumentException invalid(ConfigKeys.Key key, String raw, String expected) {
    return new IllegalArgumentException(
        "invalid value for " + key.name() + ": '" + raw + "' (expected " + expected + "; " + key.description() + ")");
  }
}
