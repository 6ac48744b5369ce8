// The inspector page: polls GET /api/status and GET /api/counter/{name} every second, watches the
// counter.inspector feed over the event-bus bridge, and drives the existing HTTP API from its
// controls. Every value from the server or the URL is rendered with textContent.

import { BusFeed } from './bus-client.js';
import { EventFeed } from './event-feed.js';
import { Topology } from './topology.js';

const INSPECTOR_ADDRESS = 'counter.inspector';
const POLL_INTERVAL_MS = 1000;
const LABEL_REFRESH_MS = 500;
const DEFAULT_COUNTER = 'views';
const DEFAULT_MAX_EVENTS = 300;
const MIN_MAX_EVENTS = 10;
const MAX_MAX_EVENTS = 5000;
const REQUEST_TIMEOUT_MS = 10000;
/** A compare run of 10000 iterations takes minutes; the gateway bounds it, the page only waits. */
const COMPARE_TIMEOUT_MS = 600000;
/** A sync older than this many sync intervals is shown as stale. */
const STALE_INTERVALS = 3;
/** The API's rule: 1 to 128 letters, digits and _ . : -, starting with a letter, digit or _. */
const COUNTER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

const $ = (id) => document.getElementById(id);

const state = {
  counter: DEFAULT_COUNTER,
  regions: [],
  isolated: new Set(),
  status: null,
  view: null,
  syncIntervalMs: 5000,
  /**
   * Local time of the last successful sync of a region with a peer, keyed `region>peer`, taken
   * from /api/status (receipt time minus sync_lag_ms) and from sync events (receipt time).
   */
  lastSync: new Map(),
  cards: new Map(),
  /** The "last successful sync" list items, by region, then by peer. */
  peerItems: new Map(),
  pollInFlight: false,
};

const topology = new Topology($('topology'));
const feed = new EventFeed($('feed-body'), $('feed-stats'), readMaxEvents());

// ---------------------------------------------------------------- start-up

function readMaxEvents() {
  const raw = new URLSearchParams(location.search).get('max_events');
  const parsed = raw === null ? DEFAULT_MAX_EVENTS : Number.parseInt(raw, 10);
  if (!Number.isInteger(parsed) || parsed < MIN_MAX_EVENTS || parsed > MAX_MAX_EVENTS) {
    showPageError(`max_events must be an integer from ${MIN_MAX_EVENTS} to ${MAX_MAX_EVENTS}; `
      + `using ${DEFAULT_MAX_EVENTS}`);
    return DEFAULT_MAX_EVENTS;
  }
  return parsed;
}

function readCounter() {
  const raw = new URLSearchParams(location.search).get('counter');
  if (raw === null) {
    return DEFAULT_COUNTER;
  }
  if (!COUNTER_NAME.test(raw)) {
    showPageError(`invalid counter name in the URL: "${raw.slice(0, 60)}"; watching "${DEFAULT_COUNTER}". `
      + 'A name has 1 to 128 letters, digits and _ . : -');
    return DEFAULT_COUNTER;
  }
  return raw;
}

function showPageError(message) {
  const banner = $('page-error');
  banner.textContent = message;
  banner.hidden = false;
}

function start() {
  state.counter = readCounter();
  $('watch-counter').value = state.counter;
  $('increment-counter').value = state.counter;
  $('global-counter-name').textContent = state.counter;
  $('feed-cap').value = String(feed.cap);

  wireControls();
  new BusFeed(INSPECTOR_ADDRESS, { onMessage: onInspectorEvent, onState: showBusState }).start();
  poll();
  setInterval(poll, POLL_INTERVAL_MS);
  setInterval(refreshSyncLabels, LABEL_REFRESH_MS);
}

// ---------------------------------------------------------------- HTTP API

/** Calls the gateway's API and returns {ok, status, body}; a network failure or timeout gives status 0. */
async function api(method, path, body, timeoutMs = REQUEST_TIMEOUT_MS) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error: 'invalid response', detail: text.slice(0, 200) };
    }
    return { ok: response.ok, status: response.status, body: parsed };
  } catch (error) {
    const detail = error.name === 'AbortError' ? `no response within ${timeoutMs} ms` : error.message;
    return { ok: false, status: 0, body: { error: 'request failed', detail } };
  } finally {
    clearTimeout(timer);
  }
}

function describeError(result) {
  const body = result.body ?? {};
  const prefix = result.status === 0 ? 'gateway unreachable' : `HTTP ${result.status}`;
  return `${prefix}: ${body.error ?? 'error'}${body.detail ? ` (${body.detail})` : ''}`;
}

// ---------------------------------------------------------------- polling

