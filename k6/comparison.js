// Eventual vs strong writes under the same load. The "eventual" scenario increments through the
// gateway, and one region acknowledges each write. The "strong" scenario then increments on the
// strong counter, which acknowledges a write only after every region applied it. Each scenario
// tags its requests with `consistency`, and the thresholds below are per tag, so the end-of-test
// summary lists the two latency distributions and error rates side by side.
//   docker compose run --rm lab34-k6 run /scripts/comparison.js
// BASE_URL (default http://gateway:8080), STRONG_URL (default http://strong:8004), VUS (default 5)
// and PHASE_DURATION (default 20s, per scenario) override the defaults.
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://gateway:8080';
const STRONG_URL = __ENV.STRONG_URL || 'http://strong:8004';
const VUS = Number(__ENV.VUS || 5);
const PHASE_DURATION = __ENV.PHASE_DURATION || '20s';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

const eventualWriteMs = new Trend('eventual_write_ms', true);
const strongWriteMs = new Trend('strong_write_ms', true);

// The strong scenario starts after the eventual one ends plus a 5 s gap, so they never overlap.
function secondsOf(duration) {
  const match = /^(\d+)s$/.exec(duration);
  if (!match) {
    throw new Error(`PHASE_DURATION must be whole seconds such as 20s, was '${duration}'`);
  }
  return Number(match[1]);
}

export const options = {
  scenarios: {
    eventual: {
      executor: 'constant-vus',
      exec: 'eventualWrite',
      vus: VUS,
      duration: PHASE_DURATION,
      tags: { consistency: 'eventual' },
    },
    strong: {
      executor: 'constant-vus',
      exec: 'strongWrite',
      vus: VUS,
      duration: PHASE_DURATION,
      startTime: `${secondsOf(PHASE_DURATION) + 5}s`,
      tags: { consistency: 'strong' },
    },
  },
  thresholds: {
    'http_req_duration{consistency:eventual}': ['p(95)<500'],
    'http_req_duration{consistency:strong}': ['p(95)<2000'],
    'http_req_failed{consistency:eventual}': ['rate<0.01'],
    'http_req_failed{consistency:strong}': ['rate<0.01'],
    'checks{consistency:eventual}': ['rate>0.99'],
    'checks{consistency:strong}': ['rate>0.99'],
  },
};

export function eventualWrite() {
  const response = http.post(
    `${BASE_URL}/api/increment`,
    JSON.stringify({ counter_name: 'k6_compare_eventual', amount: 1 }),
    { headers: JSON_HEADERS },
  );
  eventualWriteMs.add(response.timings.duration);
  check(response, {
    'eventual status is 200': (r) => r.status === 200,
    'eventual reply names its region': (r) => typeof r.json('region') === 'string',
    'eventual local_count is positive': (r) => r.json('local_count') > 0,
  });
}

export function strongWrite() {
  const response = http.post(
    `${STRONG_URL}/increment`,
    JSON.stringify({ counter_name: 'k6_compare_strong', amount: 1 }),
    { headers: JSON_HEADERS },
  );
  strongWriteMs.add(response.timings.duration);
  check(response, {
    'strong status is 200': (r) => r.status === 200,
    'strong value is positive': (r) => r.json('value') > 0,
    'strong write reached every region': (r) => (r.json('regions') || []).length === 3,
  });
}
