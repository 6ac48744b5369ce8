// Partition drill: isolate us-east, keep incrementing through the gateway, heal, force a sync, and
// check that the global view converges on exactly the number of increments that succeeded.
//   docker compose run --rm lab34-k6 run /scripts/partition.js
// One virtual user runs the drill in order. It sends increments in parallel batches with
// http.batch, so it generates concurrent load and still counts every success itself.
// BASE_URL (default http://gateway:8080), LOAD_SECONDS (default 20), BATCH_SIZE (default 10) and
// CONVERGE_TIMEOUT_SECONDS (default 30) override the defaults.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://gateway:8080';
const LOAD_SECONDS = Number(__ENV.LOAD_SECONDS || 20);
const BATCH_SIZE = Number(__ENV.BATCH_SIZE || 10);
const CONVERGE_TIMEOUT_SECONDS = Number(__ENV.CONVERGE_TIMEOUT_SECONDS || 30);
const ISOLATED_REGION = 'us-east';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

const incrementsAccepted = new Counter('partition_increments_accepted');
const incrementsFailed = new Counter('partition_increments_failed');
const convergenceMs = new Trend('partition_convergence_ms', true);

export const options = {
  scenarios: {
    drill: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '5m' },
  },
  thresholds: {
    // Every check must hold: the partition took effect, and the healed system converged exactly.
    checks: ['rate==1'],
    // Eventual writes stay available during the partition.
    partition_increments_failed: ['count==0'],
  },
};

function setPartition(enabled) {
  const response = http.post(`${BASE_URL}/admin/partition/${ISOLATED_REGION}?enabled=${enabled}`, null);
  check(response, {
    [`partition ${enabled ? 'on' : 'off'}: status is 200`]: (r) => r.status === 200,
    [`partition ${enabled ? 'on' : 'off'}: partitioned_regions is right`]: (r) =>
      (r.json('partitioned_regions') || []).includes(ISOLATED_REGION) === enabled,
  });
}

function globalView(counterName) {
  return http.get(`${BASE_URL}/api/counter/${counterName}`);
}

export default function () {
  // A fresh counter per run, so the expected total is exactly this run's successes.
  const counterName = `k6_partition_${Date.now()}`;
  let accepted = 0;

  group('partition us-east', () => setPartition(true));

  group('load during the partition', () => {
    const body = JSON.stringify({ counter_name: counterName, amount: 1 });
    const deadline = Date.now() + LOAD_SECONDS * 1000;
    while (Date.now() < deadline) {
      const requests = [];
      for (let i = 0; i < BATCH_SIZE; i++) {
        requests.push(['POST', `${BASE_URL}/api/increment`, body, { headers: JSON_HEADERS }]);
      }
      for (const response of http.batch(requests)) {
        if (response.status === 200 && response.json('local_count') > 0) {
          accepted++;
          incrementsAccepted.add(1);
        } else {
          incrementsFailed.add(1);
        }
      }
    }
    const view = globalView(counterName);
    check(view, {
      'during the partition: us-east reports network_partition': (r) =>
        r.json(`regions.${ISOLATED_REGION}.network_partition`) === true,
      'during the partition: regions have not converged': (r) => r.json('convergence.converged') === false,
    });
  });

  group('heal and force a sync', () => {
    setPartition(false);
    const response = http.post(`${BASE_URL}/admin/force-sync`, null);
    check(response, {
      'force-sync status is 200': (r) => r.status === 200,
      'force-sync synced every node': (r) => r.json('nodes_failed') === 0,
    });
  });

  group('convergence', () => {
    const healedAt = Date.now();
    let view = globalView(counterName);
    while (!(view.status === 200 && view.json('convergence.converged') === true && view.json('global_count') === accepted)
        && Date.now() - healedAt < CONVERGE_TIMEOUT_SECONDS * 1000) {
      sleep(0.5);
      view = globalView(counterName);
    }
    convergenceMs.add(Date.now() - healedAt);
    check(view, {
      'after healing: converged': (r) => r.json('convergence.converged') === true,
      'after healing: global_count equals the accepted increments': (r) => r.json('global_count') === accepted,
      'after healing: every region holds the total': (r) =>
        ['us-east', 'us-west', 'eu-west'].every((region) => r.json(`regions.${region}.total_count`) === accepted),
    });
  });
}

// Heals the partition even when the drill failed half-way, so the system is left as it was.
export function teardown() {
  http.post(`${BASE_URL}/admin/partition/${ISOLATED_REGION}?enabled=false`, null);
}
