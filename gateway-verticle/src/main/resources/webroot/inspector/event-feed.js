// The event-bus traffic table: the newest events on top, at most `cap` rows in the DOM (older
// rows are removed), a pause that keeps new events aside (also at most `cap`) until resumed, and a
// filter by address, node, type or region. Every field is rendered with textContent.

/** Events are rendered in batches at most this often, so a burst costs one layout, not one per event. */
const FLUSH_DELAY_MS = 250;
const MAX_DETAIL_CHARS = 300;

/** Returns the display fields of one inspector event; unknown types are shown as JSON. */
export function describeEvent(event) {
  switch (event.type) {
    case 'sync':
      return {
        address: `counter.node.${event.to}.sync`,
        route: `${event.from} → ${event.to}`,
        regions: [event.from_region, event.to_region],
        nodes: [event.from, event.to],
        // updated and conflicts_resolved count the initiating node's merge of the reply.
        details: `pushed ${event.counters_sent} counter(s), pulled ${event.counters_received}; `
          + `merging the reply on ${event.from}: ${event.updated > 0 ? `${event.updated} updated` : 'no change'}, `
          + `${event.conflicts_resolved} conflict(s) resolved; ${formatMillis(event.duration_ms)}`,
      };
    case 'dropped':
      return {
        address: String(event.address ?? ''),
        route: `${event.from_region} → ${event.to_region}`,
        regions: [event.from_region, event.to_region],
        nodes: [event.node_id],
        details: `${event.direction} interceptor on ${event.node_id} dropped a ${event.action ?? 'data-plane'} message`,
      };
    case 'strong-write':
      return {
        // A strong write is a prepare and a commit (or abort) on every region node's strong address.
        address: 'counter.node.*.strong',
        route: `${event.node_id} → every region`,
        regions: ['*'],
        nodes: [event.node_id],
        details: `${event.counter} +${event.amount}: ${event.outcome} in ${formatMillis(event.latency_ms)}`
          + (event.detail ? ` (${event.detail})` : ''),
      };
    default:
      return {
        address: '',
        route: '',
        regions: ['*'],
        nodes: [],
        details: JSON.stringify(event).slice(0, MAX_DETAIL_CHARS),
      };
  }
}

function formatMillis(value) {
  return typeof value === 'number' ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : '? ms';
}

function formatTime(timestamp) {
  const date = new Date(typeof timestamp === 'number' ? timestamp : Date.now());
  const pad = (number, width) => String(number).padStart(width, '0');
  return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) {
    td.className = className;
  }
  return td;
}

export class EventFeed {
  /**
   * @param {HTMLTableSectionElement} body the tbody the rows go into
   * @param {HTMLElement} stats the element that shows the counts
   * @param {number} cap the maximum of events kept in the DOM, and of events held while paused
   */
  constructor(body, stats, cap) {
    this.body = body;
    this.stats = stats;
    this.cap = cap;
    this.kept = [];
    this.pending = [];
    this.held = [];
    this.paused = false;
    this.filterText = '';
    this.filterRegion = '';
    this.received = 0;
    this.evicted = 0;
    this.flushTimer = null;
    this.renderStats();
  }

  push(event) {
    this.received++;
    if (this.paused) {
      this.held.push(event);
      this.trimFront(this.held);
    } else {
      this.pending.push(event);
      this.trimFront(this.pending);
      this.scheduleFlush();
    }
    this.renderStatsSoon();
  }

  setPaused(paused) {
    if (paused && this.flushTimer !== null) {
      // Events received before the pause are shown now, so the table stops changing from here on.
      clearTimeout(this.flushTimer);
      this.flush();
    }
    this.paused = paused;
    if (!paused && this.held.length > 0) {
      this.pending.push(...this.held);
      this.held = [];
      this.trimFront(this.pending);
      this.scheduleFlush();
    }
    this.renderStats();
  }

  setCap(cap) {
    this.cap = cap;
    this.trimFront(this.held);
    this.trimFront(this.pending);
    this.evictOverCap();
    this.renderStats();
  }

  setFilter(text, region) {
    this.filterText = text.trim().toLowerCase();
    this.filterRegion = region;
    for (const entry of this.kept) {
      entry.row.hidden = !this.matches(entry);
    }
    this.renderStats();
  }

  clear() {
    this.kept = [];
    this.pending = [];
    this.held = [];
    this.body.replaceChildren();
    this.renderStats();
  }

  /** Drops the oldest events of a queue beyond the cap; they would be evicted from the DOM anyway. */
  trimFront(queue) {
    if (queue.length > this.cap) {
      const excess = queue.length - this.cap;
      queue.splice(0, excess);
      this.evicted += excess;
    }
  }

  scheduleFlush() {
    if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
    }
  }

  flush() {
    this.flushTimer = null;
    const batch = this.pending;
    this.pending = [];
    const fragment = document.createDocumentFragment();
    const entries = [];
    for (let i = batch.length - 1; i >= 0; i--) {
      const entry = this.render(batch[i]);
      entries.push(entry);
      fragment.appendChild(entry.row);
    }
    this.body.insertBefore(fragment, this.body.firstChild);
    // this.kept is oldest first, like the batch; the DOM is newest first.
    this.kept.push(...entries.reverse());
    this.evictOverCap();
    this.renderStats();
  }

  evictOverCap() {
    while (this.kept.length > this.cap) {
      const oldest = this.kept.shift();
      oldest.row.remove();
      this.evicted++;
    }
  }

  render(event) {
    const described = describeEvent(event);
    const row = document.createElement('tr');
    const type = typeof event.type === 'string' ? event.type : 'unknown';
    row.dataset.type = type;
    row.className = `event event-${type.replace(/[^a-z-]/g, '')}`;
    if (type === 'strong-write' && event.outcome !== 'committed') {
      row.classList.add('failed');
    }
    row.append(
      cell(formatTime(event.timestamp), 'time'),
      cell(type, 'type'),
      cell(described.address, 'address'),
      cell(described.route, 'route'),
      cell(described.details, 'details'));
    const entry = {
      row,
      regions: described.regions,
      haystack: [type, described.address, described.route, ...described.nodes, ...described.regions]
        .join(' ').toLowerCase(),
    };
    row.hidden = !this.matches(entry);
    return entry;
  }

  matches(entry) {
    if (this.filterRegion && !entry.regions.includes(this.filterRegion) && !entry.regions.includes('*')) {
      return false;
    }
    return this.filterText === '' || entry.haystack.includes(this.filterText);
  }

  renderStatsSoon() {
    if (this.paused) {
      this.renderStats();
    }
  }

  renderStats() {
    const visible = this.kept.reduce((count, entry) => count + (entry.row.hidden ? 0 : 1), 0);
    this.stats.dataset.received = String(this.received);
    this.stats.dataset.kept = String(this.kept.length);
    this.stats.dataset.held = String(this.held.length);
    this.stats.textContent = `${visible} shown · ${this.kept.length} of max ${this.cap} kept · `
      + `${this.received} received · ${this.evicted} fell off`
      + (this.paused ? ` · paused, ${this.held.length} held` : '');
  }
}