async function poll() {
  if (state.pollInFlight) {
    return;
  }
  state.pollInFlight = true;
  try {
    const [status, view] = await Promise.all([
      api('GET', '/api/status'),
      api('GET', `/api/counter/${encodeURIComponent(state.counter)}`),
    ]);
    const pill = $('poll-state');
    if (status.ok && view.ok) {
      pill.dataset.state = 'ok';
      pill.textContent = 'API: polling every 1 s';
    } else {
      pill.dataset.state = 'error';
      pill.textContent = `API: ${describeError(status.ok ? view : status)}`;
    }
    if (status.ok) {
      applyStatus(status.body);
    }
    if (view.ok) {
      applyView(view.body);
      $('global-error').hidden = true;
    } else {
      $('global-error').textContent = describeError(view);
      $('global-error').hidden = false;
    }
    renderRegions();
  } finally {
    state.pollInFlight = false;
  }
}

function applyStatus(status) {
  state.status = status;
  const regions = Object.keys(status.regions ?? {});
  if (regions.join(',') !== state.regions.join(',')) {
    setRegions(regions);
  }
  state.isolated = new Set(status.partitioned_regions ?? []);
  topology.updatePartitions(state.isolated);

  const receivedAt = Date.now();
  const regionOfNode = new Map();
  for (const region of regions) {
    for (const nodeId of Object.keys(status.regions[region].nodes ?? {})) {
      regionOfNode.set(nodeId, region);
    }
  }
  for (const region of regions) {
    for (const node of Object.values(status.regions[region].nodes ?? {})) {
      if (typeof node.sync_interval_ms === 'number') {
        state.syncIntervalMs = node.sync_interval_ms;
      }
      for (const [peerNode, lag] of Object.entries(node.sync_lag_ms ?? {})) {
        const peer = regionOfNode.get(peerNode);
        if (peer && typeof lag === 'number') {
          recordSync(region, peer, receivedAt - lag);
        }
      }
    }
  }
}

function applyView(view) {
  state.view = view;
  $('global-counter-name').textContent = view.counter;
  setFigure('global-count', view.global_count);
  const convergence = view.convergence ?? {};
  setFigure('converged', convergence.converged);
  $('converged').classList.toggle('good', convergence.converged === true);
  $('converged').classList.toggle('bad', convergence.converged === false);
  setFigure('lag', convergence.lag);
  $('healthy-regions').textContent = `${view.healthy_regions} of ${view.total_regions}`;
}

function setFigure(id, value) {
  const element = $(id);
  element.dataset.value = value === undefined || value === null ? '' : String(value);
  element.textContent = value === undefined || value === null ? '–' : String(value);
}

/** Keeps the later of the known sync times of `region` with `peer`. */
function recordSync(region, peer, atMillis) {
  const key = `${region}>${peer}`;
  if (!(state.lastSync.get(key) >= atMillis)) {
    state.lastSync.set(key, atMillis);
  }
}

// ---------------------------------------------------------------- regions

function setRegions(regions) {
  state.regions = regions;
  topology.setRegions(regions);
  buildRegionCards(regions);
  fillRegionOptions($('increment-target'), regions, ['round-robin', 'random']);
  fillRegionOptions($('feed-region'), regions, ['']);
}

function fillRegionOptions(select, regions, keep) {
  for (const option of [...select.options]) {
    if (!keep.includes(option.value)) {
      option.remove();
    }
  }
  for (const region of regions) {
    const option = document.createElement('option');
    option.value = region;
    option.textContent = region;
    select.append(option);
  }
}

function buildRegionCards(regions) {
  const container = $('region-cards');
  const template = $('region-card-template');
  container.replaceChildren();
  state.cards.clear();
  state.peerItems.clear();
  for (const region of regions) {
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.region = region;
    card.querySelector('.region-name').textContent = region;
    card.querySelector('.partition-toggle').addEventListener('click', () => togglePartition(region));
    const items = new Map();
    for (const peer of regions.filter((other) => other !== region)) {
      const item = document.createElement('li');
      item.dataset.peer = peer;
      card.querySelector('.peers').append(item);
      items.set(peer, item);
    }
    container.append(card);
    state.cards.set(region, card);
    state.peerItems.set(region, items);
  }
}

