// Stand-in for `k6/http`: sends each request with curl, synchronously as k6 does, to 127.0.0.1
// only. A response's json(selector) records every selector whose field is missing.
import { execFileSync } from 'node:child_process';
import { recorder } from './recorder.mjs';

const ALLOWED_HOST = '127.0.0.1';
const TIMEOUT_SECONDS = 30;

class Response {
  constructor(method, url, status, body, durationMs) {
    this.request = { method, url };
    this.status = status;
    this.body = body;
    this.timings = { duration: durationMs };
  }

  /** Returns the parsed body, or the value at a dot-separated selector such as `regions.us-east.nodes`. */
  json(selector) {
    let value;
    try {
      value = JSON.parse(this.body);
    } catch (error) {
      recorder.missingFields.push(`${this.describe()}: body is not JSON (${error.message})`);
      return undefined;
    }
    if (selector === undefined) {
      return value;
    }
    for (const key of selector.split('.')) {
      if (value === null || typeof value !== 'object' || !(key in value)) {
        recorder.missingFields.push(`${this.describe()}: no field '${selector}'`);
        return undefined;
      }
      value = value[key];
    }
    return value;
  }

  describe() {
    return `${this.request.method} ${new URL(this.request.url).pathname} (${this.status})`;
  }
}

/** Sends one request with curl and returns a k6-like response. */
export function request(method, url, body, params = {}) {
  const parsed = new URL(url);
  if (parsed.hostname !== ALLOWED_HOST) {
    throw new Error(`rejected request to ${url}: the k6 stand-in sends requests to ${ALLOWED_HOST} only, so point BASE_URL and STRONG_URL there`);
  }
  const args = ['-sS', '--noproxy', '*', '--max-time', String(TIMEOUT_SECONDS), '-X', method, '-o', '-',
    '-w', '\n%{http_code} %{time_total}'];
  for (const [name, value] of Object.entries(params.headers || {})) {
    args.push('-H', `${name}: ${value}`);
  }
  if (body !== null && body !== undefined) {
    args.push('--data-binary', '@-');
  }
  args.push(url);

  const output = execFileSync('curl', args, { input: body ?? '', encoding: 'utf8' });
  const split = output.lastIndexOf('\n');
  const [status, seconds] = output.slice(split + 1).split(' ');
  const response = new Response(method, url, Number(status), output.slice(0, split), Number(seconds) * 1000);
  recorder.requests.push({ method, url, path: parsed.pathname, status: response.status });
  return response;
}

export function get(url, params) {
  return request('GET', url, null, params);
}

export function post(url, body, params) {
  return request('POST', url, body, params);
}

/** Sends the requests one after another. k6 sends them in parallel, and no script here depends on their order. */
export function batch(requests) {
  return requests.map((entry) => Array.isArray(entry)
    ? request(entry[0], entry[1], entry[2], entry[3])
    : request(entry.method, entry.url, entry.body, entry.params));
}

export default { request, get, post, batch };
