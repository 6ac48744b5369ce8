// Runs the k6 scripts' requests against a running lab (`./lab up --detach`) through stand-ins for
// the k6 modules. Each test asserts that every request got a 2xx status, that every JSON field the
// script reads exists and that every check holds. This proves the scripts match the API, but it
// measures no load.
//   node --test k6/test/
// Requests go to 127.0.0.1 only: the gateway on 8080 and the strong counter on 8004.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { register } from 'node:module';
import { before, beforeEach, test } from 'node:test';
import { recorder, resetRecorder } from './stubs/recorder.mjs';

register('./stubs/loader.mjs', import.meta.url);

// Short phases: a few seconds of each script, not a load test.
globalThis.__ENV = {
  BASE_URL: 'http://127.0.0.1:8080',
  STRONG_URL: 'http://127.0.0.1:8004',
  COUNTER_NAME: `k6_node_test_${Date.now()}`,
  PHASE_DURATION: '1s',
  LOAD_SECONDS: '2',
  BATCH_SIZE: '5',
  CONVERGE_TIMEOUT_SECONDS: '30',
};

const ITERATIONS = 3;

before(() => {
  for (const url of ['http://127.0.0.1:8080/health', 'http://127.0.0.1:8004/health']) {
    try {
      execFileSync('curl', ['-fsS', '--noproxy', '*', '--max-time', '5', '-o', '/dev/null', url]);
    } catch {
      assert.fail(`${url} did not return 200; start the lab with ./lab up --detach first`);
    }
  }
});

beforeEach(() => resetRecorder());

function assertScriptRanCleanly() {
  assert.ok(recorder.requests.length > 0, 'the script sent no request');
  const failedRequests = recorder.requests.filter((r) => r.status < 200 || r.status > 299);
  assert.deepEqual(failedRequests, [], 'every request returns a 2xx status');
  assert.deepEqual(recorder.missingFields, [], 'every JSON field the script reads exists');
  const failedChecks = recorder.checks.filter((c) => !c.passed).map((c) => c.name);
  assert.deepEqual(failedChecks, [], 'every check holds');
}

function pathsOf(requests) {
  return [...new Set(requests.map((r) => `${r.method} ${r.path}`))].sort();
}

test('basic.js increments and reads the global view', async () => {
  const script = await import('../basic.js');
  assert.equal(script.options.scenarios.ramping_increments.executor, 'ramping-vus');
  assert.ok(script.options.thresholds.http_req_failed, 'basic.js has an error-rate threshold');

  for (let i = 0; i < ITERATIONS; i++) {
    script.default();
  }

  assertScriptRanCleanly();
  assert.deepEqual(pathsOf(recorder.requests), [
    `GET /api/counter/${__ENV.COUNTER_NAME}`,
    'POST /api/increment',
  ]);
  assert.equal(recorder.metrics.get('increments_accepted').length, ITERATIONS);
});

test('comparison.js writes eventually and strongly', async () => {
  const script = await import('../comparison.js');
  const { eventual, strong } = script.options.scenarios;
  assert.equal(eventual.tags.consistency, 'eventual');
  assert.equal(strong.tags.consistency, 'strong');
  assert.equal(typeof script[eventual.exec], 'function', 'the eventual scenario runs an exported function');
  assert.equal(typeof script[strong.exec], 'function', 'the strong scenario runs an exported function');
  assert.ok(script.options.thresholds['http_req_duration{consistency:eventual}']);
  assert.ok(script.options.thresholds['http_req_duration{consistency:strong}']);

  for (let i = 0; i < ITERATIONS; i++) {
    script[eventual.exec]();
    script[strong.exec]();
  }

  assertScriptRanCleanly();
  assert.deepEqual(pathsOf(recorder.requests), ['POST /api/increment', 'POST /increment']);
  assert.ok(recorder.requests.some((r) => r.url.startsWith('http://127.0.0.1:8004/')), 'strong writes go to port 8004');
  assert.equal(recorder.metrics.get('eventual_write_ms').length, ITERATIONS);
  assert.equal(recorder.metrics.get('strong_write_ms').length, ITERATIONS);
});

test('partition.js converges on the accepted increments', async () => {
  const script = await import('../partition.js');
  try {
    script.default();
  } finally {
    script.teardown();
  }

  assertScriptRanCleanly();
  const paths = pathsOf(recorder.requests);
  for (const expected of ['POST /admin/partition/us-east', 'POST /admin/force-sync', 'POST /api/increment']) {
    assert.ok(paths.includes(expected), `partition.js sends ${expected}; it sent ${paths.join(', ')}`);
  }
  assert.ok((recorder.metrics.get('partition_increments_accepted') || []).length > 0, 'some increments were accepted');
  assert.equal(recorder.metrics.get('partition_increments_failed'), undefined, 'no increment failed');
});