function renderRegions() {
  const status = state.status?.regions ?? {};
  const view = state.view?.regions ?? {};
  for (const region of state.regions) {
    const card = state.cards.get(region);
    const regionStatus = status[region] ?? {};
    const regionView = view[region] ?? {};
    const partitioned = state.isolated.has(region) || regionStatus.network_partition === true;
    const health = regionStatus.status ?? 'UNKNOWN';
    const total = regionView.healthy ? regionView.total_count : null;

    card.dataset.partitioned = String(partitioned);
    card.classList.toggle('partitioned', partitioned);
    const badge = card.querySelector('.health');
    badge.textContent = regionView.healthy === false ? `${health}: ${regionView.error ?? 'no answer'}` : health;
    badge.classList.toggle('bad', health !== 'UP' || regionView.healthy === false);
    card.querySelector('.partition-badge').hidden = !partitioned;
    card.querySelector('.total').textContent = total === null ? '–' : String(total);
    card.querySelector('.total').dataset.value = total === null ? '' : String(total);
    card.querySelector('.local').textContent = regionView.healthy ? String(regionView.local_count) : '–';
    const dropped = Object.values(regionStatus.nodes ?? {})
      .reduce((sum, node) => sum + (typeof node.dropped_messages === 'number' ? node.dropped_messages : 0), 0);
    card.querySelector('.dropped').textContent = String(dropped);
    card.querySelector('.partition-toggle').textContent = partitioned ? `Heal ${region}` : `Isolate ${region}`;
    renderVector(card.querySelector('.vector tbody'), regionView.nodes ?? {});

    topology.updateRegion(region, { total, status: health, partitioned });
  }
  refreshSyncLabels();
}

