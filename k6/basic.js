// Basic load: ramping virtual users increment a counter through the gateway and read its global
// view. Run it in the compose network:
//   docker compose run --rm lab34-k6 run /scripts/basic.js
// BASE_URL (default http://gateway:8080) and COUNTER_NAME (default k6_basic) override the target.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://gateway:8080';
const COUNTER_NAME = __ENV.COUNTER_NAME || 'k6_basic';
const REGIONS = ['us-east', 'us-west', 'eu-west'];
const JSON_HEADERS = { headers: { 'Content-Type': 'application/json' } };

const incrementsAccepted = new Counter('increments_accepted');

export const options = {
  scenarios: {
    ramping_increments: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '10s', target: 10 },
        { duration: '30s', target: 10 },
        { duration: '10s', target: 0 },
      ],
      gracefulRampDown: '5s',
    },
  },
  thresholds: {
    'http_req_duration{name:increment}': ['p(95)<500'],
    'http_req_duration{name:global_view}': ['p(95)<1000'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  group('increment', () => {
    const response = http.post(
      `${BASE_URL}/api/increment`,
      JSON.stringify({ counter_name: COUNTER_NAME, amount: 1 }),
      { ...JSON_HEADERS, tags: { name: 'increment' } },
    );
    const accepted = check(response, {
      'increment status is 200': (r) => r.status === 200,
      'increment names a region': (r) => REGIONS.includes(r.json('region')),
      'increment local_count is positive': (r) => r.json('local_count') > 0,
      'increment total_count >= local_count': (r) => r.json('total_count') >= r.json('local_count'),
    });
    if (accepted) {
      incrementsAccepted.add(1);
    }
  });

  group('global view', () => {
    const response = http.get(`${BASE_URL}/api/counter/${COUNTER_NAME}`, { tags: { name: 'global_view' } });
    check(response, {
      'global view status is 200': (r) => r.status === 200,
      'global_count is positive': (r) => r.json('global_count') > 0,
      'convergence.converged is a boolean': (r) => typeof r.json('convergence.converged') === 'boolean',
      'every region reports total_count': (r) =>
        REGIONS.every((region) => Number.isInteger(r.json(`regions.${region}.total_count`))),
    });
  });

  sleep(0.5);
}
