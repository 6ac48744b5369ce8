package lab.counter.region;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lab.counter.common.crdt.GCounter;
import lab.counter.common.metrics.MetricNames;

/**
 * The counter node's own meters: totals over every counter, the increment count, and per-counter
 * gauges for the most active counters only, so that a client creating a million counter names
 * cannot create a million series. The node id and region come from the registry's common tags.
 */
final class RegionMetrics {

  private final MeterRegistry registry;
  private final CounterStore store;
  private final String nodeId;
  private final Counter increments;
  private final TopCounters top;
  private final Map<String, List<Meter>> topMeters = new HashMap<>();

  RegionMetrics(MeterRegistry registry, CounterStore store, String nodeId, int topCounters) {
    this.registry = registry;
    this.store = store;
    this.nodeId = nodeId;
    this.top = new TopCounters(topCounters);
    this.increments = Counter.builder(MetricNames.INCREMENTS)
        .description("Increments accepted by this node")
        .register(registry);
    Gauge.builder(MetricNames.LOCAL_COUNT, store, CounterStore::ownTotal)
        .description("This node's own contribution, summed over every counter")
        .register(registry);
    Gauge.builder(MetricNames.SYNCED_COUNT, store, CounterStore::mergedTotal)
        .description("The merged total this node sees, summed over every counter")
        .register(registry);
    Gauge.builder(MetricNames.COUNTERS, store, CounterStore::size)
        .description("Counters held by this node")
        .register(registry);
  }

  /** Counts an accepted increment of {@code name}. */
  void onIncrement(String name) {
    increments.increment();
    top.record(name);
  }

  /** Registers gauges for counters that became most active and removes those of counters that left the set. */
  void refreshTopCounters() {
    Set<String> current = top.names();
    topMeters.keySet().removeIf(name -> {
      if (current.contains(name)) {
        return false;
      }
      topMeters.get(name).forEach(registry::remove);
      return true;
    });
    for (String name : current) {
      topMeters.computeIfAbsent(name, this::registerTopGauges);
    }
  }

  private List<Meter> registerTopGauges(String name) {
    Gauge local = Gauge.builder(MetricNames.TOP_LOCAL_COUNT, () -> slot(name, true))
        .description("This node's slot of one of the most active counters")
        .tag(MetricNames.TAG_COUNTER, name)
        .register(registry);
    Gauge synced = Gauge.builder(MetricNames.TOP_SYNCED_COUNT, () -> slot(name, false))
        .description("The merged value of one of the most active counters")
        .tag(MetricNames.TAG_COUNTER, name)
        .register(registry);
    return List.of(local, synced);
  }

  private double slot(String name, boolean ownSlotOnly) {
    GCounter counter = store.get(name);
    if (counter == null) {
      return 0;
    }
    return ownSlotOnly ? counter.get(nodeId) : counter.value();
  }
}