function renderVector(body, nodes) {
  const rows = Object.keys(nodes).sort().map((nodeId) => {
    const row = document.createElement('tr');
    const name = document.createElement('td');
    const count = document.createElement('td');
    name.textContent = nodeId;
    count.textContent = String(nodes[nodeId]);
    count.className = 'number';
    row.append(name, count);
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement('tr');
    const empty = document.createElement('td');
    empty.textContent = 'no increments yet';
    empty.className = 'muted';
    row.append(empty);
    rows.push(row);
  }
  body.replaceChildren(...rows);
}

function formatAgo(millis) {
  if (millis < 1000) {
    return `${Math.max(0, Math.round(millis))} ms ago`;
  }
  return millis < 60000 ? `${(millis / 1000).toFixed(1)} s ago` : `${Math.round(millis / 60000)} min ago`;
}

function refreshSyncLabels() {
  const now = Date.now();
  const staleAfter = STALE_INTERVALS * state.syncIntervalMs;
  for (const [region, items] of state.peerItems) {
    for (const [peer, item] of items) {
      const at = state.lastSync.get(`${region}>${peer}`);
      const ago = at === undefined ? null : now - at;
      const text = ago === null ? 'never' : formatAgo(ago);
      const stale = ago === null || ago > staleAfter;
      topology.updateSyncLabel(region, peer, text, stale);
      item.classList.toggle('stale', stale);
      item.textContent = `${peer}: ${text}`;
    }
  }
}

// ---------------------------------------------------------------- live feed

function onInspectorEvent(event) {
  if (event === null || typeof event !== 'object') {
    return;
  }
  feed.push(event);
  if (event.type === 'sync') {
    const now = Date.now();
    recordSync(event.from_region, event.to_region, now);
    recordSync(event.to_region, event.from_region, now);
    topology.pulse(event.from_region, event.to_region, 'sync');
  } else if (event.type === 'dropped') {
    topology.pulse(event.from_region, event.to_region, 'dropped');
  }
}

function showBusState(connection, detail) {
  const pill = $('bus-state');
  pill.dataset.state = connection;
  pill.title = detail;
  pill.textContent = connection === 'open' ? `feed: live on ${INSPECTOR_ADDRESS}` : `feed: ${connection}`;
  if (connection === 'open' && detail.startsWith('bridge error')) {
    pill.textContent = `feed: ${detail}`;
  }
}

// ---------------------------------------------------------------- controls

function wireControls() {
  $('watch-form').addEventListener('submit', (submitted) => {
    submitted.preventDefault();
    const name = $('watch-counter').value.trim();
    if (!COUNTER_NAME.test(name)) {
      showPageError(`invalid counter name "${name.slice(0, 60)}": use 1 to 128 letters, digits and _ . : -`);
      return;
    }
    $('page-error').hidden = true;
    state.counter = name;
    $('increment-counter').value = name;
    const url = new URL(location.href);
    url.searchParams.set('counter', name);
    history.replaceState(null, '', url);
    poll();
  });

  $('increment-form').addEventListener('submit', (submitted) => {
    submitted.preventDefault();
    increment();
  });
  $('isolate-all').addEventListener('click', () => setPartition('all', true));
  $('heal-all').addEventListener('click', () => setPartition('all', false));
  $('force-sync').addEventListener('click', forceSync);
  $('compare-form').addEventListener('submit', (submitted) => {
    submitted.preventDefault();
    compare();
  });

  $('pause').addEventListener('click', () => {
    const paused = !feed.paused;
    feed.setPaused(paused);
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    $('pause').setAttribute('aria-pressed', String(paused));
  });
  const applyFilter = () => feed.setFilter($('feed-filter').value, $('feed-region').value);
  $('feed-filter').addEventListener('input', applyFilter);
  $('feed-region').addEventListener('change', applyFilter);
  $('feed-cap').addEventListener('change', () => {
    const cap = Number.parseInt($('feed-cap').value, 10);
    if (Number.isInteger(cap) && cap >= MIN_MAX_EVENTS && cap <= MAX_MAX_EVENTS) {
      feed.setCap(cap);
    } else {
      $('feed-cap').value = String(feed.cap);
    }
  });
  $('feed-clear').addEventListener('click', () => feed.clear());
}

async function increment() {
  const output = $('increment-result');
  const name = $('increment-counter').value.trim();
  const amount = Number($('increment-amount').value);
  if (!COUNTER_NAME.test(name)) {
    output.textContent = 'invalid counter name: use 1 to 128 letters, digits and _ . : -';
    return;
  }
  if (!Number.isSafeInteger(amount) || amount < 1) {
    output.textContent = 'invalid amount: use a positive integer';
    return;
  }
  const target = $('increment-target').value;
  const body = { counter_name: name, amount };
  if (target === 'round-robin' || target === 'random') {
    body.routing = target;
  } else {
    body.region = target;
  }
  output.textContent = 'sending…';
  const result = await api('POST', '/api/increment', body);
  output.dataset.ok = String(result.ok);
  output.textContent = result.ok
    ? `${result.body.node_id ?? result.body.region} accepted +${amount}: local ${result.body.local_count}, `
      + `total ${result.body.total_count} (${result.body.routing}, ${result.body.latency_ms} ms)`
    : describeError(result);
  poll();
}

async function togglePartition(region) {
  await setPartition(region, !state.isolated.has(region));
}

async function setPartition(region, enabled) {
  const output = $('admin-result');
  output.textContent = `${enabled ? 'isolating' : 'healing'} ${region}…`;
  const result = await api('POST', `/admin/partition/${encodeURIComponent(region)}?enabled=${enabled}`);
  output.dataset.ok = String(result.ok);
  output.textContent = result.ok ? result.body.message : describeError(result);
  if (result.ok) {
    state.isolated = new Set(result.body.partitioned_regions ?? []);
    topology.updatePartitions(state.isolated);
    renderRegions();
  }
  poll();
}

async function forceSync() {
  const output = $('admin-result');
  output.textContent = 'forcing a sync round on every node…';
  const result = await api('POST', '/admin/force-sync');
  output.dataset.ok = String(result.ok);
  output.textContent = result.ok
    ? `force-sync ${result.body.status}: ${result.body.nodes_synced} node(s) synced, `
      + `${result.body.nodes_failed} failed, ${result.body.duration_ms} ms`
    : describeError(result);
  poll();
}

async function compare() {
  const status = $('compare-status');
  const table = $('compare-result');
  const iterations = Number($('compare-iterations').value);
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    status.textContent = 'invalid iterations: use a positive integer';
    return;
  }
  $('compare-button').disabled = true;
  status.textContent = `running ${iterations} eventual and ${iterations} strong writes…`;
  const body = { counter_name: $('increment-counter').value.trim() || state.counter, iterations };
  const result = await api('POST', '/api/compare', body, COMPARE_TIMEOUT_MS);
  $('compare-button').disabled = false;
  status.dataset.ok = String(result.ok);
  if (!result.ok) {
    status.textContent = describeError(result);
    table.hidden = true;
    $('compare-conclusion').textContent = '';
    return;
  }
  status.textContent = `counter ${result.body.counter_name}, ${result.body.iterations} iterations`;
  const rows = [['eventual', result.body.eventual_consistency], ['strong', result.body.strong_consistency]]
    .map(([label, series]) => {
      const row = document.createElement('tr');
      const values = [label, series?.avg_ms, series?.p50_ms, series?.p99_ms, series?.successes];
      for (const value of values) {
        const td = document.createElement('td');
        td.textContent = value === undefined || value === null ? '–' : String(value);
        row.append(td);
      }
      return row;
    });
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = false;
  const conclusion = $('compare-conclusion');
  conclusion.dataset.speedup = result.body.speedup === null ? '' : String(result.body.speedup);
  conclusion.textContent = result.body.speedup === null
    ? result.body.conclusion
    : `speedup ${result.body.speedup}: ${result.body.conclusion}`;
  poll();
}

start();
